"""The outbox: one row per message to send, written in the same transaction as the change it reports."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Message(models.Model):
    """A notification to send. The worker claims a row with a compare-and-swap on `claim`, sends it,
    and marks it sent; a failure puts it back with a later `next_attempt_at` (exponential back-off)."""

    # What the message is about, so that one change never queues the same message twice:
    # "event:<id>" for a case event, "otp:<id>" for a sign-in code, "remind:<case>:<due>" …
    key = models.CharField(max_length=80)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("收件人"), max_length=254)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event = models.ForeignKey(
        "cases.CaseEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"))
    # Sign-in codes: the text is blanked once sent, so the table never keeps a usable code.
    sensitive = models.BooleanField(default=False)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知发件箱")
        constraints = [
            models.UniqueConstraint(fields=["key", "channel", "recipient"], name="notify_message_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.key} ({self.status})"
