"""The personal-data access log for supervisors (个人信息查看记录): who opened which resident's name,
phone and address, when and through which page, API operation or export (cases.access.record_views)."""

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cases import access, helpdesk, supervision
from security.bounds import BoundedDateField

from .supervision import supervisor_only

PAGE_SIZE = 100


class AccessLogFilterForm(forms.Form):
    person = forms.CharField(
        label=gettext_lazy("查看人(用户名或姓名)"), max_length=150, required=False, strip=True
    )
    number = forms.CharField(label=gettext_lazy("诉求编号"), max_length=32, required=False, strip=True)
    via = forms.ChoiceField(
        label=gettext_lazy("用途"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + [(key, label) for key, label in access.VIA_LABELS.items()],
        error_messages={"invalid_choice": gettext_lazy("没有这个选项,请重新选择。")},
    )
    start = BoundedDateField(
        label=gettext_lazy("从(日期)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日”填写日期。")},
    )
    end = BoundedDateField(
        label=gettext_lazy("到(日期,含)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请按“年-月-日”填写日期。")},
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", gettext_lazy("结束日期不能早于开始日期。"))
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        zone = timezone.get_current_timezone()

        def day_start(day):
            return timezone.make_aware(datetime.combine(day, time.min), zone) if day else None

        return {
            "person": data.get("person", ""),
            "number": data.get("number", ""),
            "via": data.get("via", ""),
            "start": day_start(data.get("start")),
            "end": day_start(data["end"] + timedelta(days=1)) if data.get("end") else None,
        }


@supervisor_only
@require_GET
def access_log(request):
    form = AccessLogFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "web/supervision/access_log.html", {"form": form, "page": None}, status=400)
    rows = supervision.personal_data_log(**form.filters())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.via_label = access.VIA_LABELS.get(row.via, row.via)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/supervision/access_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "frequent": helpdesk.frequent_phone_lookups(),
            "alert_over": settings.MINSHENG_PHONE_LOOKUP_ALERT,
        },
    )
