"""Public progress with Redis as the cache (REDIS_URL), as several app servers share it: the stored
renderings live in the database (cases.PublicView), so a repeated lookup is one SQL query (the case's
version joined with its stored body, on the replica where there is one) and touches Redis only for
the rate limit; a stage change is seen at once on every server."""

import os
import uuid

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Department
from cases.testing import case_in

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason=f"no Redis at {REDIS_URL}")


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


@pytest.mark.parametrize("path", ["/api/v1/cases/{n}", "/open311/v2/requests/{n}.json"])
def test_a_repeated_lookup_is_one_sql_query_with_redis_as_the_cache(client, users, redis_cache, path):
    case = case_in("dispatched", users)
    url = path.format(n=case.number)
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert len(queries.captured_queries) == 1, [q["sql"] for q in queries.captured_queries]


def test_a_stage_change_is_seen_at_once_on_every_server(client, users, redis_cache):
    case = case_in("accepted", users)
    assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "accepted"
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert client.get(f"/api/v1/cases/{case.number}").json()["stage"] == "dispatched"
