"""Forms of the staff case page for 诉求性质/紧急程度 and 不合理诉求 (issue 24). The services
(cases.classifying, cases.fairness) check everything again; these give each field its message."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import classifying
from cases.models import Priority, RequestType, UnreasonableMark, UnreasonableReason
from cases.validation import MAX_REASON


class ClassifyForm(forms.Form):
    """类型和紧急程度: intake's choice; the suggestion from the category and words is shown beside it."""

    takes_case = True

    request_type = forms.ChoiceField(
        label=_("诉求性质"),
        choices=RequestType.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择诉求性质:投诉、求助、咨询或建议。"),
            "invalid_choice": _("请选择诉求性质:投诉、求助、咨询或建议。"),
        },
    )
    priority = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Priority.choices,
        widget=forms.RadioSelect,
        help_text=_("应急诉求排在所有待办的最前面,按自然小时计时,并立即短信通知责任部门。"),
        error_messages={
            "required": _("请选择紧急程度:应急、重点或常规。"),
            "invalid_choice": _("请选择紧急程度:应急、重点或常规。"),
        },
    )
    note = forms.CharField(
        label=_("说明(选填)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.suggestion = None
        if case is not None:
            self.suggestion = classifying.suggestion_for(case)
            if not self.is_bound:
                self.initial.setdefault("request_type", case.request_type)
                self.initial.setdefault("priority", case.priority)


class MarkUnreasonableForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("标记为"),
        choices=UnreasonableMark.Kind.choices,
        widget=forms.RadioSelect,
        initial=UnreasonableMark.Kind.UNREASONABLE,
        error_messages={
            "required": _("请选择标记类型:不合理诉求或重复诉求。"),
            "invalid_choice": _("请选择标记类型:不合理诉求或重复诉求。"),
        },
    )
    reason = forms.ModelChoiceField(
        label=_("不合理诉求的原因"),
        queryset=UnreasonableReason.objects.filter(is_active=True),
        required=False,
        empty_label=_("请选择原因"),
        help_text=_("标记为不合理诉求时必选。"),
        error_messages={"invalid_choice": _("请从列表中选择不合理诉求的原因。")},
    )
    duplicate_of = forms.CharField(
        label=_("与之重复的诉求编号"),
        max_length=20,
        required=False,
        help_text=_("标记为重复诉求时必填,例如 20240510-0012。"),
    )
    note = forms.CharField(
        label=_("说明(选填)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SignOffForm(forms.Form):
    note = forms.CharField(
        label=_("意见(选填)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineSignOffForm(forms.Form):
    note = forms.CharField(
        label=_("不确认的理由"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写不确认的理由。")},
    )
