"""The supervisor's pages: the dashboard, the case list behind each number, and its exports."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases import dispatching, roles
from cases.models import Channel
from knowledge import selectors as knowledge_selectors

from . import charts, exports, selectors
from .forms import CaseListForm, FilterForm

PAGE_SIZE = 50


def may_view_stats(user) -> bool:
    return user.is_authenticated and (user.is_superuser or roles.has_role(user, roles.SUPERVISOR))


def supervisor_required(view):
    """Signed in (else the login page) and a supervisor (else 403): the figures cover every case."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not may_view_stats(request.user):
            return render(
                request,
                "web/error.html",
                {
                    "title": _("没有权限"),
                    "message": _("统计分析只对督办领导开放。如需查看,请联系街道管理员。"),
                    "status": 403,
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


@supervisor_required
@require_GET
def dashboard(request):
    form = FilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "stats/dashboard.html", {"form": form, "errors": form.messages()}, status=400)
    if not request.GET:
        form = FilterForm({})
        form.is_valid()
    figures = selectors.dashboard(form.filters())
    period = selectors.local_bounds(form.filters().start, form.filters().end)
    context = {
        "form": form,
        "d": figures,
        "series_chart": charts.columns(figures["series"]),
        "charts": {
            name: charts.hbars(figures[name])
            for name in ("by_category", "by_community", "by_department", "by_channel")
        },
        "elderly_chart": charts.hbars(figures["inclusion"]["elderly_by_channel"]),
        # 派单异议 and 改派 per department (issue 22), for the cases submitted in the period.
        "dispatch_rates": dispatching.department_rates(*period),
        # 知识库 (issue 24): answers given from the base and entries updated in the period.
        "knowledge": knowledge_selectors.period_counts(*period),
    }
    return render(request, "stats/dashboard.html", context)


def _list_form(request):
    form = CaseListForm(request.GET)
    if not form.is_valid():
        return form, None
    return form, form.filters(form.refinements())


@supervisor_required
@require_GET
def case_list(request):
    form, filters = _list_form(request)
    if filters is None:
        return render(request, "stats/cases.html", {"form": form, "errors": form.messages()}, status=400)
    cases = selectors.case_list(filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    metric = filters.extra.get("metric") or "received"
    return render(
        request,
        "stats/cases.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "metric_label": selectors.METRIC_LABELS.get(metric, ""),
            "query": filters.query(**filters.extra),
            "may_export_personal": exports.may_export_personal_data(request.user),
            "now": timezone.now(),
            "channel_label": Channel(filters.channel).label if filters.channel else "",
        },
    )


@supervisor_required
@require_GET
def export(request, fmt):
    form, filters = _list_form(request)
    if filters is None:
        return render(request, "stats/cases.html", {"form": form, "errors": form.messages()}, status=400)
    personal = request.GET.get("personal") == "1"
    if personal and not exports.may_export_personal_data(request.user):
        return render(
            request,
            "web/error.html",
            {"title": _("没有权限"), "message": _("您的账号不能导出居民个人信息。"), "status": 403},
            status=403,
        )
    cases = selectors.case_list(filters)
    log = exports.personal_data_log(request.user, f"export_{fmt}") if personal else None
    if fmt == "xlsx":
        return exports.xlsx_response(cases, personal=personal, log=log)
    return exports.csv_response(cases, personal=personal, log=log)
