"""The counter stores: one round-trip per hit, exact under concurrency, shared by every process."""

import sqlite3
import threading
import uuid
from contextlib import closing
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection, connections
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from security import counters, ratelimit
from security.models import RateCounter

MINUTE_START = datetime(2026, 11, 27, 10, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def stored_hits(bucket: str, settings) -> int:
    """The hits kept for `bucket`: in the counters' own file on SQLite, in the database otherwise."""
    if settings.RATE_COUNTER_FILE is None:
        return RateCounter.objects.get(bucket=bucket).hits
    with closing(sqlite3.connect(settings.RATE_COUNTER_FILE)) as conn:
        return conn.execute("SELECT hits FROM security_ratecounter WHERE bucket = ?", [bucket]).fetchone()[0]


def test_the_database_store_counts_a_window_and_starts_again_after_it(db, settings):
    with time_machine.travel(MINUTE_START.replace(second=10), tick=False):
        assert [counters.hit("t:a", 60)[0] for _ in range(3)] == [1, 2, 3]
        assert counters.hit("t:a", 60)[1] == 50
        assert counters.hit("t:b", 60)[0] == 1  # another bucket
    with time_machine.travel(MINUTE_START.replace(minute=1, second=0), tick=False):
        assert counters.hit("t:a", 60) == (1, 60)
    assert stored_hits("t:a", settings) == 1


def test_a_check_costs_one_query_and_none_when_limits_are_off(db, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {"lookup": "60/m"}
    request = RequestFactory().get("/cases/20261127-0001", REMOTE_ADDR="203.0.113.1")
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.check(request, "lookup") is None
    # On SQLite the one statement goes to the counters' own file: none waits on the cases database,
    # where a submission being written holds the one write lock.
    assert len(queries) == (0 if settings.RATE_COUNTER_FILE else 1)
    assert stored_hits("lookup:203.0.113.1", settings) == 1
    settings.RATE_LIMITS_ENABLED = False
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.check(request, "lookup") is None
    assert len(queries) == 0
    assert stored_hits("lookup:203.0.113.1", settings) == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_store_loses_no_hit_under_concurrency(settings):
    """Every hit returns a different count: the upsert is atomic (the database cache's incr is not)."""
    if connection.vendor == "sqlite" and settings.RATE_COUNTER_FILE is None:
        pytest.skip("SQLite's in-memory test database is not shared between threads")
    seen: list[int] = []
    lock = threading.Lock()

    def hammer():
        try:
            for _ in range(25):
                count, _left = counters.hit("t:race", 3600)
                with lock:
                    seen.append(count)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 201))


def test_another_cache_backend_uses_add_then_incr(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    with time_machine.travel(MINUTE_START.replace(second=30), tick=False):
        assert [counters.hit("t:c", 60) for _ in range(3)] == [(1, 30), (2, 30), (3, 30)]
    with time_machine.travel(MINUTE_START.replace(minute=1, second=1), tick=False):
        assert counters.hit("t:c", 60) == (1, 59)


@pytest.fixture
def redis_cache(settings):
    """The configured cache is Redis (db 1, a key prefix of this test run's own)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
            "KEY_PREFIX": f"minsheng-test-{uuid.uuid4().hex}",
        }
    }
    cache = caches["default"]
    try:
        cache.get("ping")
    except Exception as exc:
        pytest.skip(f"no Redis on 127.0.0.1:6379: {exc}")
    return cache


def test_the_redis_store_counts_in_one_round_trip_and_expires_the_key(redis_cache):
    with time_machine.travel(MINUTE_START.replace(second=20), tick=False):
        assert [counters.hit("t:r", 60) for _ in range(3)] == [(1, 40), (2, 40), (3, 40)]
        key = redis_cache.make_and_validate_key(f"minsheng:rate:t:r:{int(MINUTE_START.timestamp()) + 60}")
        client = redis_cache._cache.get_client(key)
        assert int(client.get(key)) == 3
        assert 0 < client.ttl(key) <= 65  # Redis' own clock: the key goes away by itself
        # Stored as a plain integer, so the cache API reads it like any other value.
        assert redis_cache.get(f"minsheng:rate:t:r:{int(MINUTE_START.timestamp()) + 60}") == 3
    with time_machine.travel(MINUTE_START.replace(minute=1, second=0), tick=False):
        assert counters.hit("t:r", 60)[0] == 1


def test_redis_counts_stay_exact_across_threads(redis_cache):
    seen: list[int] = []
    lock = threading.Lock()

    def hammer():
        for _ in range(25):
            count, _left = counters.hit("t:race", 3600)
            with lock:
                seen.append(count)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 201))


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("60/m", ratelimit.Rate(60, 60)),
        ("30/10m", ratelimit.Rate(30, 600)),
        ("5/h", ratelimit.Rate(5, 3600)),
        ("100 / 2 s", ratelimit.Rate(100, 2)),
        ("20/d", ratelimit.Rate(20, 86400)),
        ("off", None),
        ("", None),
    ],
)
def test_rates_are_read_from_settings_strings(raw, expected):
    assert ratelimit.parse_rate(raw) == expected


@pytest.mark.parametrize("raw", ["60", "sixty/m", "60/w", "0/m", "-1/m", "60/m/h"])
def test_a_malformed_rate_is_a_configuration_error(raw):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        ratelimit.parse_rate(raw)


def test_an_unknown_limit_name_is_a_configuration_error(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.RATE_LIMITS_ENABLED = True
    with pytest.raises(ImproperlyConfigured):
        ratelimit.rate_of("no-such-limit")


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_hit_is_one_statement_on_an_unlogged_table(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite in WAL mode with synchronous=NORMAL does not sync on commit")
    monkeypatch.setattr(counters, "PRUNE_CHANCE", 0)
    with CaptureQueriesContext(connection) as queries:
        assert counters._hit_database("test:relaxed", 2_000_000_000, 1_000_000_000) == (1, 2_000_000_000)
    assert len(queries) == 1
    with connection.cursor() as cursor:  # no WAL for its rows: its commit does not wait for the disk
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'security_ratecounter'")
        assert cursor.fetchone()[0] == "u"
        cursor.execute("SHOW synchronous_commit")  # durable commits everywhere else
        assert cursor.fetchone()[0] == "on"
