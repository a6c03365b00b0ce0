"""The public progress cache on Redis (REDIS_URL), as several app servers share it: a repeated lookup
costs one small SQL query (the case's version) and one Redis read, and a stage change is seen at once."""

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
def test_a_repeated_lookup_is_one_sql_query_and_a_redis_hit(client, users, redis_cache, path):
    case = case_in("dispatched", users)
    url = path.format(n=case.number)
    first = client.get(url)
    assert first.status_code == 200
    assert any(True for _ in redis_cache.scan_iter(f"*{case.number}*"))
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
