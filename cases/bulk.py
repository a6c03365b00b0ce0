"""Inserting many rows fast, for bulk imports and generated populations (not for requests).

Model instances and bulk_create cost tens of microseconds per value; a million cases with their
events are tens of millions of values. These helpers take plain tuples and use COPY on
PostgreSQL and executemany on SQLite. Values are given by column (attname, e.g. "case_id") and
adapted like Django would for dates and times; nothing else is checked, so callers pass clean data.
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection


def _sqlite_datetime(value: datetime) -> str:
    """What Django's SQLite backend stores for an aware datetime (naive UTC), in a tenth of its time."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def _adapters(model, fields: Sequence[str]):
    ops = connection.ops
    adapters: list[Callable | None] = []
    for name in fields:
        kind = model._meta.get_field(name).get_internal_type()
        if kind == "DateTimeField":
            fast = connection.vendor == "sqlite" and settings.USE_TZ
            adapters.append(_sqlite_datetime if fast else ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(ops.adapt_datefield_value)
        else:
            adapters.append(None)
    return adapters


def insert_rows(model, fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERT `rows` (tuples in `fields` order) into `model`'s table."""
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ", ".join(q(model._meta.get_field(name).column) for name in fields)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    adapters = _adapters(model, fields)
    if any(adapters):
        rows = (
            tuple(
                value if adapt is None or value is None else adapt(value)
                for adapt, value in zip(adapters, row, strict=True)
            )
            for row in rows
        )
    placeholders = ", ".join(["?"] * len(fields))
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)  # noqa: S608
    finally:
        cursor.close()
