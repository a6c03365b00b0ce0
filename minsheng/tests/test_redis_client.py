"""minsheng.redis_client: one raw client per cache object, talking to the cache's own Redis."""

import uuid

from django.core.cache.backends.redis import RedisCache

from minsheng.redis_client import raw_client
from tests.support.redis import REDIS_URL, needs_redis

pytestmark = needs_redis


def test_the_client_is_made_once_per_cache_and_reaches_its_redis():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    other = RedisCache(REDIS_URL, {})
    client = raw_client(cache, write=True)
    assert raw_client(cache, write=True) is client
    assert raw_client(other, write=True) is not client
    key = cache.make_and_validate_key("raw-client")
    client.set(key, b"7", ex=10)
    assert cache.get("raw-client") == 7  # Django's serializer stores an int as its digits
    client.delete(key)
