"""Resident pages: sign in with a one-time SMS code, then "我的诉求". Submitting never needs this.

A signed-in resident is a phone number in the session (no password, no staff account): the pages
show the cases with that number, and nothing else.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import moreinfo, workflow
from cases import services as case_services
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, InfoRequest, Rating
from cases.validation import mask_phone
from cases.workflow import Action
from security.client import client_key
from security.ratelimit import limit, log_refusal
from web.forms import GiveInfoForm, add_service_errors

from . import forms, services

SESSION_PHONE = "resident_phone"
SESSION_PENDING = "resident_pending_phone"


def _refused(request, exc: NotAllowed) -> None:
    """Log a refusal by the sign-in code limits (counted from the code rows, see services)."""
    log_refusal(request, getattr(exc, "limit", "") or "otp", retry_after=getattr(exc, "retry_after", None))


def _with_retry_after(response, exc: NotAllowed | None):
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


def resident_phone(request) -> str:
    return request.session.get(SESSION_PHONE, "")


def resident_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not resident_phone(request):
            return redirect("residents:sign_in")
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
def sign_in(request):
    if resident_phone(request) and request.method == "GET":
        return redirect("residents:mine")
    form = forms.PhoneForm(request.POST or None)
    status = 200
    error = ""
    refused = None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                code = services.request_code(phone=form.cleaned_data["phone"], ip=client_key(request))
            except ValidationError as exc:
                add_service_errors(form, exc)
            except NotAllowed as exc:
                status, error, refused = 429, exc.message, exc
                _refused(request, exc)
            else:
                request.session[SESSION_PENDING] = code.phone
                messages.info(
                    request,
                    _("验证码已发送到 %(phone)s,请查收短信。") % {"phone": mask_phone(code.phone)},
                )
                return redirect("residents:enter_code")
    response = render(request, "residents/sign_in.html", {"form": form, "error": error}, status=status)
    return _with_retry_after(response, refused)


@require_http_methods(["GET", "POST"])
@limit("otp_verify", methods=["POST"])
def enter_code(request):
    phone = request.session.get(SESSION_PENDING, "")
    if not phone:
        return redirect("residents:sign_in")
    form = forms.CodeForm(request.POST or None)
    status = 200
    error = ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                phone = services.verify_code(phone=phone, code=form.cleaned_data["code"])
            except ValidationError as exc:
                add_service_errors(form, exc)
            except NotAllowed as exc:
                status, error = 429, exc.message
                _refused(request, exc)
            else:
                # A new session key on sign-in: a session id planted before cannot be taken over.
                request.session.cycle_key()
                request.session.pop(SESSION_PENDING, None)
                request.session[SESSION_PHONE] = phone
                return redirect("residents:mine")
    context = {"form": form, "error": error, "masked_phone": mask_phone(phone)}
    return render(request, "residents/enter_code.html", context, status=status)


@require_POST
def sign_out(request):
    request.session.pop(SESSION_PHONE, None)
    request.session.pop(SESSION_PENDING, None)
    request.session.cycle_key()
    messages.info(request, _("您已退出。"))
    return redirect("web:home")


def _own_case(request, number: str) -> Case | None:
    return services.cases_of(resident_phone(request)).filter(number=(number or "")[:32]).first()


def _mine_context(
    request, *, bound: dict | None = None, bound_info: dict | None = None, problem: str = ""
) -> dict:
    phone = resident_phone(request)
    cases = list(services.cases_of(phone))
    rated = set(
        Rating.objects.filter(case__in=[c for c in cases if workflow.is_closed(c)]).values_list(
            "case_id", flat=True
        )
    )
    rows = []
    for case in cases:
        form = None
        if workflow.can(None, Action.RATE, case, as_public=True):
            form = (bound or {}).get(case.number) or forms.ResidentRatingForm(prefix=case.number)
        info_request = moreinfo.pending(case)
        info_form = None
        if info_request is not None and workflow.can(None, Action.GIVE_INFO, case, as_public=True):
            info_form = (bound_info or {}).get(case.number) or GiveInfoForm(prefix=f"{case.number}-info")
        rows.append(
            {
                "case": case,
                "rating_form": form,
                "rated": case.pk in rated,
                "open": workflow.is_open(case),
                "info_request": info_request,
                "info_form": info_form,
            }
        )
    return {"rows": rows, "masked_phone": mask_phone(phone), "problem": problem}


@resident_required
def my_cases(request):
    return render(request, "residents/mine.html", _mine_context(request))


@require_POST
@resident_required
def rate(request, number):
    case = _own_case(request, number)
    if case is None:
        return render(
            request,
            "residents/mine.html",
            _mine_context(request, problem=_("没有找到您的这个诉求。")),
            status=404,
        )
    form = forms.ResidentRatingForm(request.POST, prefix=case.number)
    status, problem = 400, ""
    if form.is_valid():
        try:
            rating = case_services.rate(
                case,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                by=None,
                verified=True,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (InvalidMove, Conflict, NotAllowed) as exc:
            status, problem = 409, exc.message
        else:
            messages.success(request, _("感谢您的评价:%(score)s。") % {"score": rating.get_score_display()})
            return redirect("residents:mine")
    context = _mine_context(request, bound={case.number: form} if status == 400 else None, problem=problem)
    return render(request, "residents/mine.html", context, status=status)


@require_POST
@resident_required
def give_info(request, number):
    """补充材料 by the signed-in resident: their phone is proven, so no digits are asked for."""
    case = _own_case(request, number)
    if case is None:
        return render(
            request,
            "residents/mine.html",
            _mine_context(request, problem=_("没有找到您的这个诉求。")),
            status=404,
        )
    form = GiveInfoForm(request.POST, request.FILES, prefix=f"{case.number}-info")
    status, problem = 400, ""
    if form.is_valid():
        try:
            moreinfo.answer(
                case,
                text=form.cleaned_data["text"],
                photo_files=form.cleaned_data["photos"],
                via=InfoRequest.Via.ONLINE,
                verified=True,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (InvalidMove, Conflict, NotAllowed) as exc:
            status, problem = 409, exc.message
        else:
            messages.success(request, _("已收到您补充的材料,工作人员会尽快处理。"))
            return redirect("residents:mine")
    context = _mine_context(
        request, bound_info={case.number: form} if status == 400 else None, problem=problem
    )
    return render(request, "residents/mine.html", context, status=status)


@require_POST
@resident_required
def sms_preference(request, number):
    case = _own_case(request, number)
    if case is None:
        return render(
            request,
            "residents/mine.html",
            _mine_context(request, problem=_("没有找到您的这个诉求。")),
            status=404,
        )
    choice = request.POST.get("sms")
    if choice not in ("on", "off"):
        context = _mine_context(request, problem=_("请选择接收或不再接收短信。"))
        return render(request, "residents/mine.html", context, status=400)
    services.set_sms_opt_out(case, phone=resident_phone(request), opt_out=choice == "off")
    if choice == "off":
        messages.success(request, _("诉求 %(number)s 已退订短信通知。") % {"number": case.number})
    else:
        messages.success(request, _("诉求 %(number)s 将继续接收短信通知。") % {"number": case.number})
    return redirect("residents:mine")
