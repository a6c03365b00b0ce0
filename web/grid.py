"""The grid worker's page (网格员, /grid/): made for a phone in the street. Today's cases and
appointments grouped by building, large targets, start and complete with photos from the camera,
and a completion that survives a dropped connection (its form carries an idempotency key: sent
again, it answers with the completion already made instead of doubling or failing)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import access, grid, roles, services, workflow
from cases.errors import Conflict, InvalidMove, KeyReused
from cases.workflow import Action

from . import forms, idempotent
from .errors import error_page
from .views import _PrefixedFiles, staff_required


def grid_worker_required(view):
    """A signed-in grid worker (else the login page, or 403 for other staff)."""

    @staff_required
    def wrapper(request, *args, **kwargs):
        if not roles.has_role(request.user, roles.GRID_WORKER):
            return error_page(request, 403, _("这个页面是网格员的工作台。"), title=_("没有权限"))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    return wrapper


def _context(request, *, bound: dict | None = None, problem: str = "") -> dict:
    """The page shows residents' names, phones and addresses: every case shown is logged."""
    user = request.user
    groups = grid.today(user)
    rows = []
    shown = []
    for building, cases in groups.items():
        items = []
        for case in cases:
            shown.append(case)
            complete_form = None
            if workflow.can(user, Action.COMPLETE, case):
                complete_form = (bound or {}).get(case.pk) or forms.GridCompleteForm(prefix=f"c{case.pk}")
            items.append(
                {
                    "case": case,
                    "may_start": workflow.can(user, Action.START, case),
                    "complete_form": complete_form,
                    "appointment_today": bool(
                        case.appointment_at
                        and timezone.localtime(case.appointment_at).date() == timezone.localdate()
                    ),
                }
            )
        rows.append({"building": building, "items": items})
    access.record_views(user, shown, "grid_page")
    return {"groups": rows, "problem": problem, "count": len(shown)}


@require_GET
@never_cache
@grid_worker_required
def home(request):
    return render(request, "web/grid/home.html", _context(request))


@require_POST
@grid_worker_required
def start(request, number):
    case = access.case_for_staff(request.user, number)
    services.start(case, by=request.user)
    messages.success(request, _("已开始办理 %(number)s。") % {"number": case.number})
    return redirect(reverse("web:grid_home") + f"#case-{case.number}")


@require_POST
@grid_worker_required
def complete(request, number):
    case = access.case_for_staff(request.user, number)
    prefix = f"c{case.pk}"
    form = forms.GridCompleteForm(request.POST, request.FILES, prefix=prefix)
    status, problem = 400, ""
    if form.is_valid():
        files = _PrefixedFiles(request.FILES, prefix)
        try:
            done, replayed = grid.complete_once(
                idempotent.claim(request, f"grid:complete:{request.user.pk}", case=case.number),
                case,
                by=request.user,
                explanation=form.cleaned_data["explanation"],
                before=files.getlist("before"),
                after=files.getlist("after"),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except KeyReused:
            form = forms.GridCompleteForm(idempotent.fresh_data(request), request.FILES, prefix=prefix)
            form.is_valid()
            form.add_error(None, _("这份办结表单已经提交过,内容不同。请核对后再提交一次。"))
            status = 422
        except (InvalidMove, Conflict) as exc:
            status, problem = 409, exc.message
        else:
            if replayed:
                messages.info(
                    request, _("%(number)s 已经办结(刚才的提交已经收到)。") % {"number": done.number}
                )
            else:
                messages.success(request, _("%(number)s 已办结,等待居民评价。") % {"number": done.number})
            return redirect("web:grid_home")
    context = _context(request, bound={case.pk: form} if status != 409 else None, problem=problem)
    return render(request, "web/grid/home.html", context, status=status)
