"""Waking the workers as soon as a message is queued, through Redis, instead of at their next poll.

The outbox table stays the queue and the only source of truth: a message is a row written in the
change's own transaction, and a worker sends it only after claiming the row with a compare-and-swap
(notify.sender), so of any number of workers exactly one sends it. Redis carries nothing but a
nudge — "there may be work" — pushed after the transaction commits. A nudge that is lost (Redis
down, no worker waiting) costs only latency: the worker still polls every few seconds. Without
NOTIFY_WAKE_REDIS_URL (REDIS_URL by default) the worker simply sleeps between polls.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger("minsheng.notify")

# A handful of nudges is as good as a thousand: keep the list short.
MAX_PENDING = 10

_local = threading.local()


def key() -> str:
    return f"{settings.CACHE_KEY_PREFIX}:notify:wake"


def _client():
    """This thread's Redis client (a connection pool per process; no state of ours lives in it)."""
    url = settings.NOTIFY_WAKE_REDIS_URL
    cached = getattr(_local, "client", None)
    if cached is None or cached[0] != url:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=10)
        _local.client = cached = (url, client)
    return cached[1]


def enabled() -> bool:
    return bool(settings.NOTIFY_WAKE_REDIS_URL)


def nudge() -> None:
    """Tell a waiting worker there is work. Never fails the caller: the poll is the safety net."""
    if not enabled():
        return
    import redis

    try:
        with _client().pipeline(transaction=False) as pipe:
            pipe.lpush(key(), 1)
            pipe.ltrim(key(), 0, MAX_PENDING - 1)
            pipe.execute()
    except (redis.RedisError, OSError) as exc:
        logger.warning("could not wake the workers through Redis (%s); they will poll", exc)


def wait(seconds: float, *, stop=lambda: False) -> bool:
    """Wait up to `seconds` for a nudge (or until `stop()`); True when one came."""
    end = time.monotonic() + seconds
    if enabled():
        import redis

        try:
            while not stop():
                left = end - time.monotonic()
                if left <= 0:
                    return False
                # In slices of at most a second, so a stop request is noticed quickly.
                if _client().blpop([key()], timeout=min(left, 1.0)) is not None:
                    return True
            return False
        except (redis.RedisError, OSError) as exc:
            logger.warning("could not wait on Redis (%s); polling instead", exc)
    while not stop() and time.monotonic() < end:
        time.sleep(min(0.2, max(end - time.monotonic(), 0)))
    return False
