"""Supervision pages (督办 / 延期): the supervisor's list of overdue, escalated and repeatedly returned
cases and pending extension requests; a handler's extension request; a supervisor's escalation."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import access, deadlines, dispatching, fairness, roles, selectors, supervision
from cases.errors import Conflict, InvalidMove
from cases.models import Extension
from cases.validation import MAX_REASON

from .errors import error_page
from .forms import DATETIME_LOCAL, DateTimeLocalInput, add_service_errors
from .views import _staff_case_context, staff_required


class ExtensionRequestForm(forms.Form):
    new_due_at = forms.DateTimeField(
        label=gettext_lazy("申请延期至"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        error_messages={
            "required": gettext_lazy("请填写申请延期到的时间。"),
            "invalid": gettext_lazy("请按“年-月-日 时:分”填写时间。"),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("延期原因"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写延期原因。")},
    )


class EscalateForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("督办意见(选填)"),
        max_length=MAX_REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def supervisor_only(view):
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not roles.has_role(request.user, roles.SUPERVISOR):
            return error_page(request, 403, _("只有督办领导可以使用督办页面。"), title=_("没有权限"))
        return view(request, *args, **kwargs)

    return wrapper


@supervisor_only
@require_GET
def overview(request):
    now = timezone.now()
    calendar = deadlines.WorkCalendar()
    # 应急 cases first in every list, then the ones due first.
    overdue = list(
        selectors.by_priority(
            supervision.overdue_cases(now)
            .annotate(escalated=supervision.escalated_since_due())
            .select_related("category", "community", "department"),
            "due_at",
        )[:200]
    )
    not_yet_due = supervision.not_yet_due(now).select_related("category", "community", "department")
    soon = [
        case
        for case in selectors.by_priority(not_yet_due, "due_at")[:500]
        if deadlines.due_status(case, now, calendar) == deadlines.DueStatus.DUE_SOON
    ]
    return render(
        request,
        "web/supervision/overview.html",
        {
            "now": now,
            "extensions": supervision.pending_extensions(),
            "overdue": overdue,
            "due_soon": soon,
            "returned": supervision.repeatedly_returned()[:100],
            "escalations": supervision.recently_escalated()[:100],
            # 派单异议 waiting for a ruling (cases.dispatching), the ones due first first.
            "disputes": dispatching.pending_disputes()[:100],
            # 不合理诉求 marks waiting for a supervisor's sign-off (cases.fairness), oldest first.
            "marks": fairness.pending_marks()[:100],
        },
    )


@supervisor_only
@require_POST
def decide_extension(request, pk, decision):
    if decision not in ("approve", "refuse"):
        raise Http404
    extension = get_object_or_404(Extension.objects.select_related("case", "case__category"), pk=pk)
    try:
        if decision == "approve":
            supervision.approve_extension(extension, by=request.user)
            messages.success(
                request,
                _("已批准诉求 %(number)s 延期,居民会收到新的办理时限。") % {"number": extension.case.number},
            )
        else:
            supervision.refuse_extension(extension, by=request.user)
            messages.success(
                request, _("已不批准诉求 %(number)s 的延期申请。") % {"number": extension.case.number}
            )
    except (InvalidMove, Conflict) as exc:
        messages.error(request, exc.message)
    return redirect("web:supervision")


def _case_page(request, case, *, status: int, **forms_and_problem):
    context = _staff_case_context(request, case, problem=forms_and_problem.pop("problem", ""))
    context.update(forms_and_problem)
    return render(request, "web/staff/case.html", context, status=status)


@staff_required
@require_POST
def request_extension(request, number):
    case = access.case_for_staff(request.user, number)
    form = ExtensionRequestForm(request.POST, prefix="extension")
    if form.is_valid():
        try:
            supervision.request_extension(
                case,
                by=request.user,
                reason=form.cleaned_data["reason"],
                new_due_at=form.cleaned_data["new_due_at"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except InvalidMove as exc:
            return _case_page(request, case, status=409, problem=exc.message)
        else:
            messages.success(request, _("延期申请已提交,等待督办领导审批。"))
            return redirect("web:staff_case", number=case.number)
    return _case_page(request, case, status=400, extension_form=form)


@staff_required
@require_POST
def escalate(request, number):
    case = access.case_for_staff(request.user, number)
    form = EscalateForm(request.POST, prefix="escalate")
    if form.is_valid():
        try:
            supervision.escalate(case, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (InvalidMove, Conflict) as exc:
            case = access.case_for_staff(request.user, number)
            return _case_page(request, case, status=409, problem=exc.message)
        else:
            messages.success(request, _("已督办,责任部门会收到提醒。"))
            return redirect("web:staff_case", number=case.number)
    return _case_page(request, case, status=400, escalate_form=form)
