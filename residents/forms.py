"""Forms of the resident pages; residents.services has the last word on content."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Score
from cases.validation import MAX_COMMENT


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        help_text=_("提交诉求时所留的手机号。我们会发送一条6位数字验证码短信。"),
        error_messages={"required": _("请填写手机号。")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        help_text=_("6位数字,10分钟内有效。"),
        error_messages={"required": _("请填写短信中的6位数字验证码。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ResidentRatingForm(forms.Form):
    score = forms.ChoiceField(
        label=_("您对办理结果是否满意?"),
        choices=Score.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择满意、基本满意或不满意。"),
            "invalid_choice": _("请选择满意、基本满意或不满意。"),
        },
    )
    comment = forms.CharField(
        label=_("评价意见(选填)"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
