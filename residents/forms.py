"""Forms of the resident pages; residents.services has the last word on content."""

from django import forms
from django.utils.translation import gettext_lazy as _

from web.forms import ScoreForm


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


class ResidentRatingForm(ScoreForm):
    """A signed-in resident rates without typing the phone digits."""
