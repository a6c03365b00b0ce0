from django.contrib import admin

from .models import Message
from .outbox import mask


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: to see what went out, what is waiting and why something failed."""

    list_display = [
        "id",
        "channel",
        "masked_recipient",
        "case",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel"]
    search_fields = ["case__number", "key"]
    readonly_fields = [f.name for f in Message._meta.fields if f.name != "recipient"] + ["masked_recipient"]
    exclude = ["recipient"]

    @admin.display(description="收件人")
    def masked_recipient(self, obj):
        return mask(obj.recipient)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
