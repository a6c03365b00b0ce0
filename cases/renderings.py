"""What the public sees of a case, stored per version (cases.models.PublicView).

The public lookups (the API's and Open311's progress of one case, the resident's progress page) are
the platform's hottest reads: a storm of residents checking progress. Every change to a case goes
through workflow.transition(), which bumps its `version`, so a rendering made from one version can
be kept and served until the next change, and nothing has to be invalidated: a stored body made
from an older version is simply never served. Being rows in the database, the bodies are shared by
every process and every app server (and read from the replica where one is configured).

A lookup is one indexed read (`current`): the case's version, which is all an HTTP conditional
request needs (minsheng.http_cache), together with the stored body of that version
(`rendering`). Category and community names can be renamed in the admin without a new version,
so a stored body is also kept at most MAX_AGE.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from . import numbering
from .access import case_for_public, not_found
from .models import Case, PublicView

MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class Current:
    """A case as far as its public renderings are concerned — which one, which version — and the
    stored rendering asked for, when there is one for this version that is still fresh."""

    pk: int
    number: str
    version: int
    updated_at: datetime
    stored: str | None = None


# A merged case's public rendering shows its parent's progress (cases.merging), so it changes when
# the parent moves: its public version counts the parent's version too, in a range of its own that
# no version of the case alone reaches (versions only grow, so no two states share a number).
PARENT_VERSION_STEP = 1_000_000


def public_version(case: Case) -> int:
    """The version a public rendering of `case` is made from (and its ETag names)."""
    if case.merged_into_id is None:
        return case.version
    parent = Case.objects.filter(pk=case.merged_into_id).values_list("version", flat=True).first()
    return case.version + (parent or 0) * PARENT_VERSION_STEP


# One statement finds the case's version and the stored rendering of it together: a lookup is one
# indexed read. It is plain SQL (through Django's own cursor, every value a parameter) because it is
# the hottest statement of the platform, and building it through the ORM on every lookup cost
# several times what the database takes to answer it (docs/performance.md). The parent of a merged
# case is joined by its primary key (public_version).
def _read_sql(connection) -> str:
    q = connection.ops.quote_name
    case, view = q(Case._meta.db_table), q(PublicView._meta.db_table)
    version = f"(c.{q('version')} + COALESCE(p.{q('version')}, 0) * {PARENT_VERSION_STEP})"
    return (
        f"SELECT c.{q('id')}, {version}, c.{q('updated_at')}, v.{q('body')}, p.{q('updated_at')} "  # noqa: S608
        f"FROM {case} c LEFT JOIN {case} p ON p.{q('id')} = c.{q('merged_into_id')} "
        f"LEFT JOIN {view} v ON v.{q('case_id')} = c.{q('id')} "
        f"AND v.{q('variant')} = %s AND v.{q('language')} = %s "
        f"AND v.{q('version')} = {version} AND v.{q('made_at')} > %s "
        f"WHERE c.{q('number')} = %s"
    )


def _aware(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands back text where a column has no declared type
        value = parse_datetime(value)
    if timezone.is_naive(value):  # SQLite keeps naive UTC
        value = value.replace(tzinfo=UTC)
    return value


def current(number: str, variant: str = "") -> Current:
    """The case's current (public) version, and the stored rendering `variant` of it in the active
    language if there is a fresh one; CaseNotFound for a malformed or unknown number."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    reader = connections[router.db_for_read(Case)]
    fresh = reader.ops.adapt_datetimefield_value(timezone.now() - MAX_AGE)
    with reader.cursor() as cursor:
        cursor.execute(_read_sql(reader), [variant, language(), fresh, number])
        row = cursor.fetchone()
    if row is None:
        raise not_found(number)
    pk, version, updated_at, stored, parent_updated_at = row
    updated_at = _aware(updated_at)
    parent_updated_at = _aware(parent_updated_at)
    if parent_updated_at is not None and updated_at is not None:
        updated_at = max(updated_at, parent_updated_at)
    return Current(pk=pk, number=number, version=int(version), updated_at=updated_at, stored=stored)


def language() -> str:
    """The language a rendering is made in: the active one."""
    return translation.get_language() or settings.LANGUAGE_CODE


def rendering(case: Current, variant: str, build: Callable[[Case], str]) -> tuple[int, str]:
    """(version, body) of the public rendering `variant` of `case` in the active language: the
    stored one read with `case` (current(number, variant)), else `build(case)`, stored for next time.

    The version returned is the one the body was made from (a change may have landed since
    `current()` was read).
    """
    if case.stored is not None:
        return case.version, case.stored
    full = case_for_public(case.number)
    version = public_version(full)
    body = build(full)
    _store(full, variant, body, version)
    return version, body


def _store(case: Case, variant: str, body: str, version: int) -> None:
    """Keep `body` as the rendering of `case`'s version. A builder that read an older version and
    finishes late never replaces a newer body."""
    now = timezone.now()
    key = {"case": case, "variant": variant, "language": language()}
    older = Q(version__lte=version)
    if version < PARENT_VERSION_STEP:
        older |= Q(version__gte=PARENT_VERSION_STEP)  # made while it was merged; split since
    if PublicView.objects.filter(older, **key).update(version=version, made_at=now, body=body):
        return
    try:
        with transaction.atomic():
            PublicView.objects.create(**key, version=version, made_at=now, body=body)
    except IntegrityError:
        pass  # stored meanwhile by another request, for this version or a newer one
