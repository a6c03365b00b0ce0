"""API tokens in the admin: listed with their user, age, last use and expiry, and revocable.

Tokens are issued only by `POST /api/v1/auth/token` (the secret is shown once, to its user), so the
admin cannot add or edit one; revoking deletes it.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Open311Client


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_used_at", "expires_at", "valid")
    list_filter = ("created_at", "expires_at")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    ordering = ("-created_at",)
    fields = ("user", "created_at", "last_used_at", "expires_at")
    readonly_fields = fields
    actions = ["revoke"]

    @admin.display(boolean=True, description=_("有效"))
    def valid(self, token: ApiToken) -> bool:
        return token.is_valid(timezone.now())

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count, _details = queryset.delete()
        self.message_user(request, _("已吊销 %(count)d 个令牌。") % {"count": count})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Trusted Open311 clients: made with `manage.py open311_client <name>` (the key is shown once);
    here they are listed and switched off."""

    list_display = ("name", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    fields = ("name", "is_active", "created_at", "last_used_at")
    readonly_fields = ("name", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False
