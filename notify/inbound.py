"""Inbound SMS: checking a gateway's delivery, recording it, and what a resident's text does.

The webhook (api.sms) checks the signature (`verify`), then `record`s the message: one row per
gateway message id, so a redelivery changes nothing. The worker (`process_due`, run by run_worker)
claims each row with a compare-and-swap, acts on it and queues the answer in one transaction with
marking it done; a failure rolls all of that back and the row is retried with back-off.

What a text does (`interpret`), in the words the outgoing messages teach (docs/sms.md):

- `1` / `2` / `3`: rates the latest completion the phone was told of (满意 / 基本满意 / 不满意, which
  reopens), once; a second rating, or a reply to a message sent to another phone, is not counted and
  the sender is told so politely; a reply to a message we do not know is a new message;
- a case number, or `查询`: that case's (or the phone's latest case's) progress in one SMS, only for
  the phone the case belongs to;
- `退订` or `TD`: no more messages about the phone's cases;
- a reply to a request for more (补充材料), or any other text while a question waits on one of the
  phone's cases: the answer to it (cases.moreinfo); a reply to it from another phone, or after it
  was answered, is not counted and the sender is told so;
- anything else: a new case in channel `sms`, 待定位, for intake; the sender gets its number.
"""

import hashlib
import hmac
import logging
import re
import unicodedata
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases import selectors, services, submission, workflow
from cases.models import Case, Channel, CoReporter, Rating, Score
from cases.workflow import Action

from . import outbox, wake
from .models import Channel as MessageChannel
from .models import InboundMessage, InboundStatus, Message, Outcome
from .sender import backoff, stale

logger = logging.getLogger("minsheng.notify")

SCORES = {"1": Score.SATISFIED, "2": Score.BASICALLY_SATISFIED, "3": Score.DISSATISFIED}
OPT_OUT_WORDS = {"退订", "TD", "T", "N", "STOP"}
QUERY_WORD = "查询"
_NUMBER_IN_TEXT = re.compile(r"[0-9]{8}-[0-9]{4,6}")
MAX_TEXT = 2000


# --- The webhook's checks ---------------------------------------------------------------------


def signature(body: bytes, timestamp: str, secret: str | None = None) -> str:
    """The hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret."""
    key = (secret if secret is not None else settings.SMS_INBOUND_SECRET).encode()
    return hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(body: bytes, timestamp: str, given: str, *, now: datetime | None = None) -> bool:
    """Whether a delivery is the gateway's and fresh: a secret is set, the timestamp (Unix seconds)
    is within SMS_INBOUND_WINDOW_SECONDS of our clock, and the signature matches."""
    if not settings.SMS_INBOUND_SECRET or not timestamp.isascii() or not timestamp.isdigit():
        return False
    now = now or timezone.now()
    if abs(now.timestamp() - int(timestamp)) > settings.SMS_INBOUND_WINDOW_SECONDS:
        return False
    given = given.strip().removeprefix("sha256=")
    return hmac.compare_digest(signature(body, timestamp), given)


def record(
    *, provider_id: str, phone: str, text: str, reply_to: str = "", now: datetime | None = None
) -> tuple[InboundMessage, bool]:
    """Store a delivered SMS once; return it and whether it is new (False: a redelivery)."""
    now = now or timezone.now()
    message, created = InboundMessage.objects.get_or_create(
        provider_id=provider_id,
        defaults={
            "phone": phone,
            "text": text[:MAX_TEXT],
            "reply_to": reply_to,
            "received_at": now,
            "next_attempt_at": now,
        },
    )
    if created:
        transaction.on_commit(wake.nudge)
    return message, created


# --- Understanding a text ---------------------------------------------------------------------


def normalize(text: str) -> str:
    """Full-width digits and letters as plain ones, no spaces or closing punctuation, upper case."""
    value = unicodedata.normalize("NFKC", text or "")
    value = re.sub(r"[。.!!]+$", "", "".join(value.split()))
    return value.upper()


def _prefix() -> str:
    return "【%s】" % _(settings.MINSHENG_SUBDISTRICT_NAME)


def _our_message(reply_to: str) -> Message | None:
    """Our outbox row with the gateway id `reply_to` (HttpBackend.message_id: "<pk>.<microseconds>")."""
    pk, _sep, micros = reply_to.partition(".")
    if not (pk.isdigit() and micros.isdigit()):
        return None
    message = Message.objects.filter(pk=int(pk), channel=MessageChannel.SMS).select_related("event").first()
    if message is None or int(message.created_at.timestamp() * 1_000_000) != int(micros):
        return None
    return message


def _completion_told(inbound: InboundMessage) -> Message | bool | None:
    """The completion message a rating reply answers; None when there is none (a new message);
    False when it was sent to another phone."""
    if inbound.reply_to:
        message = _our_message(inbound.reply_to)
        if message is None or message.event is None or message.event.action != Action.COMPLETE:
            return None
        return message if message.recipient == inbound.phone else False
    return (
        Message.objects.filter(
            channel=MessageChannel.SMS, recipient=inbound.phone, event__action=Action.COMPLETE
        )
        .select_related("event")
        .order_by("-created_at", "-id")
        .first()
    )


def _rate(inbound: InboundMessage, score: str) -> tuple[str, Case | None, str] | None:
    """(outcome, case, answer) for a rating reply; None when it is a new message after all."""
    told = _completion_told(inbound)
    if told is None:
        return None
    if told is False:
        return (
            Outcome.OTHER_PHONE,
            None,
            _("%(prefix)s您回复的短信不是发给本机号码的,评价未计入。如需帮助,请联系社区代办岗。")
            % {"prefix": _prefix()},
        )
    assert isinstance(told, Message) and told.case is not None and told.event is not None
    case = Case.objects.get(pk=told.case.pk)
    latest = case.events.filter(action=Action.COMPLETE).order_by("-at", "-id").first()
    resolution = case.resolutions.order_by("-created_at", "-id").first()
    rated = resolution is not None and Rating.objects.filter(resolution=resolution).exists()
    if (
        latest is None
        or latest.pk != told.event.pk
        or rated
        or not workflow.can(None, Action.RATE, case, as_public=True)
    ):
        return (
            Outcome.ALREADY_RATED,
            case,
            _("%(prefix)s诉求%(number)s的本次办理结果已经评价过了(或已办结),这次回复未计入。感谢您的支持!")
            % {"prefix": _prefix(), "number": case.number},
        )
    services.rate(case, score=score, via=Rating.Via.SMS, verified=True, phone=inbound.phone)
    if score == Score.DISSATISFIED:
        # The reopening sends its own message (notify.outbox), unless the resident opted out.
        return Outcome.REOPENED, case, ""
    return (
        Outcome.RATED,
        case,
        _("%(prefix)s感谢您对诉求%(number)s的评价!") % {"prefix": _prefix(), "number": case.number},
    )


_INFO_ACTIONS = (Action.ASK_INFO, Action.REMIND_INFO)


def _info_reply(inbound: InboundMessage) -> tuple[str, Case | None, str] | None:
    """The answer to a request for more (补充材料), or a polite refusal; None when the text is not one.

    A reply to our question (its gateway id) answers that question; a text without one answers the
    latest question still waiting on a case of that phone, unless it is a rating or a query."""
    from cases import moreinfo
    from cases.models import InfoRequest

    case: Case | None = None
    if inbound.reply_to:
        message = _our_message(inbound.reply_to)
        if message is None or message.event is None or message.event.action not in _INFO_ACTIONS:
            return None
        if message.recipient != inbound.phone or message.case is None:
            return (
                Outcome.OTHER_PHONE,
                None,
                _("%(prefix)s您回复的短信不是发给本机号码的,补充内容未计入。如需帮助,请联系社区代办岗。")
                % {"prefix": _prefix()},
            )
        case = Case.objects.get(pk=message.case.pk)
        if moreinfo.pending(case) is None:
            return (
                Outcome.INFO_CLOSED,
                case,
                _("%(prefix)s诉求%(number)s的补充材料已经收到或已处理,这次回复未计入。发送“查询”可了解进度。")
                % {"prefix": _prefix(), "number": case.number},
            )
    else:
        request = (
            InfoRequest.objects.filter(status=InfoRequest.Status.PENDING, case__phone=inbound.phone)
            .order_by("-asked_at", "-id")
            .first()
        )
        if request is None:
            return None
        case = Case.objects.get(pk=request.case_id)
        if moreinfo.pending(case) is None:
            return None
    moreinfo.answer(case, text=inbound.text.strip(), via=InfoRequest.Via.SMS)
    return (
        Outcome.INFO_GIVEN,
        case,
        _("%(prefix)s已收到您为诉求%(number)s补充的材料,工作人员会尽快处理。")
        % {"prefix": _prefix(), "number": case.number},
    )


def _owns(case: Case, phone: str) -> bool:
    return phone in {case.phone, outbox.resident_sms_number(case)}


def _progress(inbound: InboundMessage, number: str) -> tuple[str, Case | None, str]:
    phone = inbound.phone
    if number:
        case = Case.objects.filter(number=number).select_related("department").first()
        if case is None or not _owns(case, phone):
            # The same answer whether the case exists or not: a guessed number reveals nothing.
            return (
                Outcome.PROGRESS,
                None,
                _(
                    "%(prefix)s本机号码没有编号为%(number)s的诉求。请核对编号,或发送“查询”了解本机号码最近的诉求。"
                )
                % {"prefix": _prefix(), "number": number},
            )
    else:
        case = (
            Case.objects.filter(phone=phone)
            .select_related("department")
            .order_by("-submitted_at", "-id")
            .first()
        )
        if case is None:
            return (
                Outcome.PROGRESS,
                None,
                _("%(prefix)s本机号码没有诉求记录。直接回复您要反映的问题,即可提交新诉求。")
                % {"prefix": _prefix()},
            )
    plain = selectors.plain_progress(selectors.public_progress(case))
    return (
        Outcome.PROGRESS,
        case,
        _("%(prefix)s诉求%(number)s:%(progress)s")
        % {"prefix": _prefix(), "number": case.number, "progress": plain},
    )


def _opt_out(inbound: InboundMessage) -> tuple[str, Case | None, str]:
    Case.objects.filter(phone=inbound.phone, sms_opt_out=False).update(sms_opt_out=True)
    # And the cases the phone follows as a co-reporter (cases.merging).
    CoReporter.objects.filter(phone=inbound.phone, sms_opt_out=False).update(sms_opt_out=True)
    return (
        Outcome.OPTED_OUT,
        None,
        _("%(prefix)s您已退订,今后不再收到本机号码诉求的办理短信。发送诉求编号仍可查询进度。")
        % {"prefix": _prefix()},
    )


def _new_case(inbound: InboundMessage) -> tuple[str, Case | None, str]:
    from cases import locating

    with translation.override(settings.LANGUAGE_CODE):
        address = _("(短信提交,地址待核实)")
        name = _("短信用户")
    case, _replayed = submission.submit(
        channel=Channel.SMS,
        to_locate=True,
        category=locating.placeholder_category(),
        community=locating.by_address(inbound.text),
        address=address,
        description=inbound.text,
        name=name,
        phone=inbound.phone,
    )
    return (
        Outcome.NEW_CASE,
        case,
        _(
            "%(prefix)s已收到您的诉求,编号%(number)s。工作人员核实后会尽快办理。"
            "发送编号或“查询”可了解进度,回复“退订”不再接收短信。"
        )
        % {"prefix": _prefix(), "number": case.number},
    )


def interpret(inbound: InboundMessage) -> tuple[str, Case | None, str]:
    """Act on one text; return (outcome, the case it concerned, the answer to send or '')."""
    text = normalize(inbound.text)
    if not text:
        return Outcome.IGNORED, None, ""
    if text in OPT_OUT_WORDS:
        return _opt_out(inbound)
    if inbound.reply_to:
        answered = _info_reply(inbound)
        if answered is not None:
            return answered
    if text in SCORES:
        rated = _rate(inbound, SCORES[text])
        if rated is not None:
            return rated
        return _info_reply(inbound) or _new_case(inbound)
    found = _NUMBER_IN_TEXT.search(text)
    if text == QUERY_WORD or (found and len(text.replace(QUERY_WORD, "")) == len(found.group(0))):
        return _progress(inbound, found.group(0) if found else "")
    return (not inbound.reply_to and _info_reply(inbound)) or _new_case(inbound)


# --- The worker's side --------------------------------------------------------------------------


def _claimable(now: datetime):
    return InboundMessage.objects.filter(status=InboundStatus.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - stale())
    )


def claim(token: uuid.UUID, *, now: datetime | None = None) -> InboundMessage | None:
    now = now or timezone.now()
    for pk in list(_claimable(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:20]):
        if _claimable(now).filter(pk=pk).update(claimed_at=now, claim=token) == 1:
            return InboundMessage.objects.get(pk=pk)
    return None


class _LostClaim(Exception):
    pass


def process(inbound: InboundMessage, token: uuid.UUID) -> str:
    """Act on a claimed message and mark it done, all or nothing; return the outcome."""
    now = timezone.now()
    with transaction.atomic():
        with translation.override(settings.LANGUAGE_CODE):
            outcome, case, answer = interpret(inbound)
            if answer:
                outbox.queue(
                    key=f"inbound:{inbound.pk}",
                    channel=MessageChannel.SMS,
                    recipient=inbound.phone,
                    text=answer,
                    case=case,
                    now=now,
                )
        done = InboundMessage.objects.filter(pk=inbound.pk, claim=token, status=InboundStatus.PENDING).update(
            status=InboundStatus.DONE,
            outcome=outcome,
            case=case,
            processed_at=now,
            attempts=F("attempts") + 1,
            claimed_at=None,
            claim=None,
            last_error="",
        )
        if done != 1:
            raise _LostClaim  # another worker took it over: undo everything this one did
    return outcome


def _failed(inbound: InboundMessage, token: uuid.UUID, error: str) -> None:
    attempts = inbound.attempts + 1
    gave_up = attempts >= settings.NOTIFY_MAX_ATTEMPTS
    InboundMessage.objects.filter(pk=inbound.pk, claim=token, status=InboundStatus.PENDING).update(
        status=InboundStatus.FAILED if gave_up else InboundStatus.PENDING,
        attempts=attempts,
        next_attempt_at=timezone.now() + backoff(attempts),
        claimed_at=None,
        claim=None,
        last_error=error[:500],
    )
    logger.warning(
        "inbound SMS #%s failed (attempt %s%s): %s",
        inbound.pk,
        attempts,
        ", giving up" if gave_up else "",
        error,
    )


def process_due(*, limit: int = 100, stream=None) -> int:
    """Process up to `limit` received messages; return how many were done."""
    token = uuid.uuid4()
    done = 0
    for _i in range(limit):
        inbound = claim(token)
        if inbound is None:
            break
        if stream is not None:
            stream.write(f"[短信收到] {outbox.mask(inbound.phone)}: {inbound.text}\n")
            stream.flush()
        try:
            outcome = process(inbound, token)
        except _LostClaim:
            continue
        except Exception as exc:
            _failed(inbound, token, f"{type(exc).__name__}: {exc}")
            continue
        done += 1
        logger.info("inbound SMS #%s from %s: %s", inbound.pk, outbox.mask(inbound.phone), outcome)
    return done
