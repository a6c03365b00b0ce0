"""The raw redis-py client behind Django's RedisCache, made once per cache object.

Django's RedisCacheClient.get_client() builds a new redis.Redis on every call, and building one
fills its table of about 170 reply callbacks: 0.14 ms, more than the round trip it is made for. The
hot paths (rate-limit hits, the public-progress cache) call it on every lookup, so they take their
client from here. The cache object is already per thread (django.core.cache.caches), the client
holds no state of ours, and its connections come from the cache's own pool.
"""

from django.core.cache.backends.redis import RedisCache


def raw_client(cache: RedisCache, *, write: bool = False):
    backend = cache._cache  # django.core.cache.backends.redis.RedisCacheClient
    index = backend._get_connection_pool_index(write)
    clients = backend.__dict__.setdefault("_minsheng_raw_clients", {})
    client = clients.get(index)
    if client is None:
        client = clients[index] = backend._client(connection_pool=backend._get_connection_pool(write))
    return client
