"""Fixed-window hit counters shared by every process and server, at one round-trip per hit.

Which store is used follows the configured cache:
- Redis (REDIS_URL): INCR and EXPIRE on a key per window, sent together in one pipeline.
- The database cache (the default): not the cache table itself — its `incr` is a read and a write
  that can lose hits to a concurrent request, and costs five queries — but one upsert into
  `security_ratecounter` that adds the hit and returns the count atomically (`ON CONFLICT … DO UPDATE
  … RETURNING`, on SQLite ≥ 3.35 and PostgreSQL). On PostgreSQL that table is in the database; on
  SQLite it is in a file of its own beside it (settings.RATE_COUNTER_FILE), so a hit never waits for
  the case being written at that moment (SQLite has one writer at a time per file).
- Any other cache (memcached, local memory in a test): `cache.add`, else `cache.incr`.

`hit_lock` is the other kind: a window of its own that starts at a bucket's first hit and, once the
count reaches the limit, starts again from that moment, so a lock lasts its full period (the tries at
a resident's phone digits, cases.services.check_phone_digits). Same stores, same one statement.

Windows of `hit` are aligned to the clock (a 1-minute window ends at the next full minute), so a client may
get up to twice the limit across a boundary; that is the usual price of a fixed window and harmless
for the limits here. Each hit returns (count in this window, seconds until the window ends).
"""

import logging
import os
import random
import sqlite3
import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from minsheng.redis_client import raw_client

logger = logging.getLogger("minsheng.security")

# Expired database rows are removed now and then by the hit that happens to draw this chance.
PRUNE_CHANCE = 0.001
PRUNE_AFTER = 24 * 3600

_UPSERT = """
INSERT INTO security_ratecounter (bucket, window_ends, hits) VALUES (%s, %s, 1)
ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN security_ratecounter.window_ends <= %s THEN 1
                ELSE security_ratecounter.hits + 1 END,
    window_ends = CASE WHEN security_ratecounter.window_ends <= %s THEN excluded.window_ends
                       ELSE security_ratecounter.window_ends END
RETURNING hits, window_ends
"""
_PRUNE = "DELETE FROM security_ratecounter WHERE window_ends < %s"


def _window_end(now: float, period: int) -> int:
    return (int(now) // period + 1) * period


def hit(bucket: str, period: int) -> tuple[int, int]:
    """Count one hit on `bucket` in the current `period`-second window: (hits, seconds left)."""
    now = time.time()
    ends = _window_end(now, period)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count = _hit_redis(cache, bucket, ends, period)
    elif isinstance(cache, DatabaseCache):
        if settings.RATE_COUNTER_FILE:
            count, ends = _hit_file(str(settings.RATE_COUNTER_FILE), bucket, ends, now)
        else:
            count, ends = _hit_database(bucket, ends, now)
    else:
        count = _hit_cache(cache, bucket, ends, period)
    return count, max(1, ends - int(now))


def _hit_redis(cache: RedisCache, bucket: str, ends: int, period: int) -> int:
    key = cache.make_and_validate_key(f"minsheng:rate:{bucket}:{ends}")
    # Django's RedisCache.incr() checks that the key exists first (two round-trips); the raw client's
    # INCR creates it, and the pipeline sends INCR and EXPIRE together. Counters are stored as plain
    # integers, which is also how Django's Redis serializer stores an int.
    client = raw_client(cache, write=True)
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, period + 5)
    try:
        replies = pipe.execute()
    except Exception as exc:  # redis.RedisError, OSError
        # Redis unreachable: let the request through rather than turn every resident away; the
        # public lookups and submissions behind the limit work on the database alone.
        logger.error("rate limit not counted: Redis unreachable (%s)", exc)
        return 0
    return int(replies[0])


def _hit_database(bucket: str, ends: int, now: float) -> tuple[int, int]:
    # One statement in autocommit. On PostgreSQL the table is UNLOGGED (migration 0002): a hit writes
    # no WAL and its commit does not wait for the disk — losing the current window's hits in a crash
    # is harmless, and an fsync per public lookup would cap lookups at the disk's speed. (SQLite in
    # WAL mode with synchronous=NORMAL does not sync on commit anyway.)
    with connection.cursor() as cursor:
        return _count(cursor, _UPSERT, _PRUNE, bucket, ends, now)


def _count(cursor, upsert: str, prune: str, bucket: str, ends: int, now: float) -> tuple[int, int]:
    """Add the hit and return (hits, window end); now and then delete windows a day gone."""
    cursor.execute(upsert, _upsert_params(bucket, ends, now))
    count, window_ends = cursor.fetchone()
    _maybe_prune(cursor, prune, now)
    return int(count), int(window_ends)


def _upsert_params(bucket: str, ends: int, now: float) -> list:
    return [bucket[:200], ends, int(now), int(now)]


def _maybe_prune(cursor, prune: str, now: float) -> None:
    if random.random() < PRUNE_CHANCE:  # noqa: S311 (not security: when to tidy up)
        cursor.execute(prune, [int(now) - PRUNE_AFTER])


_FILE_SCHEMA = """
CREATE TABLE IF NOT EXISTS security_ratecounter (
    bucket TEXT PRIMARY KEY, window_ends INTEGER NOT NULL, hits INTEGER NOT NULL
) WITHOUT ROWID
"""
_FILE_UPSERT, _FILE_PRUNE = _UPSERT.replace("%s", "?"), _PRUNE.replace("%s", "?")
_files = threading.local()


def _file_connection(path: str) -> sqlite3.Connection:
    """This thread's connection to the counters' own SQLite file (a new one after a fork)."""
    key = (os.getpid(), path)
    if getattr(_files, "key", None) != key:
        old = getattr(_files, "key", None)
        if old is not None and old[0] == key[0]:
            _files.conn.close()  # this process's connection to another file (tests change the path)
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # a crash may forget the current window: harmless
        conn.execute(_FILE_SCHEMA)
        _files.key, _files.conn = key, conn
    return _files.conn


def _hit_file(path: str, bucket: str, ends: int, now: float) -> tuple[int, int]:
    # On SQLite the counters live in a file of their own: in the cases database every hit had to
    # wait, in SQLite's sleeping busy handler, for any submission or move being written at the time
    # (a fifth of a loaded worker's time went there).
    return _count(_file_connection(path).cursor(), _FILE_UPSERT, _FILE_PRUNE, bucket, ends, now)


_LOCK_UPSERT = """
INSERT INTO security_ratecounter (bucket, window_ends, hits) VALUES (%s, %s, 1)
ON CONFLICT (bucket) DO UPDATE SET
    hits = CASE WHEN security_ratecounter.window_ends <= %s THEN 1
                ELSE security_ratecounter.hits + 1 END,
    window_ends = CASE WHEN security_ratecounter.window_ends <= %s THEN excluded.window_ends
                       WHEN security_ratecounter.hits + 1 = %s THEN excluded.window_ends
                       ELSE security_ratecounter.window_ends END
RETURNING hits, window_ends
"""
_FILE_LOCK_UPSERT = _LOCK_UPSERT.replace("%s", "?")


def hit_lock(bucket: str, limit: int, period: int) -> tuple[int, int]:
    """Count one try on `bucket`, atomically, before the caller looks at what was tried.

    The window starts at the bucket's first try; the try that brings the count to `limit` starts it
    again, so whoever is past the limit waits a full `period` from then. Returns (tries in this
    window, seconds until it ends). Never the cache's `incr` (not atomic on the database cache, and
    it rewrites the timeout): the stores of `hit`, or the database table for any other cache."""
    now = time.time()
    bucket = f"lock:{bucket}"[:200]
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        count, ends = _lock_redis(cache, bucket, limit, period, now)
    else:
        params = [bucket, int(now) + period, int(now), int(now), limit]
        if settings.RATE_COUNTER_FILE and isinstance(cache, DatabaseCache):
            cursor = _file_connection(str(settings.RATE_COUNTER_FILE)).cursor()
            count, ends = _lock_count(cursor, _FILE_LOCK_UPSERT, _FILE_PRUNE, params, now)
        else:
            with connection.cursor() as cursor:
                count, ends = _lock_count(cursor, _LOCK_UPSERT, _PRUNE, params, now)
    return count, max(1, ends - int(now))


def _lock_count(cursor, upsert: str, prune: str, params: list, now: float) -> tuple[int, int]:
    cursor.execute(upsert, params)
    count, window_ends = cursor.fetchone()
    _maybe_prune(cursor, prune, now)
    return int(count), int(window_ends)


def _lock_redis(cache: RedisCache, bucket: str, limit: int, period: int, now: float) -> tuple[int, int]:
    key = cache.make_and_validate_key(f"minsheng:{bucket}")
    client = raw_client(cache, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.set(key, 0, ex=period, nx=True)  # the window starts at the first try
    pipe.incr(key)  # INCR keeps the key's expiry
    pipe.ttl(key)
    try:
        _created, count, ttl = pipe.execute()
        count = int(count)
        if count == limit:
            client.expire(key, period)
            ttl = period
    except Exception as exc:  # redis.RedisError, OSError
        # Unlike `hit`, a lock is not waived when Redis is away: the try is refused (fail closed).
        logger.error("lock not counted: Redis unreachable (%s)", exc)
        return limit + 1, int(now) + 60
    return count, int(now) + max(1, int(ttl))


def _hit_cache(cache, bucket: str, ends: int, period: int) -> int:
    key = f"minsheng:rate:{bucket}:{ends}"
    if cache.add(key, 1, period + 5):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period + 5)
        return 1
