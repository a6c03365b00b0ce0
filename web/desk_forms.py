"""Forms of the help-desk pages. Shape only; cases.services and cases.helpdesk have the last word."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases import helpdesk
from cases.models import AgeBand, Channel, Community, Score
from cases.validation import MAX_COMMENT

from .forms import (
    DATETIME_LOCAL,
    PHOTO_TYPES,
    DateTimeLocalInput,
    MultipleFileInput,
    SubmitCaseForm,
)


class OnBehalfForm(SubmitCaseForm):
    """A case registered for a resident: at a help desk, or by intake from a phone call or visit."""

    channel = forms.ChoiceField(
        label=_("渠道"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择渠道。"), "invalid_choice": _("请选择渠道。")},
    )
    desk = forms.ModelChoiceField(
        label=_("代办岗"),
        queryset=None,
        required=False,
        empty_label=_("请选择代办岗"),
        error_messages={"invalid_choice": _("请选择您所在的代办岗。")},
    )
    consent = forms.BooleanField(
        label=_("居民本人已同意由志愿者代为提交,并同意工作人员查看其姓名、电话和地址"),
        required=False,
    )

    field_order = [
        "channel",
        "desk",
        "name",
        "phone",
        "age_band",
        "category",
        "community",
        "address",
        "description",
        "voice",
        "photos",
        "consent",
    ]

    def clean_channel(self):
        return self.only_channel or self.cleaned_data.get("channel")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        channels = helpdesk.channels_for(user)
        self.fields["channel"].choices = [(c, Channel(c).label) for c in channels]
        self.only_channel = channels[0] if len(channels) == 1 else None
        if self.only_channel:
            # Nothing to choose: a volunteer's cases go through their desk.
            self.fields["channel"].widget = forms.HiddenInput()
            self.fields["channel"].required = False
            self.fields["channel"].initial = self.only_channel
        else:
            self.fields["channel"].initial = channels[0] if channels else None
        desks = helpdesk.desks_of(user)
        self.fields["desk"].queryset = desks
        desk_list = list(desks)
        self.desk = desk_list[0] if len(desk_list) == 1 else None
        if len(desk_list) <= 1:
            del self.fields["desk"]
        if Channel.HELP_DESK not in channels:
            del self.fields["consent"]
        if self.desk is not None:
            self.fields["community"].initial = self.desk.community_id
        self.fields["community"].queryset = Community.objects.filter(is_active=True)
        self.fields["name"].label = _("居民姓名")
        self.fields["name"].help_text = _("进度页面只显示姓氏,如“张**”。")
        self.fields["description"].help_text = _("照居民的原话写:遇到了什么问题、从什么时候开始。")
        phone = self.fields["phone"]
        phone.required = False
        if Channel.HELP_DESK in channels:
            desk_phone = self.desk.phone if self.desk and self.desk.phone else _("代办岗电话")
            phone.label = _("居民的联系电话(选填)")
            phone.help_text = _(
                "手机或带区号的固定电话。居民没有电话可以不填:代办岗电话(%(phone)s)就是联系电话,"
                "办理进度由志愿者转告。"
            ) % {"phone": desk_phone}
        else:
            phone.label = _("居民的联系电话")
        self.fields["age_band"].label = _("年龄段(选填)")
        self.fields["age_band"].choices = [c for c in AgeBand.choices if c[0]]
        self.fields["photos"].widget = MultipleFileInput(
            attrs={"accept": PHOTO_TYPES, "capture": "environment"}
        )
        self.fields["photos"].label = _("现场照片(选填)")
        self.fields["photos"].help_text = _("可以用平板或手机直接拍照,最多 6 张。")
        self.fields["voice"].label = _("居民的语音留言(选填)")
        self.fields["voice"].help_text = _(
            "可以请居民用自己的话说一遍,最长 2 分钟;有录音时诉求描述可以不填。"
        )


class LookupForm(forms.Form):
    phone = forms.CharField(
        label=_("居民的完整电话号码"),
        max_length=32,
        help_text=_("请输入完整号码。每次查询都会记录查询人和时间。"),
        error_messages={"required": _("请填写居民的完整电话号码。")},
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )


class AppointmentForm(forms.Form):
    appointment_at = forms.DateTimeField(
        label=_("和居民约好的上门时间"),
        help_text=_("例如明天上午9点。办理部门和居民在进度页面都能看到。"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        error_messages={
            "required": _("请填写预约时间。"),
            "invalid": _("请按“年-月-日 时:分”填写预约时间。"),
        },
    )


YES_NO = [("yes", _("是")), ("no", _("否"))]


class FollowUpForm(forms.Form):
    reached = forms.ChoiceField(
        label=_("联系上居民了吗?"),
        choices=[("yes", _("联系上了")), ("no", _("没有联系上(无人接听、关机等)"))],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择是否联系上居民。"),
            "invalid_choice": _("请选择是否联系上居民。"),
        },
    )
    solved = forms.ChoiceField(
        label=_("问题解决了吗?"),
        choices=[("yes", _("解决了")), ("no", _("没有解决"))],
        widget=forms.RadioSelect,
        required=False,
    )
    score = forms.ChoiceField(
        label=_("居民对办理结果是否满意?"),
        help_text=_("居民没有表态可以不选,之后再回访。选择“不满意”会重新办理。"),
        choices=Score.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("请选择满意、基本满意或不满意。")},
    )
    note = forms.CharField(
        label=_("回访记录(选填)"),
        max_length=MAX_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def cleaned_call(self) -> dict:
        data = self.cleaned_data
        solved = {"yes": True, "no": False}.get(data.get("solved") or "")
        return {
            "reached": data["reached"] == "yes",
            "solved": solved,
            "score": data.get("score") or "",
            "note": data.get("note") or "",
        }
