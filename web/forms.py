"""Forms for the server-rendered pages.

They check shape only (required, length, choice); the services in cases/ have the last word on
content and their ValidationError messages are added to these forms with add_service_errors().
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import AgeBand, Category, Community, Department, Score
from cases.validation import MAX_ADDRESS, MAX_COMMENT, MAX_DESCRIPTION, MAX_NAME, MAX_REASON

from . import idempotent

PHOTO_TYPES = "image/jpeg,image/png,image/webp"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>; their content is checked by cases.photos."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class CategoryChoiceField(forms.ModelChoiceField):
    """Radio buttons that show each category's description under its name."""

    def label_from_instance(self, obj):
        if obj.description:
            return f"{obj.name}({obj.description})"
        return obj.name


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: dict keys become field errors where possible."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, exc)


class SubmitCaseForm(forms.Form):
    # A double tap or a resubmitted page creates one case (web.idempotent).
    idempotency_key = idempotent.KeyField()
    category = CategoryChoiceField(
        label=_("诉求类型"),
        queryset=Category.objects.filter(is_active=True),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("请选择诉求类型。"), "invalid_choice": _("请选择诉求类型。")},
    )
    community = forms.ModelChoiceField(
        label=_("社区"),
        queryset=Community.objects.filter(is_active=True),
        empty_label=_("请选择社区"),
        error_messages={"required": _("请选择所在社区。"), "invalid_choice": _("请选择所在社区。")},
    )
    address = forms.CharField(
        label=_("详细地址"),
        max_length=MAX_ADDRESS,
        help_text=_("例如:3栋2单元5楼"),
        error_messages={
            "required": _("请填写详细地址。"),
            "max_length": _("详细地址不能超过 %(limit_value)d 个字(现在 %(show_value)d 个)。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    description = forms.CharField(
        label=_("诉求描述"),
        max_length=MAX_DESCRIPTION,
        # Not required here: a voice note may stand in for it (services.submit_case decides).
        required=False,
        help_text=_("请写清楚遇到了什么问题、从什么时候开始。最多 4000 字。"),
        error_messages={
            "max_length": _("诉求描述不能超过 %(limit_value)d 个字(现在 %(show_value)d 个)。"),
        },
        # voice.js adds a microphone button where the browser offers speech recognition.
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                "data-voice-input": "",
                "data-lang": "zh-CN",
                "data-label-start": _("按这里,说话输入"),
                "data-label-stop": _("说完了"),
                "data-label-listening": _("正在听,请说话……"),
                "data-label-failed": _("说话输入现在用不了(可能需要联网)。请用下面的“录一段语音”。"),
            }
        ),
    )
    voice = forms.FileField(
        label=_("不方便打字?录一段语音留言(选填)"),
        required=False,
        help_text=_("最长 2 分钟。工作人员会听您的录音;有录音时诉求描述可以不填。"),
        error_messages={"empty": _("语音留言是空的,请重新录一次。")},
        widget=forms.FileInput(attrs={"accept": "audio/*", "capture": ""}),
    )
    photos = MultipleFileField(
        label=_("现场照片(选填)"),
        help_text=_("最多 6 张,支持 JPEG、PNG、WebP 格式,每张不超过 10 MB。"),
    )
    name = forms.CharField(
        label=_("姓名"),
        max_length=MAX_NAME,
        help_text=_("进度页面只显示您的姓氏,如“张**”。"),
        error_messages={
            "required": _("请填写姓名。"),
            "max_length": _("姓名不能超过 %(limit_value)d 个字(现在 %(show_value)d 个)。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        help_text=_("11位手机号或带区号的固定电话。只有工作人员能看到,评价时需要输入后四位。"),
        error_messages={"required": _("请填写联系电话。")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    age_band = forms.ChoiceField(
        label=_("年龄段(选填)"),
        choices=AgeBand.choices,
        required=False,
        widget=forms.RadioSelect,
    )


class ScoreForm(forms.Form):
    """The resident's rating: 满意 / 基本满意 / 不满意 and an optional comment."""

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


class RatingForm(ScoreForm):
    """Rating on the public page: the phone's last four digits prove the case is theirs."""

    phone_last4 = forms.CharField(
        label=_("联系电话后四位"),
        help_text=_("请输入提交诉求时所留电话号码的最后四位数字。"),
        max_length=4,
        min_length=4,
        error_messages={
            "required": _("请填写提交时所留电话号码的后四位数字。"),
            "min_length": _("请填写提交时所留电话号码的后四位数字。"),
            "max_length": _("请填写提交时所留电话号码的后四位数字。"),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
    )


# Staff actions: one small form per move on the staff case page.


class AcceptForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(ReasonForm):
    reason = forms.CharField(
        label=_("不予受理的原因"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnForm(ReasonForm):
    reason = forms.CharField(
        label=_("退单原因"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LocateForm(forms.Form):
    """确定社区: the community (and category) of a case that came without one (待定位), or a correction."""

    takes_case = True

    community = forms.ModelChoiceField(
        label=_("所在社区"),
        queryset=Community.objects.filter(is_active=True),
        empty_label=_("请选择所在社区"),
        error_messages={"required": _("请选择所在社区。"), "invalid_choice": _("请选择所在社区。")},
    )
    category = forms.ModelChoiceField(
        label=_("诉求类型"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("请选择诉求类型"),
        error_messages={"required": _("请选择诉求类型。"), "invalid_choice": _("请选择诉求类型。")},
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            if case.community.is_active:
                self.initial.setdefault("community", case.community_id)
            if case.category.is_active:
                self.initial.setdefault("category", case.category_id)


class DispatchForm(forms.Form):
    # Built with the case (web.views passes it to forms that set this): the department the
    # responsibility list (派单目录) names comes first and is chosen, and its item is shown.
    takes_case = True

    department = forms.ModelChoiceField(
        label=_("责任部门"),
        queryset=Department.objects.filter(is_active=True),
        empty_label=_("请选择责任部门"),
        error_messages={"required": _("请选择责任部门。"), "invalid_choice": _("请选择责任部门。")},
    )
    # 协办: optional co-handling departments; the one chosen above leads (主办) and completes.
    co_departments = forms.ModelMultipleChoiceField(
        label=_("协办部门(选填)"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("协办部门报告各自的办理情况后,主办部门才能办结。主办部门不要勾选。"),
        error_messages={
            "invalid_choice": _("请从列表中选择协办部门。"),
            "invalid_pk_value": _("请从列表中选择协办部门。"),
        },
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.listed_item = None
        if case is None:
            return
        from cases import dispatching, grid

        item = dispatching.listed_item(case)
        exclude = self.excluded_department(case)
        if item is not None and item.department_id == exclude:
            item = None
        self.listed_item = item
        field = self.fields["department"]
        # The sub-district's departments and the case's own community work station.
        queryset = grid.departments_for(case)
        if "co_departments" in self.fields:
            self.fields["co_departments"].queryset = grid.departments_for(case)
        if exclude is not None:
            queryset = queryset.exclude(pk=exclude)
        if item is not None:
            first = models.Case(models.When(pk=item.department_id, then=0), default=1)
            queryset = queryset.annotate(listed_first=first).order_by("listed_first", "code")
            self.initial.setdefault("department", item.department_id)
            field.help_text = _("派单目录:%(text)s(生效日期 %(date)s)") % {
                "text": item.text,
                "date": item.effective_from.isoformat(),
            }
        else:
            field.help_text = _("派单目录中没有适用于此诉求的事项,请按实际情况选择。")
        field.queryset = queryset

    def excluded_department(self, case) -> int | None:
        return None


class ReassignForm(DispatchForm):
    """改派: another department than the one that has the case, and why (the co-handlers stay)."""

    co_departments = None

    reason = forms.CharField(
        label=_("改派原因"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def excluded_department(self, case) -> int | None:
        return case.department_id


class MergeForm(forms.Form):
    """并单: the number of the case this one is merged into, and an optional note."""

    into = forms.CharField(
        label=_("合并到诉求编号"),
        max_length=32,
        help_text=_("例如 20240510-0012。合并后此诉求随该诉求办理,居民仍可用原编号查看进度。"),
        error_messages={"required": _("请填写要合并到的诉求编号。")},
    )
    note = forms.CharField(
        label=_("并单说明(选填)"),
        required=False,
        max_length=MAX_REASON,
        help_text=_("居民会在进度页面看到这段话,请勿写入个人信息。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UnmergeForm(forms.Form):
    """拆分: undo a wrong merge, with a reason."""

    reason = forms.CharField(
        label=_("拆分原因"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StartForm(forms.Form):
    appointment_at = forms.DateTimeField(
        label=_("预约上门时间(选填)"),
        required=False,
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
    )


class AppointForm(forms.Form):
    appointment_at = forms.DateTimeField(
        label=_("预约上门时间"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        error_messages={
            "required": _("请填写预约时间。"),
            "invalid": _("请按“年-月-日 时:分”填写预约时间。"),
        },
    )


class CompleteForm(forms.Form):
    explanation = forms.CharField(
        label=_("办理说明"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_DESCRIPTION,
        error_messages={"required": _("请填写办理说明。")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    before = MultipleFileField(
        label=_("办理前照片"),
        required=True,
        help_text=_("至少一张。"),
        error_messages={"required": _("请上传至少一张办理前的照片。")},
    )
    after = MultipleFileField(
        label=_("办理后照片"),
        required=True,
        help_text=_("至少一张。"),
        error_messages={"required": _("请上传至少一张办理后的照片。")},
    )


class DisputeForm(forms.Form):
    """派单异议: the department says the case is not theirs, citing the list where it can."""

    takes_case = True

    item = forms.ModelChoiceField(
        label=_("依据的派单目录事项(选填)"),
        queryset=None,
        required=False,
        empty_label=_("不引用派单目录(仅填写理由,将被标注)"),
        help_text=_("选择规定由其他部门办理的事项。"),
        error_messages={"invalid_choice": _("请选择适用于此诉求的事项。")},
    )
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写异议理由。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import ResponsibilityItem

        items = ResponsibilityItem.objects.filter(is_active=True).select_related("department")
        if case is not None:
            items = items.filter(category_id=case.category_id).exclude(department_id=case.department_id)
        field = self.fields["item"]
        field.queryset = items
        field.label_from_instance = lambda item: f"{item.department.name}:{item.text}"


class RulingForm(forms.Form):
    """异议裁定 by a supervisor."""

    takes_case = True

    upheld = forms.TypedChoiceField(
        label=_("裁定结果"),
        choices=[("1", _("维持原派单(退回原部门继续办理)")), ("0", _("异议成立(改派给下面选择的部门)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择裁定结果。")},
    )
    department = forms.ModelChoiceField(
        label=_("改派的责任部门(异议成立时)"),
        queryset=Department.objects.filter(is_active=True),
        required=False,
        empty_label=_("按异议所引用的事项"),
        error_messages={"invalid_choice": _("请选择责任部门。")},
    )
    note = forms.CharField(
        label=_("裁定意见"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写裁定意见。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    amend_list = forms.BooleanField(label=_("据此修订派单目录(为该类型和社区增加一条事项)"), required=False)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.dispute = None
        if case is not None:
            from cases import dispatching

            self.dispute = dispatching.pending_dispute(case)
            if self.dispute is not None:
                cited = self.dispute.item
                marked = "" if cited else str(_("(未引用派单目录)"))
                self.fields["upheld"].help_text = _("%(department)s的异议理由:%(reason)s%(marked)s") % {
                    "department": self.dispute.department.name,
                    "reason": self.dispute.reason,
                    "marked": marked,
                }
                if cited is not None:
                    self.fields["department"].help_text = _("引用的事项:%(department)s:%(text)s") % {
                        "department": cited.department.name,
                        "text": cited.text,
                    }


class ContributeForm(forms.Form):
    """协办: a co-handling department's part, reported once."""

    note = forms.CharField(
        label=_("协办情况"),
        help_text=_("写清本部门做了什么。主办部门和督办领导能看到;居民只看到“协办部门已办理”。"),
        max_length=MAX_DESCRIPTION,
        error_messages={"required": _("请填写协办情况。")},
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleFileField(label=_("协办照片(选填)"), help_text=_("最多 6 张。"))


class WaiveForm(forms.Form):
    """A supervisor lets the lead complete without one co-handler's report."""

    takes_case = True

    co_handling = forms.ModelChoiceField(
        label=_("免于报告的协办部门"),
        queryset=None,
        empty_label=_("请选择协办部门"),
        error_messages={
            "required": _("请选择协办部门。"),
            "invalid_choice": _("请选择还没有报告的协办部门。"),
        },
    )
    reason = forms.CharField(
        label=_("免报原因"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cases.models import CoHandling

        rows = CoHandling.objects.select_related("department").filter(
            reported_at__isnull=True, waived_at__isnull=True
        )
        field = self.fields["co_handling"]
        field.queryset = rows.filter(case_id=case.pk) if case is not None else rows.none()
        field.label_from_instance = lambda row: row.department.name


class AssignGridForm(forms.Form):
    """指派网格员: one of the work station's grid workers."""

    takes_case = True

    worker = forms.ModelChoiceField(
        label=_("网格员"),
        queryset=None,
        empty_label=_("请选择网格员"),
        error_messages={"required": _("请选择网格员。"), "invalid_choice": _("请选择本工作站的网格员。")},
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cases import grid

        field = self.fields["worker"]
        field.queryset = grid.grid_workers(case.department if case is not None else None)
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()


class CameraInput(MultipleFileInput):
    """A photo straight from the phone's back camera (a file chooser elsewhere)."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"accept": "image/*", "capture": "environment", **(attrs or {})})


class GridCompleteForm(forms.Form):
    """办理完成 on the grid worker's phone: the key makes a resent form complete the case once."""

    idempotency_key = idempotent.KeyField()
    explanation = forms.CharField(
        label=_("办理说明"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_DESCRIPTION,
        error_messages={"required": _("请填写办理说明。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    before = MultipleFileField(
        label=_("拍办理前照片"),
        required=True,
        widget=CameraInput(),
        error_messages={"required": _("请上传至少一张办理前的照片。")},
    )
    after = MultipleFileField(
        label=_("拍办理后照片"),
        required=True,
        widget=CameraInput(),
        error_messages={"required": _("请上传至少一张办理后的照片。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One form per case on the page: the key's element id must still be unique.
        self.fields[idempotent.FIELD].widget.attrs["id"] = f"id_{self.prefix or 'grid'}-key"

    def add_prefix(self, field_name):
        # The key keeps its plain name, whatever the form's prefix: web.idempotent reads it so.
        if field_name == idempotent.FIELD:
            return field_name
        return super().add_prefix(field_name)


# 补充材料 (cases.moreinfo): asking the resident for more, and the answer.


class AskInfoForm(forms.Form):
    question = forms.CharField(
        label=_("需要居民补充的内容"),
        help_text=_("居民会收到短信,并在进度页面看到这段话;请勿写入居民的个人信息。"),
        max_length=500,
        error_messages={"required": _("请填写需要居民补充的内容。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wants_photo = forms.BooleanField(label=_("请居民上传照片"), required=False)


class ContinueInfoForm(forms.Form):
    note = forms.CharField(
        label=_("处理意见(选填)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseNoInfoForm(ReasonForm):
    reason = forms.CharField(
        label=_("不予办理的原因"),
        help_text=_("居民会在进度页面看到这段话。"),
        max_length=MAX_REASON,
        error_messages={"required": _("请填写原因。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class GiveInfoForm(forms.Form):
    """The answer at the help desk: what the resident says, and photos they brought."""

    text = forms.CharField(
        label=_("补充内容"),
        max_length=MAX_DESCRIPTION,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = MultipleFileField(label=_("补充照片(选填)"), help_text=_("可选多张;照片中的位置信息会被去除。"))


class PublicGiveInfoForm(GiveInfoForm):
    """The answer on the public progress page: the phone's last four digits prove the case is theirs."""

    phone_last4 = RatingForm.base_fields["phone_last4"]
