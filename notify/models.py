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


# Inbound SMS (issue 23): what residents text to the sub-district's number, through the gateway's
# webhook (api.sms). A row first, processed by the worker (notify.inbound), so nothing is lost.


class InboundStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("已处理")
    FAILED = "failed", _("处理失败")


class Outcome(models.TextChoices):
    RATED = "rated", _("已评价")
    REOPENED = "reopened", _("不满意,重新办理")
    ALREADY_RATED = "already_rated", _("重复评价,未计入")
    OTHER_PHONE = "other_phone", _("非本机号码的评价,未计入")
    PROGRESS = "progress", _("查询进度")
    OPTED_OUT = "opted_out", _("退订")
    NEW_CASE = "new_case", _("新诉求")
    IGNORED = "ignored", _("空白短信,未处理")
    # 补充材料 (cases.moreinfo): the answer to a question staff asked, or one that came too late.
    INFO_GIVEN = "info_given", _("已补充材料")
    INFO_CLOSED = "info_closed", _("补充请求已结束,未计入")


class InboundMessage(models.Model):
    """One SMS a resident sent; `provider_id` (the gateway's message id) makes a redelivery a no-op.
    The worker claims a row with a compare-and-swap on `claim`, as for Message, and records what the
    text did (`outcome`) in the same transaction as its effect; a failure is retried later."""

    provider_id = models.CharField(_("网关消息编号"), max_length=100, unique=True)
    phone = models.CharField(_("手机号码"), max_length=20)
    text = models.TextField(_("内容"), max_length=2000, blank=True)
    # The gateway's id of our message this one answers (HttpBackend.message_id), when it says.
    reply_to = models.CharField(_("回复的短信"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("接收时间"))
    status = models.CharField(
        _("状态"), max_length=8, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("诉求"),
    )
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("收到的短信")
        verbose_name_plural = _("收到的短信")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"sms from {self.phone[:3]}… ({self.status})"
