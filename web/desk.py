"""Help-desk pages (数字化代办岗): a volunteer submits for a resident, prints a receipt, looks up a
resident's cases, records an appointment and follows up after completion. Intake officers use the
same form for phone calls and visits. Thin views over cases.helpdesk and cases.services."""

from functools import wraps

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import access, helpdesk, idempotency, merging, moreinfo, selectors, services, submission, workflow
from cases.errors import CaseNotFound, Conflict, InvalidMove, KeyReused, NotAllowed
from cases.models import InfoRequest, Rating
from cases.validation import mask_name, mask_phone
from cases.workflow import Action
from knowledge import services as knowledge_services
from triage import suggest

from . import desk_forms, idempotent, same_problem
from .errors import error_page
from .forms import GiveInfoForm, add_service_errors
from .knowledge_forms import AnswerForm
from .views import _initial, _templates, _timeline, staff_required


def desk_required(view):
    """Volunteers and intake officers: the people who register cases for residents."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not helpdesk.may_register(request.user):
            return error_page(
                request,
                403,
                _("代办岗页面供志愿者和受理员使用。如需开通,请联系街道管理员。"),
                title=_("没有权限"),
            )
        return view(request, *args, **kwargs)

    return wrapper


def _case(request, number, via: str):
    """A case the user may open; every desk page and action on it is logged (personal data)."""
    case = access.case_for_staff(request.user, number)
    access.record_view(request.user, case, via)
    return case


def _masked(cases):
    """Lists show who a case is for only as 张** and 138****1234; the full data is on the case page."""
    for case in cases:
        case.masked_name = mask_name(case.name)
        case.masked_phone = mask_phone(case.phone)
    return cases


def _contact(case) -> str:
    """The number to call about the case: the resident's, else the desk's."""
    if case.phone:
        return case.phone
    return case.desk.phone if case.desk_id else ""


@desk_required
@require_GET
def home(request):
    work = helpdesk.desk_work(request.user)
    _masked(work.today + work.open + work.follow_up)
    return render(
        request,
        "web/desk/home.html",
        {"work": work, "lookup_form": desk_forms.LookupForm(), "now": timezone.now()},
    )


@desk_required
@require_http_methods(["GET", "POST"])
def submit(request):
    if request.method == "GET":
        form = desk_forms.OnBehalfForm(user=request.user)
        return render(request, "web/desk/submit.html", {"form": form})
    form = desk_forms.OnBehalfForm(request.POST, request.FILES, user=request.user)
    status = 400
    # The suggested categories for what the resident said (triage.suggest); one is pre-selected
    # only when the suggestion is CONFIDENT and the volunteer has not chosen one.
    suggestions = _suggestions(request.POST.get("description", ""))
    preselected = suggest.preselect(suggestions)
    if preselected is not None and not request.POST.get("category"):
        data = request.POST.copy()
        data["category"] = str(preselected.pk)
        form = desk_forms.OnBehalfForm(data, request.FILES, user=request.user)
        form.is_valid()
        context = {
            "form": form,
            "suggestions": suggestions,
            "preselected": preselected,
            "photos_dropped": bool(request.FILES.getlist("photos")),
        }
        return render(request, "web/desk/submit.html", context, status=400)
    if form.is_valid():
        data = form.cleaned_data
        key = idempotent.posted_key(request)
        scope = f"web:user:{request.user.pk}"
        replay = key is not None and idempotency.case_for_key(scope, key) is not None
        if not (request.POST.get(same_problem.NOT_SAME) or replay):
            # 这是同一件事? The same offer as the resident's own form (web.same_problem).
            matched = same_problem.matches(
                description=data["description"],
                community=data["community"],
                address=data["address"],
                phone=data["phone"],
                category=data["category"],
            )
            number = request.POST.get(same_problem.FOLLOW, "")
            if number:
                return _follow(request, form, same_problem.chosen(matched, number), data, suggestions)
            if matched:
                context = {
                    "form": form,
                    "offers": same_problem.offers_for(matched),
                    "suggestions": suggestions,
                    "photos_dropped": bool(request.FILES.getlist("photos")),
                }
                return render(request, "web/desk/submit.html", context)
        try:
            case, replayed = submission.submit(
                key=idempotent.claim(request, scope),
                by=request.user,
                channel=data["channel"],
                desk=data.get("desk") or form.desk,
                consent=bool(data.get("consent")),
                category=data["category"],
                community=data["community"],
                address=data["address"],
                description=data["description"],
                name=data["name"],
                phone=data["phone"],
                age_band=data["age_band"] or "",
                photo_files=request.FILES.getlist("photos"),
                voice_file=request.FILES.get("voice"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except KeyReused as exc:
            form = desk_forms.OnBehalfForm(idempotent.fresh_data(request), request.FILES, user=request.user)
            form.is_valid()
            form.add_error(None, idempotent.reused_message(exc))
            status = 422
        else:
            if not replayed:  # the first request already said so; its page may still be loading
                messages.success(
                    request, _("诉求已提交,编号 %(number)s。请打印回执交给居民。") % {"number": case.number}
                )
            return redirect("web:receipt", number=case.number)
    context = {
        "form": form,
        "suggestions": suggestions,
        "photos_dropped": bool(request.FILES.getlist("photos")),
    }
    return render(request, "web/desk/submit.html", context, status=status)


def _suggestions(description: str) -> list:
    try:
        return suggest.suggest_categories(description or "")
    except ValueError:
        return []


def _follow(request, form, case, data, suggestions):
    """The resident at the desk says it is the same problem: they become a co-reporter."""
    context = {"form": form, "suggestions": suggestions}
    if case is None:
        form.add_error(None, _("找不到可以关注的诉求,请核对后重新提交。"))
        return render(request, "web/desk/submit.html", context, status=400)
    if not data.get("consent"):
        form.add_error("consent", _("请确认居民本人同意由志愿者代为提交诉求。"))
        return render(request, "web/desk/submit.html", context, status=400)
    try:
        merging.follow(case, phone=data["phone"], name=data.get("name", ""), by=request.user)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return render(request, "web/desk/submit.html", context, status=400)
    messages.success(
        request,
        _("已登记为诉求 %(number)s 的共同反映人,办理进度会发短信给居民。") % {"number": case.number},
    )
    return redirect("web:following", number=merging.parent_of(case).number)


def _qr_svg(case) -> str:
    url = f"{settings.SITE_URL}/cases/{case.number}"
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=4, border=2, omitsize=True, svgclass="receipt__qr-code", title=url
    )


@staff_required
@require_GET
def receipt(request, number):
    case = _case(request, number, "receipt")
    return render(
        request,
        "web/desk/receipt.html",
        {
            "case": case,
            "qr": _qr_svg(case),
            "progress_url": f"{settings.SITE_URL}/cases/{case.number}",
            "next_step": helpdesk.next_step(case),
            "contact_phone": case.desk.phone if case.desk_id else "",
            "plain": selectors.plain_progress(selectors.public_progress(case)),
        },
    )


def _qr(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_inline(
        scale=6, border=2, omitsize=True, svgclass="poster__qr-code", title=url
    )


def _poster_context(**extra) -> dict:
    elder_url = f"{settings.SITE_URL}/elder/?mode=elder"
    lookup_url = f"{settings.SITE_URL}/cases/lookup"
    return {
        "elder_url": elder_url,
        "lookup_url": lookup_url,
        "elder_qr": _qr(elder_url),
        "lookup_qr": _qr(lookup_url),
        **extra,
    }


@desk_required
@require_GET
def poster(request):
    """Printable A4 posters: one per desk of the volunteer (the five steps, hours, phone, QR codes),
    then one per community for its notice board (the elder-mode QR code)."""
    desks = list(helpdesk.desks_of(request.user))
    communities = {d.community_id: d.community for d in desks}
    return render(
        request,
        "web/desk/poster.html",
        _poster_context(
            desks=desks,
            boards=helpdesk.notice_boards(communities.values()),
            all_communities=helpdesk.poster_communities(),
        ),
    )


@desk_required
@require_GET
def poster_community(request, code: str):
    """One community's notice-board poster (A4): any active community, for volunteers and intake."""
    community = helpdesk.poster_communities().filter(code=code).first()
    if community is None:
        return error_page(
            request, 404, _("没有这个社区,请从海报页面的社区列表里选择。"), title=_("找不到社区")
        )
    return render(
        request, "web/desk/poster_community.html", _poster_context(boards=helpdesk.notice_boards([community]))
    )


@desk_required
@require_http_methods(["GET", "POST"])
def lookup(request):
    """By case number (GET, goes to the case) or by the resident's full phone (POST: not in URLs)."""
    context: dict = {"lookup_form": desk_forms.LookupForm(), "number": "", "number_error": ""}
    if request.method == "GET":
        number = (request.GET.get("number") or "").strip()
        if "number" not in request.GET:
            return render(request, "web/desk/lookup.html", context)
        context["number"] = number[:32]
        if not number:
            context["number_error"] = _("请输入诉求编号,例如 20240510-0012。")
        else:
            try:
                case = access.case_for_staff(request.user, number)
            except CaseNotFound as exc:
                context["number_error"] = (
                    exc.message + " " + _("其他代办岗或居民自己提交的诉求,请按居民的完整电话号码查询。")
                )
            else:
                return redirect("web:desk_case", number=case.number)
        return render(request, "web/desk/lookup.html", context, status=404)
    form = desk_forms.LookupForm(request.POST)
    context["lookup_form"] = form
    if form.is_valid():
        try:
            cases = helpdesk.cases_for_phone(request.user, form.cleaned_data["phone"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            context["results"] = [
                {"case": case, "plain": selectors.plain_progress(selectors.public_progress(case))}
                for case in cases
            ]
            context["searched"] = True
            return render(request, "web/desk/lookup.html", context)
    return render(request, "web/desk/lookup.html", context, status=400)


def _case_context(
    request,
    case,
    *,
    appointment_form=None,
    follow_up_form=None,
    answer_form=None,
    info_form=None,
    problem="",
) -> dict:
    progress = selectors.public_progress(case)
    if answer_form is None and workflow.can(request.user, Action.ANSWER, case):
        answer_form = AnswerForm(prefix="answer", case=case, initial=_initial(request, case, "answer"))
    can_give_info = workflow.can(request.user, Action.GIVE_INFO, case)
    can_appoint = workflow.can(request.user, Action.APPOINT, case)
    can_follow_up = workflow.can(request.user, Action.FOLLOW_UP, case)
    return {
        "case": case,
        "progress": progress,
        "plain": selectors.plain_progress(progress),
        "timeline": _timeline(progress.all_events, private=True),
        "contact": _contact(case),
        "appointment_form": (appointment_form or desk_forms.AppointmentForm()) if can_appoint else None,
        "follow_up_form": (follow_up_form or desk_forms.FollowUpForm()) if can_follow_up else None,
        "info_request": progress.info_request,
        "info_form": (info_form or GiveInfoForm()) if can_give_info else None,
        "follow_ups": case.follow_ups.select_related("by", "rating").order_by("at", "id"),
        "ratings": case.ratings.select_related("recorded_by"),
        "answer_form": answer_form,
        "answer_templates": _templates(request, case, ["answer"]).get("answer") if answer_form else None,
        "problem": problem,
        "Via": Rating.Via,
    }


@desk_required
@require_GET
def case_page(request, number):
    case = _case(request, number, "desk_case")
    return render(request, "web/desk/case.html", _case_context(request, case))


def _refusal(request, number, exc):
    if isinstance(exc, NotAllowed):
        return error_page(request, 403, exc.message, title=_("没有权限"))
    case = access.case_for_staff(request.user, number)
    return render(
        request, "web/desk/case.html", _case_context(request, case, problem=exc.message), status=409
    )


@desk_required
@require_POST
def answer(request, number):
    """答复 a question (咨询) of the desk's from the knowledge base: closed, no dispatch."""
    case = _case(request, number, "desk_case")
    form = AnswerForm(request.POST, prefix="answer", case=case)
    if form.is_valid():
        try:
            knowledge_services.answer_case(
                case,
                by=request.user,
                entry=form.cleaned_data["entry"],
                text=form.cleaned_data["text"] or None,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (NotAllowed, InvalidMove, Conflict) as exc:
            return _refusal(request, number, exc)
        else:
            messages.success(request, _("已答复并办结,居民会收到短信。"))
            return redirect("web:desk_case", number=case.number)
    return render(request, "web/desk/case.html", _case_context(request, case, answer_form=form), status=400)


@desk_required
@require_POST
def appointment(request, number):
    case = _case(request, number, "desk_appointment")
    form = desk_forms.AppointmentForm(request.POST)
    if form.is_valid():
        try:
            services.set_appointment(
                case, by=request.user, appointment_at=form.cleaned_data["appointment_at"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (NotAllowed, InvalidMove, Conflict) as exc:
            return _refusal(request, number, exc)
        else:
            messages.success(request, _("预约时间已记录,居民在进度页面可以看到。"))
            return redirect("web:desk_case", number=case.number)
    return render(
        request, "web/desk/case.html", _case_context(request, case, appointment_form=form), status=400
    )


@desk_required
@require_GET
def follow_ups(request):
    return render(
        request,
        "web/desk/follow_ups.html",
        {"cases": _masked(list(helpdesk.follow_up_list(request.user)[:200]))},
    )


@desk_required
@require_POST
def follow_up(request, number):
    case = _case(request, number, "desk_follow_up")
    form = desk_forms.FollowUpForm(request.POST)
    if form.is_valid():
        try:
            call = helpdesk.record_follow_up(case, by=request.user, **form.cleaned_call())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (NotAllowed, InvalidMove, Conflict) as exc:
            return _refusal(request, number, exc)
        else:
            if call.rating is not None:
                messages.success(
                    request,
                    _("回访已记录,居民评价:%(score)s。") % {"score": call.rating.get_score_display()},
                )
            elif not call.reached:
                messages.info(request, _("回访已记录:没有联系上,此诉求仍在回访名单中。"))
            else:
                messages.success(request, _("回访已记录。"))
            return redirect("web:desk_follow_ups")
    return render(
        request, "web/desk/case.html", _case_context(request, case, follow_up_form=form), status=400
    )


@desk_required
@require_POST
def give_info(request, number):
    """补充材料 at the desk: the volunteer adds what the resident says (and photos they brought)."""
    case = access.case_for_staff(request.user, number)
    if not workflow.may(request.user, Action.GIVE_INFO, case):
        # Refused before the case's personal data is opened (and logged as opened).
        return error_page(request, 403, _("只有代办岗志愿者可以代居民补充材料。"), title=_("没有权限"))
    access.record_view(request.user, case, "desk_give_info")
    form = GiveInfoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            moreinfo.answer(
                case,
                text=form.cleaned_data["text"],
                photo_files=form.cleaned_data["photos"],
                via=InfoRequest.Via.DESK,
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except (NotAllowed, InvalidMove, Conflict) as exc:
            return _refusal(request, number, exc)
        else:
            messages.success(request, _("补充材料已记录,已转给提出问题的工作人员。"))
            return redirect("web:desk_case", number=case.number)
    return render(request, "web/desk/case.html", _case_context(request, case, info_form=form), status=400)
