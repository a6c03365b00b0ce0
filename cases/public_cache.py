"""What the public sees of a case, kept per version in the database (cases.models.PublicView).

Every change to a case goes through workflow.transition(), which bumps `version`; a stored body
made from an older version is never served, and nothing has to be invalidated: the next lookup
after a change builds and stores the body again. One indexed query answers a lookup: the case's
version joined with its stored body. Being rows in the database, the bodies are shared by every
process and every app server, and read from the replica where one is configured.

This is the hottest path of the platform (a storm of residents checking progress), so both
statements are prepared SQL rather than querysets: building an ORM query costs several times what
SQLite or PostgreSQL need to answer it.
"""

from collections.abc import Callable
from datetime import UTC, timedelta

from django.conf import settings
from django.db import connections, router
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from . import numbering
from .access import case_for_public, not_found
from .models import Case, PublicView

# Category and community names can change in the admin without a new version: bound their age.
MAX_AGE = timedelta(hours=1)


def _sql(connection) -> tuple[str, str]:
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


def cached(number: str, variant: str, build: Callable[[Case], str]) -> str:
    """The public rendering `variant` of case `number`: stored for its version, else `build(case)`."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    language = translation.get_language() or settings.LANGUAGE_CODE
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
            return body
    case = case_for_public(number)
    body = build(case)
    writer = connections[router.db_for_write(PublicView)]
    made = writer.ops.adapt_datetimefield_value(now)
    with writer.cursor() as cursor:
        cursor.execute(_sql(writer)[1], [case.pk, variant, language, case.version, made, body])
    return body
