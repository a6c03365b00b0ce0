"""Forms of the knowledge-base pages: an entry, a search, an answer (to a case or at the desk)."""

from datetime import datetime

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import roles
from cases.models import Category
from knowledge import search
from knowledge.models import MAX_ALIASES, MAX_ANSWER, MAX_QUESTION, MAX_SOURCE, Entry
from knowledge.selectors import published


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=search.MAX_QUERY)
    category = forms.ModelChoiceField(
        label=_("诉求类型"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("全部"),
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *Entry.Status.choices], required=False
    )
    review = forms.ChoiceField(
        label=_("复核"), choices=[("", _("全部")), ("overdue", _("已过复核日期"))], required=False
    )


class EntryForm(forms.Form):
    question = forms.CharField(
        label=_("问题"), max_length=MAX_QUESTION, help_text=_("按官方说法写,例如:高龄津贴怎么申请?")
    )
    aliases = forms.CharField(
        label=_("其他问法和关键词"),
        max_length=MAX_ALIASES,
        required=False,
        help_text=_("居民可能怎么问,用顿号、逗号或换行隔开,例如:老人补贴、八十岁补助"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    answer = forms.CharField(
        label=_("答复"),
        max_length=MAX_ANSWER,
        help_text=_("用居民听得懂的话写:带什么、去哪里、多久办好。"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    source = forms.CharField(
        label=_("依据或来源"), max_length=MAX_SOURCE, help_text=_("例如:《某某办法》、街道民政科")
    )
    category = forms.ModelChoiceField(
        label=_("诉求类型"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("不限"),
    )
    review_by = forms.DateField(
        label=_("复核日期"),
        help_text=_("到这一天前要重新核对内容是否仍然有效"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请按 年-月-日 填写日期,例如 2027-06-30。")},
    )
    keeper = forms.ModelChoiceField(
        label=_("维护人"), queryset=User.objects.none(), required=False, empty_label=_("我自己")
    )
    status = forms.ChoiceField(label=_("状态"), choices=Entry.Status.choices, widget=forms.RadioSelect)
    # The entry's updated_at as this form showed it: a save over someone else's newer one is refused.
    seen = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)

    def clean_seen(self):
        value = self.cleaned_data["seen"]
        if not value:
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(_("页面已过期,请重新打开后再编辑。")) from None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keeper"].queryset = (
            User.objects.filter(is_active=True)
            .filter(Q(groups__name__in=[roles.INTAKE, roles.SUPERVISOR]) | Q(is_superuser=True))
            .distinct()
            .order_by("first_name", "username")
        )
        self.fields["keeper"].label_from_instance = lambda u: u.get_full_name() or u.username

    @classmethod
    def initial_for(cls, entry: Entry) -> dict:
        return {
            "question": entry.question,
            "aliases": entry.aliases,
            "answer": entry.answer,
            "source": entry.source,
            "category": entry.category_id,
            "review_by": entry.review_by,
            "keeper": entry.keeper_id,
            "status": entry.status,
            "seen": entry.updated_at.isoformat(),
        }


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.question


class AnswerForm(forms.Form):
    """答复 a case from an entry; the entries that match the case's words come first."""

    takes_case = True
    entry = EntryChoiceField(
        label=_("知识库条目"),
        queryset=Entry.objects.none(),
        empty_label=_("请选择"),
        error_messages={
            "required": _("请选择一条知识库条目。"),
            "invalid_choice": _("请选择一条已发布的知识库条目。"),
        },
    )
    text = forms.CharField(
        label=_("答复内容"),
        required=False,
        max_length=MAX_ANSWER,
        help_text=_("留空则发送条目的答复原文;可以修改后再发送。居民会收到短信,并在进度页面看到这段话。"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        entries = list(published())
        if case is not None and case.description:
            ranked = [hit.entry for hit in search.rank(case.description, entries)]
            entries = ranked + [e for e in entries if e not in ranked]
        self.suggested = entries[:3] if case is not None else []
        field = self.fields["entry"]
        field.queryset = published()
        field.choices = [("", _("请选择")), *((e.pk, e.question) for e in entries)]


class DeskAnswerForm(forms.Form):
    """A question answered at the desk without a case: by SMS to the number given, or printed."""

    text = forms.CharField(
        label=_("答复内容"),
        max_length=MAX_ANSWER,
        help_text=_("可以修改后再发送或打印。"),
        error_messages={"required": _("请填写答复内容。")},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    phone = forms.CharField(
        label=_("居民手机号码(发短信时填写)"),
        required=False,
        max_length=20,
        help_text=_("只用来发这条短信,不会保存在知识库里。"),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
