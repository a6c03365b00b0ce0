"""The triage tables: the keyword lexicon, the trained models and every suggestion made."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Category


class CategoryKeyword(models.Model):
    """A word that points to a category (楼道灯 → 基础设施维修), edited in the admin.

    Matched on the characters and on the sound, so a voice transcript's 漏到灯 still finds 楼道灯.
    """

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="triage_keywords", verbose_name=_("诉求类型")
    )
    word = models.CharField(_("关键词"), max_length=32)
    weight = models.FloatField(
        _("权重"),
        default=1.0,
        help_text=_("越大越说明是这一类:1 为一般,2–3 为几乎只属于这一类的词(如“停水”)。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__sort", "-weight", "word"]
        verbose_name = _("分类关键词")
        verbose_name_plural = _("分类关键词")
        constraints = [models.UniqueConstraint(fields=["category", "word"], name="triage_keyword_once")]

    def __str__(self) -> str:
        return f"{self.word} → {self.category}"


class TriageModel(models.Model):
    """A category classifier trained on this installation's own closed cases.

    The fitted parameters are plain JSON (vocabulary, idf, coefficients), rebuilt into arrays when
    used: nothing is ever unpickled, so a row edited by anyone can at worst give bad suggestions.
    """

    created_at = models.DateTimeField(_("训练时间"), db_index=True)
    trained_on = models.PositiveIntegerField(_("训练用诉求数"))
    classes = models.JSONField(_("诉求类型代码"))
    parameters = models.JSONField()
    seconds = models.FloatField(_("训练用时(秒)"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.trained_on})"


class Suggestion(models.Model):
    """The categories suggested for one description, beside the one finally chosen.

    Made before the case exists (the form is still being filled in), so the case is linked when it
    is submitted. No text is kept here: the description is the resident's own words and stays on
    the case. Accuracy (triage.selectors.accuracy) compares `suggested` with `chosen`.
    """

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("诉求")
    )
    made_at = models.DateTimeField(_("建议时间"), db_index=True)
    # [{"code": "infrastructure", "score": 0.82}, …], best first, as shown.
    suggested = models.JSONField(_("建议的类型"))
    # The top suggestion was good enough to be pre-selected (score ≥ suggest.CONFIDENT).
    preselected = models.BooleanField(_("已预选"), default=False)
    model = models.ForeignKey(
        TriageModel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("模型"),
    )
    chosen = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("最终类型"),
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("选择人"),
    )
    chosen_at = models.DateTimeField(_("选择时间"), null=True, blank=True)

    class Meta:
        ordering = ["-made_at", "-id"]
        verbose_name = _("分类建议")
        verbose_name_plural = _("分类建议")

    def __str__(self) -> str:
        top = self.suggested[0]["code"] if self.suggested else "-"
        return f"{self.made_at:%Y-%m-%d %H:%M} {top} → {self.chosen or '-'}"
