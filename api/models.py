from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def expiry():
    """When a token issued now stops working: API_TOKEN_HOURS later (one working day by default)."""
    return timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS)


class ApiToken(models.Model):
    """A bearer token for the staff API; only its SHA-256 digest is stored.

    It stops working when it expires, when the account is deactivated, when its password changes
    (`auth_hash` is the user's session hash at issue, as Django's sessions do) and when its role
    groups change (api.signals deletes it); the admin lists tokens and revokes them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("到期时间"), default=expiry, db_index=True)
    auth_hash = models.CharField(max_length=128, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"token of user {self.user_id}"

    def save(self, *args, **kwargs):
        if not self.auth_hash:
            self.auth_hash = self.user.get_session_auth_hash()
        super().save(*args, **kwargs)

    def is_valid(self, now=None) -> bool:
        """Whether the token may still be used: not expired, an active user, the same password."""
        return (
            (now or timezone.now()) < self.expires_at
            and self.user.is_active
            and self.auth_hash == self.user.get_session_auth_hash()
        )


class Open311Client(models.Model):
    """A trusted Open311 client (a 12345 hotline platform, a FixMyStreet installation): its `api_key`
    lets its requests past the per-address submission limit. Only the key's SHA-256 is stored; make
    one with `manage.py open311_client <name>`, which prints the key once. Deactivate it here."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return self.name
