"""The worker's periodic jobs: reminders before a deadline, escalation after it, reminding residents
asked for more (补充材料), closing unrated cases, forgetting expired submission keys."""

import logging
from datetime import datetime

from django.utils import timezone

from cases import deadlines, idempotency, moreinfo, services, supervision
from cases.models import Case, State
from triage import training

from . import outbox

logger = logging.getLogger("minsheng.notify")


def send_reminders(*, now: datetime | None = None) -> int:
    """Queue a reminder to the department of every case that is due soon (once per deadline)."""
    now = now or timezone.now()
    calendar = deadlines.WorkCalendar()
    cases = Case.objects.filter(
        state__in=[State.DISPATCHED, State.HANDLING],
        due_at__gt=now,
        department__isnull=False,
        paused_at__isnull=True,
    ).select_related("category", "department")
    queued = 0
    for case in cases.iterator():
        if deadlines.due_status(case, now, calendar) != deadlines.DueStatus.DUE_SOON:
            continue
        message = outbox.queue_reminder(case, now=now)
        if message is not None and message.created_at == now:
            queued += 1
    return queued


def run_periodic(*, now: datetime | None = None, close: bool = True) -> dict[str, int]:
    """One round of every periodic job; each job is safe to run from several workers at once."""
    now = now or timezone.now()
    done = {
        "reminders": send_reminders(now=now),
        "escalated": supervision.escalate_overdue(now=now),
        # 补充材料: one reminder to the resident, then the asking person decides (cases.moreinfo).
        **moreinfo.remind_and_flag(now=now),
    }
    if close:
        done["closed"] = services.close_unrated(now=now)
        done["expired_keys"] = idempotency.purge_expired(now=now)
        # At most once a day, and only after new closures (triage.training); seconds when it runs.
        done["triage_trained"] = int(training.retrain_if_due(now=now) is not None)
    return done
