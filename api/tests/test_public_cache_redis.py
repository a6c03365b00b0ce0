"""Public progress with Redis as the cache (REDIS_URL), as several app servers share it: a repeated
lookup is answered from Redis without any SQL; a stage change is seen at once on every server (the
event's listener raises the case's version key when the change commits); Redis failing or losing a
change costs database reads or, at worst, VERSION_TTL seconds of an older stage — never an error."""

import time
import uuid
from datetime import timedelta

import pytest
import redis
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import public_cache, services
from cases.models import Department
from cases.testing import case_in
from minsheng.testing import REDIS_URL, needs_redis
from security import counters

pytestmark = needs_redis


@pytest.fixture
def redis_cache(settings):
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.mark.parametrize("path", ["/api/v1/cases/{n}", "/open311/v2/requests/{n}.json", "/cases/{n}"])
def test_a_repeated_lookup_needs_no_sql_with_redis_as_the_cache(client, users, redis_cache, path):
    case = case_in("dispatched", users)
    url = path.format(n=case.number)
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200
    assert queries.captured_queries == []
    if path.startswith("/cases/"):  # the page carries a fresh CSP nonce and CSRF token each time
        assert case.number in again.content.decode()
    else:
        assert again.content == first.content


def test_a_stage_change_is_seen_at_once_on_every_server(
    client, users, redis_cache, django_capture_on_commit_callbacks
):
    case = case_in("accepted", users)
    assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "accepted"
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "dispatched"
    assert client.get(f"/open311/v2/requests/{case.number}.json").json()[0]["status"] == "open"


def test_each_language_and_rendering_is_kept_apart(client, users, redis_cache):
    case = case_in("accepted", users)
    zh = client.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    en = client.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert zh["stage_label"] != en["stage_label"]
    assert client.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en").json() == en
    assert client.get(f"/api/v1/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="zh-hans").json() == zh


def test_a_reader_with_an_older_version_cannot_undo_a_newer_one(users, redis_cache):
    case = case_in("accepted", users)
    layer = public_cache._RedisLayer.get()
    layer.changed(case.number, case.version + 1)  # a change committed elsewhere, not yet in this database
    layer.keep(case.number, "api", "zh-hans", case.version, "older body", made_at=timezone.now())
    assert layer.read(case.number, "api", "zh-hans") is None  # the older body is never served
    version_key, _ = layer._keys(case.number)
    assert int(redis_cache.get(version_key)) == case.version + 1


def test_a_lost_change_is_seen_within_the_version_keys_lifetime(users, redis_cache):
    # Redis was unreachable when the change committed: its version key still names the old version.
    case = case_in("accepted", users)
    layer = public_cache._RedisLayer.get()
    layer.keep(case.number, "api", "zh-hans", case.version, "accepted body", made_at=timezone.now())
    assert layer.read(case.number, "api", "zh-hans") == "accepted body"
    version_key, _ = layer._keys(case.number)
    assert 0 < redis_cache.ttl(version_key) <= public_cache.VERSION_TTL


def test_an_unreachable_redis_leaves_lookups_answered_from_the_database(client, users, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    settings.RATE_LIMITS_ENABLED = True  # counted in Redis too: not counted, and said so
    case = case_in("dispatched", users)
    started = time.monotonic()
    response = client.get(f"/api/v1/cases/{case.number}")
    assert response.status_code == 200
    assert response.json()["stage"] == "dispatched"
    assert time.monotonic() - started < 5
    assert "public progress cache unavailable" in caplog.text
    assert "rate limit not counted: Redis unreachable" in caplog.text


def test_a_rendering_copied_into_redis_keeps_its_age(users, redis_cache):
    # Made 59 minutes ago and stored in the database; copied into Redis now, it must still be
    # renewed when it is an hour old, not an hour after the copy (category names can change).
    case = case_in("accepted", users)
    made = timezone.now() - public_cache.MAX_AGE + timedelta(minutes=1)
    with time_machine.travel(made):
        assert public_cache.cached(case.number, "t", lambda c: "old rendering") == "old rendering"
    version_key, body_key = public_cache._RedisLayer.get()._keys(case.number, "t", "zh-hans")
    redis_cache.delete(version_key, body_key)  # as after Redis restarted: only the database has it
    assert public_cache.cached(case.number, "t", lambda c: "new rendering") == "old rendering"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert public_cache.cached(case.number, "t", lambda c: "new rendering") == "new rendering"


class RoundTrips:
    """Redis round trips made by the platform's clients (a pipeline's execute is one)."""

    def __init__(self, monkeypatch):
        self.calls = []
        for cls, name in ((redis.client.Pipeline, "execute"), (redis.Redis, "mget")):
            original = getattr(cls, name)

            def counted(obj, *args, _original=original, _name=name, **kwargs):
                if _name == "execute" or not isinstance(obj, redis.client.Pipeline):  # queued there
                    self.calls.append(_name)
                return _original(obj, *args, **kwargs)

            monkeypatch.setattr(cls, name, counted)


@pytest.fixture
def lookup_limit(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "1000/m"}


@pytest.mark.parametrize(
    "path", ["/api/v1/cases/{n}", "/open311/v2/requests/{n}.json", "/open311/v2/requests/{n}.xml"]
)
def test_a_lookup_reads_its_rendering_with_its_rate_limit_hit_in_one_round_trip(
    client, users, redis_cache, lookup_limit, monkeypatch, path
):
    case = case_in("dispatched", users)
    url = path.format(n=case.number)
    first = client.get(url)
    trips = RoundTrips(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert trips.calls == ["execute"]  # INCR, EXPIRE and MGET together; no second MGET
    assert queries.captured_queries == []


def test_with_the_read_joined_to_the_hit_a_change_is_still_seen_at_once_and_the_limit_still_holds(
    client, users, redis_cache, settings, django_capture_on_commit_callbacks
):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "4/m"}
    with time_machine.travel(timezone.now().replace(second=30), tick=False):  # one window throughout
        case = case_in("accepted", users)
        assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "accepted"
        assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "accepted"  # from Redis
        with django_capture_on_commit_callbacks(execute=True):
            services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
        assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "dispatched"
        assert client.get(f"/open311/v2/requests/{case.number}.json").status_code == 200
        refused = client.get(f"/api/v1/cases/{case.number}")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_with_two_redis_servers_the_rendering_is_read_on_its_own(users, redis_cache, settings):
    one = settings.CACHES["default"]
    settings.CACHES = {"default": {**one, "LOCATION": [REDIS_URL, REDIS_URL]}}  # a writer, a replica
    read = public_cache.lookup_read("20261128-0001", "api")
    assert len(read.keys) == 2 and not read.sql
    count, _, values, row = counters.hit_and_read("lookup:test-two-servers", 60, read)
    assert count >= 1 and values is None and row is None
    settings.CACHES = {"default": one}
    _, _, values, row = counters.hit_and_read("lookup:test-two-servers", 60, read)
    assert values == [None, None] and row is None
    assert public_cache.lookup_read("not-a-number", "api") is None
