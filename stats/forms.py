"""The dashboard's filters, shared by the page, the case list, the exports and GET /api/v1/stats."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import AgeBand, Category, Channel, Community, Department
from security.bounds import BoundedDateField

MAX_DAYS = 3 * 366
GRANULARITIES = [("", _("自动")), ("day", _("按日")), ("week", _("按周")), ("month", _("按月"))]


@dataclass(frozen=True)
class Filters:
    """A submission period (local dates, both included) and the groups to look at."""

    start: date
    end: date
    community: Community | None = None
    category: Category | None = None
    department: Department | None = None
    channel: str = ""
    by: str = ""
    # Refinements used by the case list behind a number.
    extra: dict = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def params(self, **extra) -> dict:
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for name in ("community", "category", "department"):
            value = getattr(self, name)
            if value is not None:
                params[name] = value.code
        if self.channel:
            params["channel"] = self.channel
        params.update({k: v for k, v in extra.items() if v not in (None, "")})
        return params

    def query(self, **extra) -> str:
        return urlencode(self.params(**extra))


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last half year: the story's figures are about half a year."""
    today = today or timezone.localdate(timezone.now(), timezone.get_default_timezone())
    return today - timedelta(days=182), today


class CodeChoiceField(forms.ModelChoiceField):
    def __init__(self, queryset, **kwargs):
        super().__init__(queryset, to_field_name="code", required=False, **kwargs)
        self.error_messages["invalid_choice"] = _("没有这个选项,请重新选择。")


class FilterForm(forms.Form):
    """GET parameters: from, to (YYYY-MM-DD), community, category, department (codes), channel, by."""

    community = CodeChoiceField(Community.objects.all(), label=_("社区"), empty_label=_("全部社区"))
    category = CodeChoiceField(Category.objects.all(), label=_("诉求类型"), empty_label=_("全部类型"))
    department = CodeChoiceField(Department.objects.all(), label=_("责任部门"), empty_label=_("全部部门"))
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=[("", _("全部渠道")), *Channel.choices]
    )
    by = forms.ChoiceField(label=_("趋势按"), required=False, choices=GRANULARITIES)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        date_errors = {"invalid": _("日期格式应为 年-月-日,例如 2026-05-10。")}
        # "from" is a Python keyword: these two fields are added by name.
        self.fields = {
            "from": BoundedDateField(
                label=_("开始日期"),
                required=False,
                input_formats=["%Y-%m-%d"],
                error_messages=date_errors,
                widget=forms.DateInput(attrs={"type": "date"}),
            ),
            "to": BoundedDateField(
                label=_("结束日期"),
                required=False,
                input_formats=["%Y-%m-%d"],
                error_messages=date_errors,
                widget=forms.DateInput(attrs={"type": "date"}),
            ),
            **self.fields,
        }

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        end = data.get("to") or default_period()[1]
        start = data.get("from") or default_period(end)[0]
        if start > end:
            raise ValidationError(_("开始日期不能晚于结束日期。"))
        if (end - start).days + 1 > MAX_DAYS:
            raise ValidationError(_("统计区间最长三年,请缩短日期范围。"))
        data["from"], data["to"] = start, end
        return data

    def filters(self, extra: dict | None = None) -> Filters:
        data = self.cleaned_data
        return Filters(
            start=data["from"],
            end=data["to"],
            community=data.get("community"),
            category=data.get("category"),
            department=data.get("department"),
            channel=data.get("channel") or "",
            by=data.get("by") or "",
            extra=extra or {},
        )

    def messages(self) -> list[str]:
        return [str(m) for messages in self.errors.values() for m in messages]


class CaseListForm(FilterForm):
    """The case list behind a number: the dashboard's filters and what the number counts."""

    metric = forms.ChoiceField(required=False, choices=[])
    age = forms.ChoiceField(
        required=False, choices=[("", "")] + [(v or "unknown", label) for v, label in AgeBand.choices]
    )
    offline = forms.BooleanField(required=False)
    desk = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    volunteer = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    department_none = forms.BooleanField(required=False)

    def __init__(self, data=None, **kwargs):
        from .selectors import METRIC_LABELS

        super().__init__(data, **kwargs)
        self.fields["metric"].choices = [("", ""), *list(METRIC_LABELS.items())]
        self.fields["metric"].error_messages["invalid_choice"] = _("没有这项统计。")

    def refinements(self) -> dict:
        data = self.cleaned_data
        return {
            "metric": data.get("metric") or "",
            "age": data.get("age") or "",
            "offline": "1" if data.get("offline") else "",
            "desk": data.get("desk") or "",
            "volunteer": data.get("volunteer") or "",
            "department_none": "1" if data.get("department_none") else "",
        }
