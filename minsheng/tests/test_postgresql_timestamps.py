"""On PostgreSQL, timestamps are read by psycopg's compiled loader while the session is in UTC
(minsheng.postgresql), and read exactly as Django's own loader would read them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import connection
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

from cases.models import Case
from cases.testing import submit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

TIMESTAMPTZ = 1184
MOMENTS = [
    datetime(2026, 11, 28, 14, 5, 6, 789012, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),  # before the epoch
    datetime(2026, 3, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),  # stored as 2026-02-28 16:00 UTC
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


def connection_loader():
    connection.ensure_connection()
    return connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)


@pytest.mark.django_db
@pytest.mark.skipif(psycopg.pq.__impl__ == "python", reason="psycopg without its compiled part")
def test_the_connection_reads_timestamps_with_the_compiled_loader():
    loader = connection_loader()
    assert loader is not TimestamptzLoader and loader.__module__.endswith("_psycopg"), loader


def test_timestamps_read_back_equal_and_in_utc_through_every_kind_of_cursor(users):
    case = submit()
    for moment in MOMENTS:
        Case.objects.filter(pk=case.pk).update(submitted_at=moment)
        read = Case.objects.get(pk=case.pk).submitted_at
        assert read == moment and read.tzinfo is UTC
        with connection.cursor() as cursor:
            cursor.execute("SELECT submitted_at FROM cases_case WHERE id = %s", [case.pk])
            assert cursor.fetchone()[0] == moment
        # A server-side cursor (QuerySet.iterator) is made by our create_cursor too.
        (streamed,) = Case.objects.filter(pk=case.pk).values_list("submitted_at", flat=True).iterator(10)
        assert streamed == moment and streamed.tzinfo is UTC


def test_without_time_zone_support_timestamps_are_naive_local_times_as_in_django(users, settings):
    case = submit()
    moment = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    Case.objects.filter(pk=case.pk).update(submitted_at=moment)
    settings.USE_TZ = False  # Django moves the session to TIME_ZONE (Asia/Shanghai)
    try:
        read = Case.objects.get(pk=case.pk).submitted_at
        assert read == datetime(2026, 11, 28, 22, 0) and read.tzinfo is None
    finally:
        settings.USE_TZ = True
    again = Case.objects.get(pk=case.pk).submitted_at
    assert again == moment and again.tzinfo is UTC
    assert again - read.replace(tzinfo=UTC) == timedelta(hours=-8)
