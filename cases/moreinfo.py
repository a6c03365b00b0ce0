"""补充材料: staff ask the resident for one more fact or a photo, and the answer comes back.

Intake, or a handler of the case's department, asks a question (optionally "a photo please"); the
case stays in its stage, shown as 待补充, and its time limit pauses (Case.paused_at). The resident
answers by replying to the SMS (notify.inbound), on the progress page with the phone's last four
digits, or at the help desk (a volunteer adds it); the clock runs again, the deadline later by the
time it waited (cases.deadlines.resumed_due_at), and the asking person's queue shows 已补充.

Without an answer, the worker reminds the resident once after MINSHENG_INFO_REMINDER_DAYS working
days and flags the request for the asking person after MINSHENG_INFO_DECIDE_DAYS, who then decides:
go on without it (CONTINUE_INFO, allowed any time: withdrawing the question) or close the case for
want of it with the reason (CLOSE_NO_INFO → rejected, only once flagged). Every step is an event.
Knows nothing of HTTP.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines, photos, roles, services, workflow
from .errors import Conflict, InvalidMove
from .models import Attachment, Case, InfoRequest
from .roles import Actor
from .services import stored_language
from .validation import MAX_DESCRIPTION, MAX_REASON, clean_text
from .workflow import Action

MAX_QUESTION = 500
# How much of the question an SMS carries (the rest is on the progress page).
MAX_QUESTION_IN_SMS = 120


def pending(case: Case) -> InfoRequest | None:
    """The question waiting for the resident's answer, if any."""
    if not workflow.is_waiting_for_info(case):
        return None
    return case.info_requests.filter(status=InfoRequest.Status.PENDING).first()


def latest(case: Case) -> InfoRequest | None:
    return case.info_requests.order_by("-asked_at", "-id").first()


def may_close(request: InfoRequest | None, now: datetime | None = None) -> bool:
    """Whether the time to answer has passed, so the asking person may close the case for want of it."""
    return (
        request is not None
        and request.status == InfoRequest.Status.PENDING
        and request.decide_at <= (now or timezone.now())
    )


def _fields(errors: dict, field: str, exc: ValidationError) -> None:
    errors.setdefault(field, []).extend(exc.messages)


def ask(case: Case, *, by: Actor, question: str, wants_photo: bool = False) -> InfoRequest:
    """Ask the resident `question`; the case waits (待补充) and the resident is told by SMS."""
    workflow.check_move(case, Action.ASK_INFO, by=by)
    try:
        question = clean_text(question, label=_("需要补充的内容"), max_length=MAX_QUESTION)
    except ValidationError as exc:
        raise ValidationError({"question": exc.messages}) from exc
    now = timezone.now()
    calendar = deadlines.WorkCalendar()
    remind_at = deadlines.add_working_days(now, settings.MINSHENG_INFO_REMINDER_DAYS, calendar)
    decide_at = deadlines.add_working_days(now, settings.MINSHENG_INFO_DECIDE_DAYS, calendar)
    with stored_language():
        note = _("请补充:%(question)s") % {"question": question}
        if wants_photo:
            note += _("(请上传照片)")
    requests: list[InfoRequest] = []
    try:
        with transaction.atomic():
            workflow.transition(
                case,
                Action.ASK_INFO,
                by=by,
                public_note=note,
                at=now,
                paused_at=now,
                record=lambda event: requests.append(
                    InfoRequest.objects.create(
                        case=case,
                        question=question,
                        wants_photo=wants_photo,
                        asked_by=workflow.account(by),
                        asked_at=now,
                        remind_at=remind_at,
                        decide_at=decide_at,
                    )
                ),
            )
    except IntegrityError as exc:
        case.paused_at = None
        raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。")) from exc
    return requests[0]


def answer(
    case: Case,
    *,
    text: str,
    photo_files=(),
    via: str,
    by: Actor = None,
    phone_last4: str | None = None,
    verified: bool = False,
    client: str | None = None,
) -> InfoRequest:
    """Record the resident's answer to the pending question and let the clock run again.

    `by`: the volunteer adding it at the desk; None for the resident (the phone's last four digits
    prove the case is theirs unless `verified`: an SMS from the case's phone, a signed-in resident).
    Text, photos or both; photos go through the upload pipeline (re-encoded, no GPS)."""
    by = services._user(by)
    as_public = by is None and via != InfoRequest.Via.SMS
    workflow.check_move(case, Action.GIVE_INFO, by=by, as_public=as_public)
    errors: dict[str, list[str]] = {}
    try:
        text = clean_text(text, label=_("补充内容"), max_length=MAX_DESCRIPTION, required=False)
    except ValidationError as exc:
        _fields(errors, "text", exc)
        text = ""
    uploads = [f for f in photo_files if f]
    processed = []
    if uploads:
        try:
            processed = photos.process_photos(uploads, field_label=_("补充照片"))
        except ValidationError as exc:
            _fields(errors, "photos", exc)
    if not errors and not text and not processed:
        errors["text"] = [_("请填写需要补充的内容,或上传照片。")]
    if as_public and not verified and not errors:
        services.check_phone_digits(case, phone_last4 or "", client=client)
    if errors:
        raise ValidationError(errors)
    request = pending(case)
    if request is None:
        raise InvalidMove(_("此诉求目前没有等待居民补充的材料。"))
    now = timezone.now()
    due_at = deadlines.resumed_due_at(case, now)
    with stored_language():
        if by is not None:
            note = _("代办岗志愿者%(name)s已代居民补充材料") % {"name": roles.display_name(by)}
        elif via == InfoRequest.Via.SMS:
            note = _("居民已通过短信补充材料")
        else:
            note = _("居民已补充材料")
        resident = _("居民")
    stored: list[str] = []
    saved = (case.paused_at, case.due_at)

    def record(event):
        done = InfoRequest.objects.filter(pk=request.pk, status=InfoRequest.Status.PENDING).update(
            status=InfoRequest.Status.ANSWERED,
            answered_at=now,
            answer=text,
            answered_via=via,
            answered_by=by,
        )
        if done != 1:
            raise Conflict(_("这次补充已经收到了,无需重复提交。"))
        stored.extend(
            services.attach_photos(case, Attachment.Kind.PHOTO, processed, info_request=request, now=now)
        )

    try:
        with services._unchanged_on_failure(case), transaction.atomic():
            workflow.transition(
                case,
                Action.GIVE_INFO,
                by=by,
                as_public=as_public,
                actor_name="" if by is not None else resident,
                public_note=note,
                # The resident's own words are personal: staff read them, the public does not.
                private_note=text,
                at=now,
                record=record,
                paused_at=None,
                due_at=due_at,
            )
    except BaseException:
        case.paused_at, case.due_at = saved
        photos.delete_stored(stored)
        raise
    request.refresh_from_db()
    return request


def continue_without(case: Case, *, by: Actor, note: str = "") -> InfoRequest:
    """The asking person goes on without the answer: the question is withdrawn, the clock runs again."""
    workflow.check_move(case, Action.CONTINUE_INFO, by=by)
    try:
        note = clean_text(note, label=_("处理意见"), max_length=MAX_REASON, required=False)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages}) from exc
    request = pending(case)
    if request is None:
        raise InvalidMove(_("此诉求目前没有等待居民补充的材料。"))
    now = timezone.now()
    with stored_language():
        public = _("不再等待补充材料,继续办理")
    _decide(
        case,
        request,
        Action.CONTINUE_INFO,
        InfoRequest.Status.CONTINUED,
        by=by,
        note=note,
        now=now,
        public=public,
        changes={"paused_at": None, "due_at": deadlines.resumed_due_at(case, now)},
    )
    return request


def close_without(case: Case, *, by: Actor, reason: str) -> InfoRequest:
    """Once the time to answer has passed: close the case (不予办理) for want of the answer."""
    workflow.check_move(case, Action.CLOSE_NO_INFO, by=by)
    try:
        reason = clean_text(reason, label=_("原因"), max_length=MAX_REASON)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
    request = pending(case)
    if request is None:
        raise InvalidMove(_("此诉求目前没有等待居民补充的材料。"))
    now = timezone.now()
    if not may_close(request, now):
        raise InvalidMove(
            _("居民补充材料的期限(%(days)d个工作日)还没到,暂不能因未补充而不予办理。")
            % {"days": settings.MINSHENG_INFO_DECIDE_DAYS}
        )
    with stored_language():
        public = _("居民未在期限内补充材料,不予办理:%(reason)s") % {"reason": reason}
    _decide(
        case,
        request,
        Action.CLOSE_NO_INFO,
        InfoRequest.Status.CLOSED,
        by=by,
        note=reason,
        now=now,
        public=public,
        changes={"paused_at": None},
    )
    return request


def _decide(case, request, action, status, *, by, note, now, public, changes) -> None:
    def record(event):
        done = InfoRequest.objects.filter(pk=request.pk, status=InfoRequest.Status.PENDING).update(
            status=status, decided_at=now, decided_by=workflow.account(by), decision_note=note
        )
        if done != 1:
            raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))

    saved = (case.paused_at, case.due_at)
    try:
        with services._unchanged_on_failure(case), transaction.atomic():
            workflow.transition(
                case, action, by=by, public_note=public, private_note=note, at=now, record=record, **changes
            )
    except BaseException:
        case.paused_at, case.due_at = saved
        raise
    request.status, request.decided_at, request.decision_note = status, now, note


# --- The worker's side --------------------------------------------------------------------------


def remind_and_flag(*, now: datetime | None = None) -> dict[str, int]:
    """Remind the resident once when the reminder time has come, and flag the request for the
    asking person when the time to answer has passed; each step a staff-only event."""
    now = now or timezone.now()
    done = {"info_reminded": 0, "info_flagged": 0}
    with stored_language():
        system = _("系统")
    due = InfoRequest.objects.filter(
        status=InfoRequest.Status.PENDING, reminded_at__isnull=True, remind_at__lte=now
    )
    for request in due.select_related("case"):
        with stored_language():
            note = _("已短信提醒居民补充材料")
        if _step(request, now, note, system, reminded_at=now):
            done["info_reminded"] += 1
    flag = InfoRequest.objects.filter(
        status=InfoRequest.Status.PENDING, flagged_at__isnull=True, decide_at__lte=now
    )
    for request in flag.select_related("case"):
        with stored_language():
            note = _("居民超过%(days)d个工作日未补充材料,请决定继续办理或不予办理") % {
                "days": settings.MINSHENG_INFO_DECIDE_DAYS
            }
        if _step(request, now, note, system, flagged_at=now, reminded_at=request.reminded_at or now):
            done["info_flagged"] += 1
    return done


def _step(request: InfoRequest, now: datetime, note: str, system: str, **marks) -> bool:
    case = Case.objects.select_related("category", "department", "desk").get(pk=request.case_id)
    field = "flagged_at" if "flagged_at" in marks else "reminded_at"
    try:
        with transaction.atomic():

            def record(event):
                done = InfoRequest.objects.filter(
                    pk=request.pk, status=InfoRequest.Status.PENDING, **{f"{field}__isnull": True}
                ).update(**marks)
                if done != 1:
                    raise Conflict("already done")

            workflow.transition(
                case,
                Action.REMIND_INFO,
                by=None,
                actor_name=system,
                private_note=note,
                is_public=False,
                at=now,
                record=record,
            )
    except (InvalidMove, Conflict):
        return False  # answered or decided meanwhile, or another worker did it
    return True


def answered_since_last_move(asked_by=None):
    """For annotate(): the resident's answer is the case's latest change (已补充, in the queue);
    with `asked_by`, only an answer to a question that user asked."""
    answered = InfoRequest.objects.filter(
        case=OuterRef("pk"), status=InfoRequest.Status.ANSWERED, answered_at__gte=OuterRef("updated_at")
    )
    if asked_by is not None:
        answered = answered.filter(asked_by=asked_by)
    return Exists(answered)


def flagged():
    """For annotate(): the time to answer has passed without one (待决定, in the queue)."""
    return Exists(
        InfoRequest.objects.filter(
            case=OuterRef("pk"), status=InfoRequest.Status.PENDING, flagged_at__isnull=False
        )
    )
