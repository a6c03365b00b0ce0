"""Writing the outbox: which changes a resident hears about, in what words, at which number.

`on_case_event` is registered with cases.hooks, so its rows are written inside the transaction
of the change itself: a change that commits always has its message queued, a change that rolls
back never sends one. The worker (notify.sender) sends them afterwards.
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases import merging, roles
from cases.models import Case, CaseEvent, Priority
from cases.validation import mask_phone, normalize_phone
from cases.workflow import Action

from . import wake
from .models import Channel, Message

MAX_REASON_IN_SMS = 60


def mask(recipient: str) -> str:
    """A recipient as it may appear in logs: 138****1234, or z***@example.org."""
    if "@" in recipient:
        name, _sep, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return mask_phone(recipient)


def mobile(raw: str) -> str:
    """The number as an SMS recipient, or '' for a landline, nothing, or something unreadable."""
    try:
        phone = normalize_phone(raw or "")
    except ValidationError:
        return ""
    return phone if len(phone) == 11 and phone.startswith("1") else ""


def progress_url(case: Case) -> str:
    return settings.SITE_URL + reverse("web:progress", args=[case.number])


def staff_url(case: Case) -> str:
    return settings.SITE_URL + reverse("web:staff_case", args=[case.number])


def _local(dt: datetime) -> str:
    return date_format(timezone.localtime(dt, timezone.get_default_timezone()), "Y-m-d H:i")


def _prefix() -> str:
    return "【%s】" % _(settings.MINSHENG_SUBDISTRICT_NAME)


def queue(
    *,
    key: str,
    channel: str,
    recipient: str,
    text: str,
    case: Case | None = None,
    event: CaseEvent | None = None,
    subject: str = "",
    sensitive: bool = False,
    now: datetime | None = None,
) -> Message:
    """Add a message to the outbox, once: the same key, channel and recipient is never queued twice."""
    now = now or timezone.now()
    message, _created = Message.objects.get_or_create(
        key=key,
        channel=channel,
        recipient=recipient,
        defaults={
            "case": case,
            "event": event,
            "subject": subject,
            "text": text,
            "sensitive": sensitive,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    if _created:
        # After commit: a worker woken earlier would not find the row yet.
        transaction.on_commit(wake.nudge)
    return message


# The moves a resident is sent a message about (resident_text() has a text for each).
_TOLD = frozenset(
    {
        Action.ACCEPT,
        Action.REJECT,
        Action.DISPATCH,
        Action.START,
        Action.APPOINT,
        Action.COMPLETE,
        Action.REOPEN,
        Action.EXTEND,
        Action.ANSWER,
        Action.ASK_INFO,
        Action.CLOSE_NO_INFO,
    }
)
# An answer from the knowledge base is cut here in the SMS; the progress page has all of it.
MAX_ANSWER_IN_SMS = 300


def resident_text(event: CaseEvent, *, about: Case | None = None) -> str:
    """The SMS a resident gets for `event`, or '' when the event is not one they are told about.

    `about`: the case whose number and progress page the text names, when not the event's own: a
    merged case's reporter hears of the parent's progress under their own number (cases.merging)."""
    action = event.action
    if action not in _TOLD:
        # A submission above all: the resident has the receipt already. Decided before building
        # the texts' values (a URL, a translation), since this runs inside the write transaction.
        return ""
    case = event.case
    named = about or case
    values = {
        "prefix": _prefix(),
        "number": named.number,
        "url": progress_url(named),
        "department": case.department.name if case.department is not None else "",
    }
    if action == Action.ACCEPT:
        return (
            _("%(prefix)s您的诉求已受理,编号%(number)s。办理进度:%(url)s(回复“查询”看进度,回复TD退订)")
            % values
        )
    if action == Action.REJECT:
        reason = event.public_note
        if len(reason) > MAX_REASON_IN_SMS:
            reason = reason[: MAX_REASON_IN_SMS - 1] + "…"
        return _("%(prefix)s您的诉求%(number)s不予受理,原因:%(reason)s。详情:%(url)s") % {
            **values,
            "reason": reason,
        }
    if action == Action.DISPATCH:
        return _("%(prefix)s您的诉求%(number)s已派给%(department)s办理。办理进度:%(url)s") % values
    if action in (Action.START, Action.APPOINT) and event.appointment_at:
        return _("%(prefix)s您的诉求%(number)s:%(department)s预约%(at)s上门办理。办理进度:%(url)s") % {
            **values,
            "at": _local(event.appointment_at),
        }
    if action == Action.COMPLETE:
        # A feature phone opens no links: the reply digits are the way to rate (notify.inbound).
        return (
            _(
                "%(prefix)s您的诉求%(number)s已办理完成。请回复数字评价:1满意,2基本满意,3不满意(将重新办理)。"
                "查看结果:%(url)s"
            )
            % values
        )
    if action == Action.REOPEN:
        return _("%(prefix)s您的诉求%(number)s将重新办理,请留意办理进度:%(url)s") % values
    if action == Action.ANSWER:
        answer = event.public_note
        if len(answer) > MAX_ANSWER_IN_SMS:
            answer = answer[: MAX_ANSWER_IN_SMS - 1] + "…"
        return _("%(prefix)s您的咨询%(number)s已答复:%(answer)s 详情:%(url)s") % {**values, "answer": answer}
    if action == Action.ASK_INFO:
        return _info_text(case, reminder=False)
    if action == Action.CLOSE_NO_INFO:
        return _("%(prefix)s您的诉求%(number)s因未在期限内补充材料,不予办理。详情:%(url)s") % values
    if action == Action.EXTEND and case.due_at:
        return _("%(prefix)s您的诉求%(number)s办理时限已延期至%(at)s。办理进度:%(url)s") % {
            **values,
            "at": _local(case.due_at),
        }
    return ""


def _info_text(case: Case, *, reminder: bool) -> str:
    """The request for more (补充材料): the question, and how to answer from any phone."""
    from cases import moreinfo

    request = moreinfo.pending(case)
    if request is None:
        return ""
    question = request.question
    if len(question) > moreinfo.MAX_QUESTION_IN_SMS:
        question = question[: moreinfo.MAX_QUESTION_IN_SMS - 1] + "…"
    values = {"prefix": _prefix(), "number": case.number, "question": question, "url": progress_url(case)}
    if reminder:
        text = _("%(prefix)s提醒:您的诉求%(number)s还需要您补充:%(question)s。") % values
    else:
        text = _("%(prefix)s您的诉求%(number)s需要您补充:%(question)s。") % values
    if request.wants_photo:
        text += _("请直接回复本短信说明,照片请在进度页面上传(%(url)s),或到社区代办岗补充。") % values
    else:
        text += _("请直接回复本短信说明,或在进度页面(%(url)s)、社区代办岗补充。") % values
    return text


def _queue_info_reminder(event: CaseEvent) -> None:
    """The worker's one reminder (REMIND_INFO, staff-only): to the resident, not when it is the flag
    for the asking person."""
    from cases.models import InfoRequest

    case = event.case
    request = case.info_requests.filter(status=InfoRequest.Status.PENDING).first()
    if request is None or request.reminded_at != event.at or request.flagged_at is not None:
        return
    number = resident_sms_number(case)
    text = _info_text(case, reminder=True)
    if number and text and not case.sms_opt_out:
        queue(
            key=f"event:{event.pk}", channel=Channel.SMS, recipient=number, text=text, case=case, event=event
        )


def resident_sms_number(case: Case) -> str:
    """The resident's mobile number; for a help-desk case without one, the desk's (if a mobile)."""
    number = mobile(case.phone)
    if not number and case.desk is not None:
        number = mobile(case.desk.phone)
    return number


def on_case_event(event: CaseEvent) -> None:
    """Queue the messages `event` calls for (inside the event's transaction)."""
    case = event.case
    with translation.override(settings.LANGUAGE_CODE):
        if event.action == Action.ESCALATE:
            _queue_escalation(event)
            return
        if event.action == Action.REMIND_INFO:
            _queue_info_reminder(event)
            return
        if case.priority == Priority.URGENT and event.action in _URGENT_TOLD:
            _queue_urgent(event)
        if not event.is_public:
            return
        text = resident_text(event)
        if not text:
            return
        key = f"event:{event.pk}"
        number = resident_sms_number(case)
        if number and not case.sms_opt_out:
            queue(key=key, channel=Channel.SMS, recipient=number, text=text, case=case, event=event)
        if case.email:
            subject = _("%(prefix)s诉求%(number)s办理进度") % {"prefix": _prefix(), "number": case.number}
            queue(
                key=key,
                channel=Channel.EMAIL,
                recipient=case.email,
                subject=subject,
                text=text,
                case=case,
                event=event,
            )
        _queue_other_reporters(event, key=key, skip={number} if number and not case.sms_opt_out else set())


def _queue_other_reporters(event: CaseEvent, *, key: str, skip: set[str]) -> None:
    """The same news for everyone else who reported the problem (cases.merging): co-reporters and
    the reporters of the cases merged into this one, each under the number they know, once per phone."""
    case = event.case
    told = set(skip)
    for recipient in merging.recipients(case):
        number = mobile(recipient.phone)
        if not number or number in told:
            continue
        told.add(number)
        text = resident_text(event, about=recipient.case)
        if text:
            # The case is the parent: a reply (1满意 …) rates the case that carries the work.
            queue(key=key, channel=Channel.SMS, recipient=number, text=text, case=case, event=event)


def _queue_escalation(event: CaseEvent) -> None:
    """督办 reaches the responsible department's phone; the resident is not told (staff-only)."""
    case = event.case
    number = mobile(case.department.phone) if case.department is not None else ""
    if not number:
        return
    text = _("%(prefix)s督办:诉求%(number)s(%(category)s)已超过办理时限,请尽快办理。%(url)s") % {
        "prefix": _prefix(),
        "number": case.number,
        "category": case.category.name,
        "url": staff_url(case),
    }
    queue(key=f"event:{event.pk}", channel=Channel.SMS, recipient=number, text=text, case=case, event=event)


# The moves after which the department that has an 应急 case is told at once: it was handed the case,
# or the case it has became 应急.
_URGENT_TOLD = frozenset({Action.DISPATCH, Action.REASSIGN, Action.RULE, Action.CLASSIFY})


def _queue_urgent(event: CaseEvent) -> None:
    """应急: the department that has the case hears of it at once: an SMS to its phone (when a
    mobile) and an e-mail to each of its active handlers who has an address. Once per department
    (the outbox key), however often the case is reclassified."""
    case = event.case
    department = case.department
    if department is None:
        return
    text = _(
        "%(prefix)s应急诉求%(number)s(%(category)s,%(community)s)已派给%(department)s,请立即处理。%(url)s"
    ) % {
        "prefix": _prefix(),
        "number": case.number,
        "category": case.category.name,
        "community": case.community.name,
        "department": department.name,
        "url": staff_url(case),
    }
    key = f"urgent:{case.pk}:{department.pk}"
    number = mobile(department.phone)
    if number:
        queue(key=key, channel=Channel.SMS, recipient=number, text=text, case=case, event=event)
    handlers = (
        User.objects.filter(
            is_active=True, groups__name=roles.HANDLER, staff_profile__department_id=department.pk
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    subject = _("%(prefix)s应急诉求%(number)s") % {"prefix": _prefix(), "number": case.number}
    for email in handlers:
        queue(
            key=key,
            channel=Channel.EMAIL,
            recipient=email,
            subject=subject,
            text=text,
            case=case,
            event=event,
        )


def queue_reminder(case: Case, *, now: datetime | None = None) -> Message | None:
    """Remind the responsible department that `case` is due soon; once per deadline."""
    number = mobile(case.department.phone) if case.department is not None else ""
    if not number or case.due_at is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(prefix)s提醒:诉求%(number)s(%(category)s)将于%(due)s到期,请按时办结。%(url)s") % {
            "prefix": _prefix(),
            "number": case.number,
            "category": case.category.name,
            "due": _local(case.due_at),
            "url": staff_url(case),
        }
    return queue(
        key=f"remind:{case.pk}:{int(case.due_at.timestamp())}",
        channel=Channel.SMS,
        recipient=number,
        text=text,
        case=case,
        now=now,
    )


def queue_sign_in_code(*, phone: str, code: str, key: str, minutes: int) -> Message:
    """A resident's one-time sign-in code (the text is blanked once sent)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("%(prefix)s您的登录验证码是%(code)s,%(minutes)d分钟内有效。如非本人操作,请忽略。") % {
            "prefix": _prefix(),
            "code": code,
            "minutes": minutes,
        }
    return queue(key=key, channel=Channel.SMS, recipient=phone, text=text, sensitive=True)
