"""What the public sees of a case, kept per version in the database (cases.models.PublicView).

Every change to a case goes through workflow.transition(), which bumps `version`; a stored body
made from an older version is never served, and nothing has to be invalidated: the next lookup
after a change builds and stores the body again. One indexed query answers a lookup: the case's
version joined with its stored body. Being rows in the database, the bodies are shared by every
process and every app server, and read from the replica where one is configured.

This is the hottest path of the platform (a storm of residents checking progress), so both
statements are prepared SQL rather than querysets: building an ORM query costs several times what
SQLite or PostgreSQL need to answer it.

With Redis as the cache (REDIS_URL), Redis sits in front of the table, so a storm of lookups does
not reach the database at all (see `_RedisLayer`): each case has a version key, raised after every
change commits (the event row is the trigger: a cases.hooks listener), and each rendering is kept
with the version it was made from. A lookup is then one round trip (MGET of both keys) and no SQL;
when the two disagree, or Redis is unreachable, the lookup takes the database path above and puts
what it found back.
"""

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from minsheng.redis_client import raw_client

from . import numbering
from .access import case_for_public, not_found
from .models import Case, PublicView

logger = logging.getLogger(__name__)

# Category and community names can change in the admin without a new version: bound their age.
MAX_AGE = timedelta(hours=1)
# A version key outlives its last refresh by this long: it bounds how long a change can stay unseen
# if Redis could not be told of it (Redis down at that moment), at one database read per case per
# period during a storm.
VERSION_TTL = 60


_SQL: dict[str, tuple[str, str]] = {}


def _sql(connection) -> tuple[str, str]:
    if connection.vendor not in _SQL:
        _SQL[connection.vendor] = _make_sql(connection)
    return _SQL[connection.vendor]


def _make_sql(connection) -> tuple[str, str]:
    q = connection.ops.quote_name
    case, view = q(Case._meta.db_table), q(PublicView._meta.db_table)
    read = (
        f"SELECT c.{q('version')}, v.{q('version')}, v.{q('made_at')}, v.{q('body')} "  # noqa: S608
        f"FROM {case} c LEFT JOIN {view} v ON v.{q('case_id')} = c.{q('id')} "
        f"AND v.{q('variant')} = %s AND v.{q('language')} = %s WHERE c.{q('number')} = %s"
    )
    # A slower builder of an older version must not overwrite a newer body.
    write = (
        f"INSERT INTO {view} ({q('case_id')}, {q('variant')}, {q('language')}, {q('version')}, "  # noqa: S608
        f"{q('made_at')}, {q('body')}) VALUES (%s, %s, %s, %s, %s, %s) "
        f"ON CONFLICT ({q('case_id')}, {q('variant')}, {q('language')}) DO UPDATE SET "
        f"{q('version')} = excluded.{q('version')}, {q('made_at')} = excluded.{q('made_at')}, "
        f"{q('body')} = excluded.{q('body')} WHERE {view}.{q('version')} <= excluded.{q('version')}"
    )
    return read, write


@dataclass(frozen=True)
class LookupRead:
    """What a lookup of one case reads first, for a caller that can read it in the same round trip as
    something of its own (api.fastpath: the rate-limit hit, see security.counters.hit_and_read):
    with Redis as the cache its version and body keys; else, when the read goes to the default
    database, the one-row SELECT (`sql` with `params`) that _from_database() would run."""

    keys: list[str]
    sql: str = ""
    params: tuple = ()


@dataclass(frozen=True)
class _Prefetched:
    """What a caller read for a lookup (see prefetched())."""

    values: dict  # Redis values by key
    params: tuple = ()  # the SELECT's (variant, language, number) …
    row: tuple | None = None  # … and its row (None: not read)


_PREFETCHED: ContextVar[_Prefetched | None] = ContextVar("public_cache_prefetched", default=None)


def lookup_read(number: str, variant: str) -> LookupRead | None:
    """The LookupRead of `number` in `variant` (in the active language); None for a malformed number."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        return None
    language = translation.get_language() or settings.LANGUAGE_CODE
    layer = _RedisLayer.get()
    if layer is not None:
        return LookupRead(keys=list(layer._keys(number, variant, language)))
    alias = router.db_for_read(PublicView)
    if alias != DEFAULT_DB_ALIAS:
        return LookupRead(keys=[])
    return LookupRead(keys=[], sql=_sql(connections[alias])[0], params=(variant, language, number))


def read_row(read: LookupRead | None) -> tuple | None:
    """Run `read`'s SELECT for a caller that had no round trip of its own to join it to, and return
    its row for prefetched() (every column None: no such case); None when `read` has no SELECT."""
    if read is None or not read.sql:
        return None
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(read.sql, list(read.params))
        return cursor.fetchone() or (None, None, None, None)


@contextmanager
def prefetched(read: LookupRead | None, values: Sequence | None, row: tuple | None) -> Iterator[None]:
    """Within the block, lookups take what the caller read for `read` — the keys' `values`, the
    SELECT's `row` (None: not read) — instead of reading it again."""
    if read is None or (values is None and row is None):
        yield
        return
    known = dict(zip(read.keys, values, strict=True)) if values is not None else {}
    token = _PREFETCHED.set(_Prefetched(known, read.params, row))
    try:
        yield
    finally:
        _PREFETCHED.reset(token)


def cached(number: str, variant: str, build: Callable[[Case], str]) -> str:
    """The public rendering `variant` of case `number`: stored for its version, else `build(case)`."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    language = translation.get_language() or settings.LANGUAGE_CODE
    layer = _RedisLayer.get()
    if layer is not None:
        body = layer.read(number, variant, language)
        if body is not None:
            return body
    version, made_at, body = _from_database(number, variant, language, build)
    if layer is not None:
        layer.keep(number, variant, language, version, body, made_at=made_at)
    return body


def _from_database(number, variant, language, build) -> tuple[int, datetime, str]:
    """(version, made at, body) of the stored rendering, made and stored first if need be."""
    known = _PREFETCHED.get()
    if known is not None and known.row is not None and known.params == (variant, language, number):
        row = known.row if known.row[0] is not None else None  # no case: every column NULL
    else:
        reader = connections[router.db_for_read(PublicView)]
        with reader.cursor() as cursor:
            cursor.execute(_sql(reader)[0], [variant, language, number])
            row = cursor.fetchone()
    if row is None:
        raise not_found(number)
    version, stored_version, made_at, body = row
    now = timezone.now()
    if body is not None and stored_version == version:
        if isinstance(made_at, str):
            made_at = parse_datetime(made_at)
        if made_at.tzinfo is None:  # SQLite keeps naive UTC
            made_at = made_at.replace(tzinfo=UTC)
        if now - made_at < MAX_AGE:
            return version, made_at, body
    case = case_for_public(number)
    body = build(case)
    writer = connections[router.db_for_write(PublicView)]
    made = writer.ops.adapt_datetimefield_value(now)
    with writer.cursor() as cursor:
        cursor.execute(_sql(writer)[1], [case.pk, variant, language, case.version, made, body])
    return case.version, now, body


# Raise a version key, never lower it: a reader that found an older version in the database (a
# lagging replica, a read just before a commit) cannot undo a writer's newer one.
_RAISE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) >= current then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""


class _RedisLayer:
    """Public renderings in Redis, in front of the PublicView table; used when the cache is Redis.

    Keys (under the cache's KEY_PREFIX): `pv:v:{number}` holds the case's latest known version;
    `pv:b:{number}:{variant}:{language}` holds "{version}:{made_at}:{body}". A body is served only
    when its version equals the version key and it is younger than MAX_AGE. Any Redis error is
    logged and the lookup answered from the database: Redis is a cache here, never the record.
    """

    def __init__(self, cache: RedisCache):
        self.cache = cache

    @classmethod
    def get(cls) -> "_RedisLayer | None":
        cache = caches["default"]
        return cls(cache) if isinstance(cache, RedisCache) else None

    def _keys(self, number, variant="", language=""):
        version = self.cache.make_and_validate_key(f"pv:v:{number}")
        body = self.cache.make_and_validate_key(f"pv:b:{number}:{variant}:{language}")
        return version, body

    def _client(self, key, write=False):
        return raw_client(self.cache, write=write)

    def read(self, number, variant, language) -> str | None:
        version_key, body_key = self._keys(number, variant, language)
        known = _PREFETCHED.get()
        values = known.values if known is not None else {}
        if version_key in values and body_key in values:
            version, stored = values[version_key], values[body_key]
        else:
            try:
                version, stored = self._client(version_key).mget(version_key, body_key)
            except Exception as exc:  # redis.RedisError, OSError: answer from the database
                logger.warning("public progress cache unavailable (%s); reading the database", exc)
                return None
        if version is None or stored is None:
            return None
        stored_version, made_at, body = stored.split(b":", 2)
        age = timezone.now().timestamp() - float(made_at)
        if stored_version != version or age >= MAX_AGE.total_seconds():
            return None
        return body.decode()

    def keep(self, number, variant, language, version, body, *, made_at: datetime) -> None:
        version_key, body_key = self._keys(number, variant, language)
        # With the time the rendering was made, not now: MAX_AGE bounds its age in both stores together.
        stored = f"{version}:{made_at.timestamp():.3f}:{body}".encode()
        try:
            client = self._client(version_key, write=True)
            pipe = client.pipeline(transaction=False)
            pipe.eval(_RAISE, 1, version_key, version, VERSION_TTL)
            pipe.set(body_key, stored, ex=int(MAX_AGE.total_seconds()))
            pipe.execute()
        except Exception as exc:
            logger.warning("could not keep a public rendering in Redis (%s)", exc)

    def changed(self, number, version) -> None:
        version_key, _ = self._keys(number)
        try:
            self._client(version_key, write=True).eval(_RAISE, 1, version_key, version, VERSION_TTL)
        except Exception as exc:
            # The version key expires within VERSION_TTL; until then lookups may show the old stage.
            logger.warning("could not tell Redis that case %s changed (%s)", number, exc)


def on_case_event(event) -> None:
    """After a change commits, raise the case's version key so every server sees it at once."""
    layer = _RedisLayer.get()
    if layer is None:
        return
    case = event.case
    number, version = case.number, case.version
    transaction.on_commit(lambda: layer.changed(number, version), robust=True)
