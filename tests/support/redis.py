"""Helpers for tests that need the real Redis (the shared cache, rate limits, worker wake-ups)."""

import os

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


# `pytestmark = needs_redis` in a module whose tests talk to Redis: skipped, and said so, without it.
needs_redis = pytest.mark.skipif(not redis_up(), reason=f"no Redis at {REDIS_URL}")
