"""One-time sign-in codes for residents. All limits are counted from these rows, so they hold across
every web process (no process memory)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    phone = models.CharField(_("手机号"), max_length=11, db_index=True)
    # An HMAC of the code, never the code itself.
    code_hash = models.CharField(max_length=64)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("登录验证码")
        verbose_name_plural = _("登录验证码")

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.created_at:%Y-%m-%d %H:%M}"


class PhoneLock(models.Model):
    """One row per phone number, locked while a code is issued, so that concurrent requests for one
    number are counted one after another and the hourly limit cannot be overrun."""

    phone = models.CharField(max_length=11, primary_key=True)

    def __str__(self) -> str:
        return self.phone[:3] + "****"
