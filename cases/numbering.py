"""Case numbers: the local date and a per-day sequence, e.g. 20240510-0012.

Short enough to read aloud over a counter or a phone. The sequence lives in a counter row that is
incremented inside the submitting transaction, so concurrent submissions queue on the row lock
and a rolled-back submission gives its number back (numbers stay gap-free per day).
"""

import re
from datetime import date, datetime

from django.db import transaction
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
    connection = transaction.get_connection()
    table = connection.ops.quote_name(DailyCounter._meta.db_table)
    # One statement creates the day's row or adds one to it, and returns the number issued (SQLite
    # ≥ 3.35 and PostgreSQL); the row stays locked until the submission commits or rolls back.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [connection.ops.adapt_datefield_value(day)],
        )
        (seq,) = cursor.fetchone()
    return format_number(day, seq)


def is_well_formed(number: str) -> bool:
    """Cheap check before touching the database: 8 digits, a dash, 4 to 6 digits."""
    return bool(_NUMBER_RE.fullmatch(number))
