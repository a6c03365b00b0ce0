"""Server-rendered pages. Each view: reach the case through cases.access, validate a form, call one
service, then render or redirect. Domain errors become pages with the matching status code."""

import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cases import (
    access,
    classifying,
    cohandling,
    dispatching,
    fairness,
    grid,
    idempotency,
    merging,
    moreinfo,
    roles,
    selectors,
    services,
    submission,
    workflow,
)
from cases import voice as voice_notes
from cases.errors import CaseNotFound, Conflict, InvalidMove, KeyReused, NotAllowed
from cases.models import Attachment, Priority, Rating, RequestType, Score
from cases.validation import mask_phone
from cases.workflow import Action
from knowledge import replies
from knowledge import selectors as knowledge_selectors
from knowledge import services as knowledge_services
from minsheng import http_cache
from security.client import client_ip, rate_key
from security.ratelimit import limit

from . import fairness_forms, forms, idempotent, same_problem
from .errors import error_page
from .knowledge_forms import AnswerForm

PAGE_SIZE = 50
# Roles that may use the staff pages at all; what each may do is decided by cases.workflow.
STAFF_ROLES = (roles.INTAKE, roles.HANDLER, roles.SUPERVISOR, roles.VOLUNTEER, roles.GRID_WORKER)


# ---------------------------------------------------------------------------------------------
# Public pages


@require_GET
def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page says: point them at the icon."""
    return redirect(static("web/favicon.svg"), permanent=True)


@require_GET
@never_cache
def language(request):
    """Switch the interface language, then go back to the page (`next`).

    A link, like the elder-mode switch, rather than Django's set_language form: a form needs a CSRF
    token, and with it every anonymous page made a new token and cookie for each visitor — a fifth
    of a cached progress page's time. Sets the same cookie as set_language does.
    """
    code = request.GET.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return error_page(request, 400, _("不支持这种语言。"), title=_("无法切换语言"))
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def home(request):
    if getattr(request, "elder", None) and request.elder.on:
        from .elder import problem_page  # elder mode: the home page is the simpler flow's first screen

        return problem_page(request)
    return render(request, "web/home.html", _home_context())


def _home_context(
    *, form=None, lookup_error: str = "", number: str = "", photos_dropped=False, offers=()
) -> dict:
    return {
        "offers": list(offers),
        "form": form or forms.SubmitCaseForm(),
        "lookup_error": lookup_error,
        "lookup_number": number,
        "photos_dropped": photos_dropped,
        "max_voice_seconds": voice_notes.max_seconds(),
    }


@require_GET
@limit("lookup")
def lookup(request):
    number = (request.GET.get("number") or "").strip()
    if not number:
        error = _("请输入诉求编号,例如 20240510-0012。")
    else:
        try:
            case = access.case_for_public(number)
        except CaseNotFound as exc:
            error = exc.message
        else:
            return redirect("web:progress", number=case.number)
    return render(request, "web/home.html", _home_context(lookup_error=error, number=number[:32]), status=404)


@require_POST
@limit("submit")
def submit(request):
    form = forms.SubmitCaseForm(request.POST, request.FILES)
    status = 400
    offers: list = []
    if form.is_valid():
        data = form.cleaned_data
        # 这是同一件事? Before a new case is made, an open case LIKELY the same problem is offered
        # (web.same_problem); the resident follows it or says it is not the same and submits.
        key = idempotent.posted_key(request)
        replay = key is not None and idempotency.case_for_key("web:online", key) is not None
        if not (request.POST.get(same_problem.NOT_SAME) or replay):
            matched = same_problem.matches(
                description=data["description"],
                community=data["community"],
                address=data["address"],
                phone=data["phone"],
                category=data["category"],
            )
            number = request.POST.get(same_problem.FOLLOW, "")
            if number:
                return _follow(request, form, same_problem.chosen(matched, number), data)
            if matched:
                offers = same_problem.offers_for(matched)
                context = _home_context(
                    form=form, photos_dropped=bool(request.FILES.getlist("photos")), offers=offers
                )
                return render(request, "web/home.html", context)
        try:
            case = submission.submit(
                key=idempotent.claim(request, "web:online"),
                category=data["category"],
                community=data["community"],
                address=data["address"],
                description=data["description"],
                name=data["name"],
                phone=data["phone"],
                age_band=data["age_band"] or "",
                photo_files=request.FILES.getlist("photos"),
                voice_file=request.FILES.get("voice"),
            ).case
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except KeyReused as exc:
            form = forms.SubmitCaseForm(idempotent.fresh_data(request), request.FILES)
            form.is_valid()
            form.add_error(None, idempotent.reused_message(exc))
            status = 422
        else:
            return redirect("web:submitted", number=case.number)
    context = _home_context(form=form, photos_dropped=bool(request.FILES.getlist("photos")))
    return render(request, "web/home.html", context, status=status)


def _follow(request, form, case, data, *, template="web/home.html", context=None):
    """The resident chose "这是同一件事,关注它": make them a co-reporter of the offered case."""
    if case is None:
        # Not a case this report was offered (a stale page, a typed number): nothing changes.
        form.add_error(None, _("找不到可以关注的诉求,请核对后重新提交。"))
        ctx = context if context is not None else _home_context(form=form)
        return render(request, template, ctx, status=400)
    try:
        merging.follow(case, phone=data["phone"], name=data.get("name", ""), by=request.user)
    except ValidationError as exc:
        forms.add_service_errors(form, exc)
        ctx = context if context is not None else _home_context(form=form)
        return render(request, template, ctx, status=400)
    return redirect("web:following", number=merging.parent_of(case).number)


@require_GET
@limit("lookup")
def following(request, number):
    """The confirmation after following a case: its number and the link to its progress."""
    case = access.case_for_public(number)
    return render(request, "web/following.html", {"case": case})


@require_GET
@limit("lookup")
def submitted(request, number):
    case = access.case_for_public(number)
    return render(request, "web/submitted.html", {"case": case})


def _timeline(events, *, private: bool) -> list[dict]:
    """Timeline rows for a template; the private note only when `private` (staff pages)."""
    return [
        {
            "at": event.at,
            "label": Action(event.action).label if event.action in Action.values else event.action,
            "actor": selectors.event_actor(event),
            "note": event.public_note,
            "private_note": event.private_note if private else "",
        }
        for event in events
    ]


def _progress_context(case, *, rating_form=None, rating_error: str = "", info_form=None) -> dict:
    own = selectors.public_progress(case)
    # 并单: a merged case's page shows the progress of the case it was merged into (its stages,
    # result and rating), under the resident's own number; its own timeline stays below.
    progress = own.parent or own
    may_give_info = workflow.can(None, Action.GIVE_INFO, case, as_public=True)
    latest_rating = (
        Rating.objects.filter(resolution=progress.resolution).first() if progress.resolution else None
    )
    return {
        "case": case,
        "own_progress": own,
        "merged_into": own.parent.case if own.parent is not None else None,
        "own_timeline": _timeline(own.events, private=False) if own.parent is not None else [],
        "progress": progress,
        "rating_form": rating_form or (forms.RatingForm() if progress.can_rate else None),
        "rating_error": rating_error,
        "info_request": progress.info_request,
        "info_form": (info_form or forms.PublicGiveInfoForm()) if may_give_info else None,
        "latest_rating": latest_rating,
        "show_appointment": bool(case.appointment_at) and workflow.awaits_visit(case),
        "timeline": _timeline(progress.events, private=False),
    }


# Stands for the CSRF token in stored progress pages; each response gets its own token.
CSRF_PLACEHOLDER = "__minsheng_csrf_token__"
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def _shared_page(request) -> bool:
    """Whether this request sees the same progress page as any other anonymous visitor: nothing
    personal may be in a page served to someone else (a signed-in user, a resident signed in by SMS
    code, a message waiting), and no query string (the elder-mode links change the page and set a
    cookie)."""
    return request.method == "GET" and not request.GET and not http_cache.personal_request(request)


@require_GET
@limit("lookup")
def progress(request, number):
    if not _shared_page(request):
        return render(request, "web/progress.html", _progress_context(access.case_for_public(number)))

    def build(case) -> str:
        html = render_to_string("web/progress.html", _progress_context(case), request)
        return _CSRF_VALUE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)

    def personalise(html: str) -> str | None:
        # Only a completed case's page has a form (the rating): it needs this visitor's token.
        if CSRF_PLACEHOLDER not in html:
            return None
        return html.replace(CSRF_PLACEHOLDER, get_token(request))

    elder = request.elder
    return http_cache.public_answer(
        request,
        number,
        f"page:{elder.size if elder.on else 0}",
        build,
        content_type="text/html; charset=utf-8",
        personalise=personalise,
    )


def _public_may_rate(case) -> bool:
    # A merged case's reporter rates the case it was merged into (cases.merging).
    return workflow.can(None, Action.RATE, merging.parent_of(case), as_public=True)


@require_POST
def rate(request, number):
    case = access.case_for_public(number)
    form = forms.RatingForm(request.POST)
    status = 400
    error = ""
    if form.is_valid():
        try:
            rating = services.rate(
                case,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                phone_last4=form.cleaned_data["phone_last4"],
                client=rate_key(client_ip(request)),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except NotAllowed as exc:
            status, error = 429, exc.message
        except (InvalidMove, Conflict) as exc:
            status, error = 409, exc.message
        else:
            messages.success(request, _("感谢您的评价:%(score)s。") % {"score": rating.get_score_display()})
            # The case is reopened (重办) by the rating that moves it, not by a further reporter's.
            if rating.score == Score.DISSATISFIED and isinstance(rating, Rating):
                messages.info(request, _("我们会重新办理您的诉求,请留意办理进度。"))
            return redirect("web:progress", number=case.number)
    case.refresh_from_db()
    context = _progress_context(case, rating_form=form if _public_may_rate(case) else None)
    context["rating_error"] = error
    return render(request, "web/progress.html", context, status=status)


@require_POST
@limit("submit")
def give_info(request, number):
    """补充材料 on the progress page: the resident answers the question, proving the case is theirs
    by the phone's last four digits (counted like the rating's tries)."""
    case = access.case_for_public(number)
    form = forms.PublicGiveInfoForm(request.POST, request.FILES)
    status, error = 400, ""
    if form.is_valid():
        try:
            moreinfo.answer(
                case,
                text=form.cleaned_data["text"],
                photo_files=form.cleaned_data["photos"],
                via=moreinfo.InfoRequest.Via.ONLINE,
                phone_last4=form.cleaned_data["phone_last4"],
                client=rate_key(client_ip(request)),
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except NotAllowed as exc:
            status, error = 429, exc.message
        except (InvalidMove, Conflict) as exc:
            status, error = 409, exc.message
        else:
            messages.success(request, _("已收到您补充的材料,工作人员会尽快处理。"))
            return redirect("web:progress", number=case.number)
    case.refresh_from_db()
    context = _progress_context(case, info_form=form)
    context["info_error"] = error
    return render(request, "web/progress.html", context, status=status)


@require_GET
def attachment(request, pk, variant):
    """A case photo. Resolution photos are public; a resident's own photos only for staff who may
    open the case (they may show the inside of a home). Anything else looks like it does not exist."""
    if variant not in ("full", "thumb"):
        raise Http404
    photo = get_object_or_404(Attachment.objects.select_related("case"), pk=pk)
    if not photo.is_public and not access.can_see_personal_data(request.user, photo.case):
        raise Http404
    if not photo.is_public and variant == "full":
        # A resident's own photo may show their home; thumbnails are part of the logged case page.
        access.record_view(request.user, photo.case, "photo")
    name = photo.file.name if variant == "full" else photo.thumbnail.name
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    suffix = "" if variant == "full" else "-thumb"
    # Stored photos are always JPEGs re-encoded by cases.photos, whatever was uploaded.
    return media_response(
        handle,
        content_type="image/jpeg",
        filename=f"{photo.case.number}-{photo.pk}{suffix}.jpg",
        public=photo.is_public,
    )


# The only types an uploaded file is ever served as: what cases.photos and cases.voice store.
SAFE_MEDIA_TYPES = {"image/jpeg", "audio/webm", "audio/ogg", "audio/mp4", "audio/wav"}


def media_response(handle, *, content_type: str, filename: str, public: bool = False) -> FileResponse:
    """An uploaded file, served so that no browser runs it: a known image or audio type (anything
    else is a download of bytes), no type sniffing, inline under a generated name, and a sandbox
    policy in case it is ever opened as a document."""
    inline = content_type in SAFE_MEDIA_TYPES
    response = FileResponse(
        handle,
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


# ---------------------------------------------------------------------------------------------
# Staff pages


@method_decorator(limit("login", methods=["POST"]), name="dispatch")
class StaffLoginView(auth_views.LoginView):
    template_name = "web/staff/login.html"
    redirect_authenticated_user = True


def staff_required(view):
    """Signed in (else the login page) and holding a staff role (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.has_role(request.user, *STAFF_ROLES):
            return error_page(
                request,
                403,
                _("您的账号没有工作人员权限。如需开通,请联系街道管理员。"),
                title=_("没有权限"),
            )
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
@require_GET
def staff_home(request):
    user = request.user
    priority = request.GET.get("priority", "")
    request_type = request.GET.get("type", "")
    cases = selectors.filter_queue(selectors.queue(user), priority=priority, request_type=request_type)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/staff/queue.html",
        {
            "page": page,
            "priorities": Priority.choices,
            "request_types": RequestType.choices,
            "chosen_priority": priority if priority in Priority.values else "",
            "chosen_type": request_type if request_type in RequestType.values else "",
            # The filters, kept in the pager's links.
            "query": urlencode(
                {
                    k: v
                    for k, v in (("priority", priority), ("type", request_type))
                    if v in (Priority.values if k == "priority" else RequestType.values)
                }
            ),
            "now": timezone.now(),
            "role_names": _role_names(user),
            "may_register": roles.has_role(user, roles.VOLUNTEER, roles.INTAKE),
            "is_grid_worker": roles.has_role(user, roles.GRID_WORKER),
        },
    )


def _role_names(user) -> list[str]:
    labels = {
        roles.INTAKE: _("受理员"),
        roles.HANDLER: _("部门办理人员"),
        roles.SUPERVISOR: _("督办领导"),
        roles.VOLUNTEER: _("志愿者"),
        roles.GRID_WORKER: _("网格员"),
    }
    return [label for role, label in labels.items() if roles.has_role(user, role)]


# URL slug → workflow action, the form that carries its input, and how to call its service.
STAFF_ACTIONS = {
    "accept": (
        Action.ACCEPT,
        forms.AcceptForm,
        lambda case, user, data, files: services.accept(case, by=user),
    ),
    "reject": (
        Action.REJECT,
        forms.RejectForm,
        lambda case, user, data, files: services.reject(case, by=user, reason=data["reason"]),
    ),
    "dispatch": (
        Action.DISPATCH,
        forms.DispatchForm,
        lambda case, user, data, files: services.dispatch(
            case, by=user, department=data["department"], co_departments=data["co_departments"]
        ),
    ),
    "locate": (
        Action.LOCATE,
        forms.LocateForm,
        lambda case, user, data, files: services.locate(
            case, by=user, community=data["community"], category=data["category"]
        ),
    ),
    "classify": (
        Action.CLASSIFY,
        fairness_forms.ClassifyForm,
        lambda case, user, data, files: classifying.classify(
            case, by=user, request_type=data["request_type"], priority=data["priority"], note=data["note"]
        ),
    ),
    "mark_unreasonable": (
        Action.MARK_UNREASONABLE,
        fairness_forms.MarkUnreasonableForm,
        lambda case, user, data, files: fairness.mark(
            case,
            by=user,
            kind=data["kind"],
            reason=data["reason"],
            duplicate_of=data["duplicate_of"],
            note=data["note"],
        ),
    ),
    "sign_off": (
        Action.SIGN_OFF,
        fairness_forms.SignOffForm,
        lambda case, user, data, files: fairness.sign_off(case, by=user, note=data["note"]),
    ),
    "decline_sign_off": (
        Action.DECLINE_SIGN_OFF,
        fairness_forms.DeclineSignOffForm,
        lambda case, user, data, files: fairness.decline(case, by=user, note=data["note"]),
    ),
    "answer": (
        Action.ANSWER,
        AnswerForm,
        lambda case, user, data, files: knowledge_services.answer_case(
            case, by=user, entry=data["entry"], text=data["text"] or None
        ),
    ),
    "reassign": (
        Action.REASSIGN,
        forms.ReassignForm,
        lambda case, user, data, files: dispatching.reassign(
            case, by=user, department=data["department"], reason=data["reason"]
        ),
    ),
    "dispute": (
        Action.DISPUTE,
        forms.DisputeForm,
        lambda case, user, data, files: dispatching.dispute(
            case, by=user, reason=data["reason"], item=data["item"]
        ),
    ),
    "rule": (
        Action.RULE,
        forms.RulingForm,
        lambda case, user, data, files: dispatching.rule_case(
            case,
            by=user,
            upheld=data["upheld"],
            note=data["note"],
            department=data["department"],
            amend_list=data["amend_list"],
        ),
    ),
    "merge": (
        Action.MERGE,
        forms.MergeForm,
        lambda case, user, data, files: _merge(case, user, data),
    ),
    "unmerge": (
        Action.UNMERGE,
        forms.UnmergeForm,
        lambda case, user, data, files: merging.unmerge(case, by=user, reason=data["reason"]),
    ),
    "contribute": (
        Action.CONTRIBUTE,
        forms.ContributeForm,
        lambda case, user, data, files: cohandling.contribute(
            case, by=user, note=data["note"], photo_files=files.getlist("photos")
        ),
    ),
    "waive": (
        Action.WAIVE_COHANDLER,
        forms.WaiveForm,
        lambda case, user, data, files: cohandling.waive(
            case, by=user, co_handling=data["co_handling"], reason=data["reason"]
        ),
    ),
    "grid": (
        Action.ASSIGN_GRID,
        forms.AssignGridForm,
        lambda case, user, data, files: grid.assign(case, by=user, worker=data["worker"]),
    ),
    "return": (
        Action.RETURN,
        forms.ReturnForm,
        lambda case, user, data, files: services.return_case(case, by=user, reason=data["reason"]),
    ),
    "start": (
        Action.START,
        forms.StartForm,
        lambda case, user, data, files: services.start(case, by=user, appointment_at=data["appointment_at"]),
    ),
    "appointment": (
        Action.APPOINT,
        forms.AppointForm,
        lambda case, user, data, files: services.set_appointment(
            case, by=user, appointment_at=data["appointment_at"]
        ),
    ),
    # 补充材料 (cases.moreinfo): ask the resident, go on without the answer, or close for want of it.
    "ask-info": (
        Action.ASK_INFO,
        forms.AskInfoForm,
        lambda case, user, data, files: moreinfo.ask(
            case, by=user, question=data["question"], wants_photo=data["wants_photo"]
        ),
    ),
    "continue-info": (
        Action.CONTINUE_INFO,
        forms.ContinueInfoForm,
        lambda case, user, data, files: moreinfo.continue_without(case, by=user, note=data["note"]),
    ),
    "close-no-info": (
        Action.CLOSE_NO_INFO,
        forms.CloseNoInfoForm,
        lambda case, user, data, files: moreinfo.close_without(case, by=user, reason=data["reason"]),
    ),
    "complete": (
        Action.COMPLETE,
        forms.CompleteForm,
        lambda case, user, data, files: services.complete(
            case,
            by=user,
            explanation=data["explanation"],
            before=files.getlist("before"),
            after=files.getlist("after"),
        ),
    ),
}
DONE_MESSAGES = {
    "accept": gettext_lazy("已受理。"),
    "reject": gettext_lazy("已不予受理,居民可在进度页面看到原因。"),
    "dispatch": gettext_lazy("已派单。"),
    "locate": gettext_lazy("已确定社区和诉求类型,可以派单了。"),
    "classify": gettext_lazy("已保存诉求性质和紧急程度。"),
    "mark_unreasonable": gettext_lazy("已标记,等待另一位督办领导确认。"),
    "sign_off": gettext_lazy("已确认为不合理诉求,此诉求不再计入部门考核。"),
    "decline_sign_off": gettext_lazy("已不确认,此诉求照常计入部门考核。"),
    "answer": gettext_lazy("已答复并办结,居民会收到短信。"),
    "reassign": gettext_lazy("已改派。"),
    "dispute": gettext_lazy("已提出派单异议,等待督办领导裁定。"),
    "rule": gettext_lazy("已裁定。"),
    "merge": gettext_lazy("已并单:此诉求随所合并的诉求办理。"),
    "unmerge": gettext_lazy("已拆分:此诉求恢复单独办理。"),
    "contribute": gettext_lazy("已报告协办情况,主办部门会看到。"),
    "waive": gettext_lazy("已免除该协办部门的报告。"),
    "grid": gettext_lazy("已指派网格员。"),
    "return": gettext_lazy("已退回受理员。"),
    "start": gettext_lazy("已开始办理。"),
    "appointment": gettext_lazy("预约时间已更新。"),
    "complete": gettext_lazy("已办结,等待居民评价。"),
    "ask-info": gettext_lazy("已请居民补充材料,居民会收到短信;补充前办理时限暂停计时。"),
    "continue-info": gettext_lazy("已不再等待补充材料,办理时限恢复计时。"),
    "close-no-info": gettext_lazy("已因未补充材料不予办理,居民可在进度页面看到原因。"),
}


def _merge(case, user, data):
    workflow.check_move(case, Action.MERGE, by=user)  # before anything is looked up for the form
    return merging.merge(case, by=user, into=_merge_target(user, data["into"]), note=data["note"])


def _merge_target(user, number: str):
    """The case a merge names, as this user may see it; a field error when there is none."""
    try:
        return access.case_for_staff(user, (number or "").strip())
    except CaseNotFound:
        raise ValidationError(
            {"into": [_("找不到编号为 %(number)s 的诉求。") % {"number": number[:32]}]}
        ) from None


def _merge_context(user, case) -> dict:
    """并单 on the case page: likely duplicates side by side (for those who may merge), the case it
    was merged into, the cases merged into it and its co-reporters."""
    duplicates = []
    if workflow.can(user, Action.MERGE, case):
        from triage import matching

        duplicates = matching.duplicates_of(case, min_score=matching.POSSIBLE)
    return {
        "duplicates": duplicates,
        "merged_into": merging.parent_of(case) if workflow.is_merged(case) else None,
        "merged_children": merging.merged_children(case),
        "co_reporters": list(case.co_reporters.all()),
        "further_ratings": list(case.reporter_ratings.all()),
        "may_merge": workflow.can(user, Action.MERGE, case),
    }


def _form_kwargs(form_class, case) -> dict:
    """Forms built for the case at hand (dispatch reads the responsibility list for it)."""
    return {"case": case} if getattr(form_class, "takes_case", False) else {}


# Forms that make sense only for some cases, whoever may make the move: a grid worker only for a
# community work station's case, a waiver only while a co-handler has not reported.
OFFERED = {
    "grid": lambda case: grid.is_station(case.department),
    "waive": lambda case: bool(cohandling.unsettled(case)),
}


# What each action form on the staff case page says: its heading, its button, and whether the
# button is the quiet (secondary) kind, for moves that send a case back or set it aside.
ACTION_TEXT: dict[str, tuple] = {
    "accept": (gettext_lazy("受理"), gettext_lazy("受理此诉求"), False),
    "reject": (gettext_lazy("不予受理"), gettext_lazy("不予受理"), True),
    "dispatch": (gettext_lazy("派单"), gettext_lazy("派单"), False),
    "locate": (gettext_lazy("确定社区"), gettext_lazy("保存社区和类型"), False),
    "answer": (gettext_lazy("知识库答复(咨询)"), gettext_lazy("答复并办结"), False),
    "classify": (gettext_lazy("类型和紧急程度"), gettext_lazy("保存性质和紧急程度"), False),
    "mark_unreasonable": (gettext_lazy("标记不合理诉求"), gettext_lazy("提交标记"), True),
    "sign_off": (gettext_lazy("确认不合理诉求"), gettext_lazy("确认,不计入部门考核"), False),
    "decline_sign_off": (gettext_lazy("不确认不合理诉求"), gettext_lazy("不确认"), True),
    "reassign": (gettext_lazy("改派"), gettext_lazy("改派给所选部门"), False),
    "dispute": (gettext_lazy("派单异议"), gettext_lazy("提出派单异议"), True),
    "rule": (gettext_lazy("异议裁定"), gettext_lazy("提交裁定"), False),
    "merge": (gettext_lazy("并单"), gettext_lazy("并入所填诉求"), True),
    "unmerge": (gettext_lazy("拆分"), gettext_lazy("拆分,恢复单独办理"), True),
    "contribute": (gettext_lazy("报告协办情况"), gettext_lazy("提交协办情况"), False),
    "waive": (gettext_lazy("免于协办报告"), gettext_lazy("免于报告"), False),
    "grid": (gettext_lazy("指派网格员"), gettext_lazy("指派"), False),
    "ask-info": (gettext_lazy("请居民补充材料"), gettext_lazy("发送补充请求"), False),
    "continue-info": (gettext_lazy("不再等待补充,继续办理"), gettext_lazy("继续办理"), False),
    "close-no-info": (gettext_lazy("未补充材料,不予办理"), gettext_lazy("不予办理"), True),
    "return": (gettext_lazy("退单"), gettext_lazy("退回受理员"), True),
    "start": (gettext_lazy("开始办理"), gettext_lazy("开始办理"), False),
    "appointment": (gettext_lazy("修改预约"), gettext_lazy("保存预约时间"), False),
    "complete": (gettext_lazy("办理完成"), gettext_lazy("提交办理结果"), False),
}


def _available_actions(user, case) -> list[str]:
    """The moves this user may make on this case now (asked of the workflow), in workflow order.
    The 不合理诉求 forms only when they can succeed: a mark when none is pending or signed off, a
    sign-off when one is pending and was made by someone else."""
    allowed = set(workflow.allowed_actions(user, case))
    if Action.CLOSE_NO_INFO in allowed and not moreinfo.may_close(moreinfo.pending(case)):
        allowed.discard(Action.CLOSE_NO_INFO)  # only once the time to answer has passed
    if allowed.intersection({Action.MARK_UNREASONABLE, Action.SIGN_OFF, Action.DECLINE_SIGN_OFF}):
        pending = fairness.pending_mark(case)
        if pending is not None or case.excluded_from_rates:
            allowed.discard(Action.MARK_UNREASONABLE)
        if pending is None or pending.marked_by_id == user.pk:
            allowed -= {Action.SIGN_OFF, Action.DECLINE_SIGN_OFF}
    return [
        slug
        for slug, (action, _form, _call) in STAFF_ACTIONS.items()
        if action in allowed and OFFERED.get(slug, lambda case: True)(case)
    ]


def _initial(request, case, slug: str) -> dict:
    """What a form starts with when a link asked for it (GET, no JavaScript needed): the answer of
    the knowledge-base entry picked for 答复 (`?answer_entry=<id>`), or a reply template's text
    filled from the case (`?template=<id>`); either stays editable before sending."""
    if request.method != "GET":
        return {}
    initial = {}
    if slug == "answer":
        entry = knowledge_selectors.entry_for(None, request.GET.get("answer_entry"))
        if entry is not None:
            initial = {"entry": entry.pk, "text": entry.answer}
    use = replies.USE_OF_SLUG.get(slug)
    if use and request.GET.get("template"):
        template = knowledge_selectors.template_for(
            request.GET["template"], use=use, category_id=case.category_id
        )
        if template is not None:
            initial[replies.FORM_FIELDS[use][1]] = replies.fill(template.text, case)
    return initial


def _templates(request, case, available) -> dict:
    """The reply templates each form offers: links that pre-fill its text (and, with JavaScript,
    fill it in place: web/static/web/templates.js)."""
    offered = {}
    for slug in available:
        use = replies.USE_OF_SLUG.get(slug)
        if not use:
            continue
        field = replies.FORM_FIELDS[use][1]
        offered[slug] = [
            {
                "template": template,
                "text": replies.fill(template.text, case),
                "target": f"id_{slug}-{field}",
            }
            for template in knowledge_selectors.templates_for(use, case.category_id)
        ]
    return offered


def _staff_case_context(request, case, *, bound: dict | None = None, problem: str = "") -> dict:
    """The case page shows the resident's name, phone and address: every rendering is logged."""
    access.record_view(request.user, case, "staff_case")
    available = _available_actions(request.user, case)
    action_forms = {}
    for slug in available:
        form_class = STAFF_ACTIONS[slug][1]
        action_forms[slug] = (bound or {}).get(slug) or form_class(
            prefix=slug, initial=_initial(request, case, slug), **_form_kwargs(form_class, case)
        )
    progress = selectors.public_progress(case)
    return {
        "case": case,
        "progress": progress,
        "timeline": _timeline(progress.all_events, private=True),
        "photos": case.attachments.filter(kind=Attachment.Kind.PHOTO, info_request__isnull=True),
        "info_requests": case.info_requests.select_related("asked_by", "answered_by").prefetch_related(
            "attachments"
        ),
        "resolutions": case.resolutions.prefetch_related("attachments"),
        "ratings": case.ratings.all(),
        "co_handlings": cohandling.co_handlings(case).prefetch_related("attachments"),
        "action_forms": action_forms,
        "action_text": ACTION_TEXT,
        "templates": _templates(request, case, available),
        "problem": problem,
        "now": timezone.now(),
        "masked_phone": mask_phone(case.phone),
        "mark": fairness.latest_mark(case),
        **_merge_context(request.user, case),
    }


@staff_required
@require_GET
def staff_case(request, number):
    case = access.case_for_staff(request.user, number)
    return render(request, "web/staff/case.html", _staff_case_context(request, case))


@staff_required
@require_POST
def staff_action(request, number, action):
    if action not in STAFF_ACTIONS:
        raise Http404
    case = access.case_for_staff(request.user, number)
    _action, form_class, call = STAFF_ACTIONS[action]
    form = form_class(request.POST, request.FILES, prefix=action, **_form_kwargs(form_class, case))
    problem, status = "", 400
    if form.is_valid():
        try:
            call(case, request.user, form.cleaned_data, _PrefixedFiles(request.FILES, action))
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
        except (InvalidMove, Conflict) as exc:
            problem, status = _("此诉求刚刚已被其他人更新,下面是最新进度。") + " " + exc.message, 409
            case = access.case_for_staff(request.user, number)
        else:
            messages.success(request, DONE_MESSAGES[action])
            return redirect(reverse("web:staff_case", args=[case.number]))
    context = _staff_case_context(
        request, case, bound={action: form} if status == 400 else None, problem=problem
    )
    return render(request, "web/staff/case.html", context, status=status)


class _PrefixedFiles:
    """request.FILES as the service sees it: the form's prefixed names without the prefix."""

    def __init__(self, files, prefix):
        self.files, self.prefix = files, prefix

    def getlist(self, name):
        return self.files.getlist(f"{self.prefix}-{name}")
