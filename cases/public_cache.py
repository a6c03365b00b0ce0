"""A shared cache of what the public sees of a case, keyed by the case's version.

Every change to a case goes through workflow.transition(), which bumps `version`; a key that holds
the version can therefore never be stale, and nothing has to be invalidated: the next lookup after a
change asks for a new key. One indexed query reads the version; a hit then skips the case's events,
resolution and photos and all serialisation. The configured cache is shared by every process (the
database cache by default, Redis with REDIS_URL), never a process's own memory.

This is the hottest path of the platform (a storm of residents checking progress), so the version
is read with one prepared statement instead of a queryset: building an ORM query costs several
times what SQLite or PostgreSQL need to answer it.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connections, router
from django.utils import translation

from . import numbering
from .access import case_for_public, not_found
from .models import Case

# Category and community names can change in the admin without a new version: bound their age.
TIMEOUT = 3600
_VERSION_SQL = "SELECT {version} FROM {table} WHERE {number} = %s"


def version_of(number: str) -> int | None:
    """The version of case `number`, or None when there is no such case (one indexed query)."""
    connection = connections[router.db_for_read(Case)]
    q = connection.ops.quote_name
    sql = _VERSION_SQL.format(version=q("version"), table=q(Case._meta.db_table), number=q("number"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [number])
        row = cursor.fetchone()
    return row[0] if row else None


def cached(number: str, variant: str, build: Callable[[Case], bytes | str]) -> bytes | str:
    """The public rendering `variant` of case `number`: from the cache, else `build(case)`."""
    number = (number or "").strip()
    version = version_of(number) if numbering.is_well_formed(number) else None
    if version is None:
        raise not_found(number)
    key = f"minsheng:public:{variant}:{translation.get_language()}:{number}:{version}"
    body = cache.get(key)
    if body is None:
        body = build(case_for_public(number))
        cache.set(key, body, TIMEOUT)
    return body
