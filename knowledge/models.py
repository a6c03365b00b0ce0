"""The knowledge base (知识库), the synonyms that let a resident's words find it, the answers given
from it, and the reply templates staff start their texts from."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, CaseEvent, Category, HelpDesk

MAX_QUESTION = 200
MAX_ANSWER = 2000
MAX_ALIASES = 1000
MAX_SOURCE = 200


class Entry(models.Model):
    """One question and its official answer, in plain words, with who keeps it and until when."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    # One entry per question: a double-clicked 保存 on the new-entry form cannot make two.
    question = models.CharField(_("问题"), max_length=MAX_QUESTION, unique=True)
    answer = models.TextField(_("答复(通俗易懂的话)"), max_length=MAX_ANSWER)
    aliases = models.TextField(
        _("其他问法和关键词"),
        max_length=MAX_ALIASES,
        blank=True,
        help_text=_("居民可能怎么问,每行一个或用顿号、逗号隔开,例如:老人补贴、八十岁补助"),
    )
    category = models.ForeignKey(
        Category, verbose_name=_("诉求类型"), null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(
        _("依据或来源"), max_length=MAX_SOURCE, help_text=_("例如:《某某办法》、街道民政科")
    )
    review_by = models.DateField(_("复核日期"), help_text=_("到这一天前要重新核对内容是否仍然有效"))
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("维护人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="knowledge_entries",
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("最后修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库条目")
        ordering = ["question", "id"]
        indexes = [models.Index(fields=["status", "review_by"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return self.question

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def needs_review(self, today=None) -> bool:
        """Past its review date: the content may be out of date."""
        return self.review_by < (today or timezone.localdate())

    def alias_list(self) -> list[str]:
        from .search import split_words

        return split_words(self.aliases)


class Synonym(models.Model):
    """Words residents and officials use for the same thing (老人补贴 = 高龄津贴): a search for any
    of them also looks for the others. Kept as data, edited in the admin."""

    words = models.TextField(
        _("同义词"),
        max_length=500,
        help_text=_("同一件事的不同说法,用顿号、逗号或换行隔开,例如:高龄津贴、高龄补贴、老人补贴"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("同义词")
        verbose_name_plural = _("同义词")
        ordering = ["id"]

    def __str__(self) -> str:
        return "、".join(self.word_list())

    def word_list(self) -> list[str]:
        from .search import split_words

        return split_words(self.words)


class Answer(models.Model):
    """An answer given from the base: to a case (the ANSWER move, with its event) or at the desk to
    a resident who asked without opening a case. The dashboard counts these rows."""

    class Via(models.TextChoices):
        CASE = "case", _("答复诉求")
        DESK_SMS = "desk_sms", _("代办岗短信答复")
        DESK_PRINT = "desk_print", _("代办岗打印答复")

    entry = models.ForeignKey(
        Entry, verbose_name=_("知识库条目"), on_delete=models.PROTECT, related_name="answers"
    )
    case = models.OneToOneField(
        Case,
        verbose_name=_("诉求"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="knowledge_answer",
    )
    event = models.OneToOneField(CaseEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("答复内容"), max_length=MAX_ANSWER)
    via = models.CharField(_("方式"), max_length=16, choices=Via.choices)
    desk = models.ForeignKey(
        HelpDesk, verbose_name=_("代办岗"), null=True, blank=True, on_delete=models.SET_NULL
    )
    sms = models.BooleanField(_("已发短信"), default=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("答复时间"), default=timezone.now)

    class Meta:
        verbose_name = _("知识库答复")
        verbose_name_plural = _("知识库答复")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.entry} @ {self.at:%Y-%m-%d %H:%M}"


class ReplyTemplate(models.Model):
    """A text staff start from in a form (办理说明, 不予受理原因 …), per move and optionally per
    category; placeholders are filled from the case and the text stays editable."""

    class Use(models.TextChoices):
        COMPLETE = "complete", _("办理完成说明")
        REJECT = "reject", _("不予受理原因")
        RETURN = "return", _("退单原因")
        DISPUTE = "dispute", _("派单异议理由")
        SMS = "sms", _("短信答复")

    name = models.CharField(_("名称"), max_length=64)
    use = models.CharField(_("用于"), max_length=16, choices=Use.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("诉求类型"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("不选:所有类型都可用"),
    )
    text = models.TextField(
        _("内容"),
        max_length=1000,
        help_text=_(
            "可用占位符:{number} 诉求编号、{department} 责任部门、{appointment} 预约时间、{community} 社区"
        ),
    )
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("答复模板")
        verbose_name_plural = _("答复模板")
        ordering = ["use", "sort", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .replies import check

        check(self.text)
