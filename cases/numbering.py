"""Case numbers: the local date and a per-day sequence, e.g. 20240510-0012.

Short enough to read aloud over a counter or a phone. The sequence lives in a counter row that is
incremented inside the submitting transaction, so concurrent submissions queue on the row lock
and a rolled-back submission gives its number back (numbers stay gap-free per day).
"""

import re
from datetime import date, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import DailyCounter

_NUMBER_RE = re.compile(r"[0-9]{8}-[0-9]{4,6}")


def format_number(day: date, seq: int) -> str:
    return f"{day:%Y%m%d}-{seq:04d}"


def next_number(at: datetime | None = None) -> str:
    """Issue the next number for the local day of `at`. Must run inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must be called inside transaction.atomic()")
    # The sub-district's day, whatever time zone a request may have activated.
    day = timezone.localdate(at or timezone.now(), timezone.get_default_timezone())
    DailyCounter.objects.bulk_create([DailyCounter(day=day, last=0)], ignore_conflicts=True)
    DailyCounter.objects.filter(day=day).update(last=F("last") + 1)
    seq = DailyCounter.objects.values_list("last", flat=True).get(day=day)
    return format_number(day, seq)


def is_well_formed(number: str) -> bool:
    """Cheap check before touching the database: 8 digits, a dash, 4 to 6 digits."""
    return bool(_NUMBER_RE.fullmatch(number))
