"""Sending the outbox. Any number of workers may run this at once:

- a row is claimed with a compare-and-swap (`filter(unclaimed).update(claim=token)`), so of two
  workers exactly one gets it; a claim left by a worker that died is taken over after
  NOTIFY_CLAIM_STALE_SECONDS;
- it is marked sent only by the worker holding the claim, once;
- a failure puts it back with exponential back-off, so a gateway that is down for hours loses
  nothing: every row is retried until it goes out (or NOTIFY_MAX_ATTEMPTS is reached).
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from .backends import SendError, sms_backend
from .models import Channel, Message, Status
from .outbox import mask

logger = logging.getLogger("minsheng.notify")


def stale() -> timedelta:
    """Longer than any single send can take (the HTTP backend times out after SMS_HTTP_TIMEOUT s)."""
    return timedelta(seconds=settings.NOTIFY_CLAIM_STALE_SECONDS)


SENT_CODE_TEXT = "(验证码已发送,内容不保留)"


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 min … at most 30 min."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFY_RETRY_MAX_SECONDS))


def _claimable(now: datetime):
    return Message.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - stale())
    )


def claim(token: uuid.UUID, *, now: datetime | None = None) -> Message | None:
    """Claim the next message that is due, or return None when there is none."""
    now = now or timezone.now()
    candidates = list(_claimable(now).order_by("next_attempt_at", "id").values_list("pk", flat=True)[:20])
    for pk in candidates:
        # The compare-and-swap: only one worker's update matches the still-unclaimed row.
        if _claimable(now).filter(pk=pk).update(claimed_at=now, claim=token) == 1:
            return Message.objects.select_related("case").get(pk=pk)
    return None


def deliver(message: Message, *, sms=None) -> None:
    """Hand one message to its gateway; raise SendError when it did not take it."""
    if message.channel == Channel.SMS:
        (sms or sms_backend()).send(message)
        return
    try:
        send_mail(message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [message.recipient])
    except Exception as exc:  # SMTP errors, refused connections, timeouts: all worth a retry
        raise SendError(f"e-mail not sent: {type(exc).__name__}") from None


def _mark_sent(message: Message, token: uuid.UUID, now: datetime) -> bool:
    changes = {
        "status": Status.SENT,
        "sent_at": now,
        "attempts": F("attempts") + 1,
        "claimed_at": None,
        "claim": None,
        "last_error": "",
    }
    if message.sensitive:
        changes["text"] = SENT_CODE_TEXT
    return Message.objects.filter(pk=message.pk, claim=token, status=Status.PENDING).update(**changes) == 1


def _mark_failed(message: Message, token: uuid.UUID, now: datetime, error: SendError) -> None:
    attempts = message.attempts + 1
    gave_up = error.permanent or attempts >= settings.NOTIFY_MAX_ATTEMPTS
    text = str(error).replace(message.recipient, mask(message.recipient))[:500]
    Message.objects.filter(pk=message.pk, claim=token, status=Status.PENDING).update(
        status=Status.FAILED if gave_up else Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + backoff(attempts),
        claimed_at=None,
        claim=None,
        last_error=text,
    )
    logger.warning(
        "%s #%s to %s failed (attempt %s%s): %s",
        message.channel,
        message.pk,
        mask(message.recipient),
        attempts,
        ", giving up" if gave_up else "",
        text,
    )


def send_due(*, limit: int = 100, sms=None) -> int:
    """Send up to `limit` due messages; return how many went out."""
    token = uuid.uuid4()
    sms = sms or sms_backend_or_none()
    sent = 0
    for _i in range(limit):
        message = claim(token)
        if message is None:
            break
        try:
            if message.channel == Channel.SMS and sms is None:
                raise SendError("SMS_BACKEND is not configured")
            deliver(message, sms=sms)
        except SendError as exc:
            _mark_failed(message, token, timezone.now(), exc)
            continue
        if _mark_sent(message, token, timezone.now()):
            sent += 1
            logger.info("%s #%s sent to %s", message.channel, message.pk, mask(message.recipient))
    return sent


def sms_backend_or_none():
    try:
        return sms_backend()
    except SendError as exc:
        logger.error("SMS backend not usable: %s", exc)
        return None
