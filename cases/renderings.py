"""What the public sees of a case, stored per version (cases.models.PublicView).

The public lookups (the API's and Open311's progress of one case, the resident's progress page) are
the platform's hottest reads: a storm of residents checking progress. Every change to a case goes
through workflow.transition(), which bumps its `version`, so a rendering made from one version can
be kept and served until the next change, and nothing has to be invalidated: a stored body made
from an older version is simply never served. Being rows in the database, the bodies are shared by
every process and every app server (and read from the replica where one is configured).

A lookup is two small indexed queries: the case's version (`current`, which is also all an HTTP
conditional request needs, see minsheng.http_cache), then the stored body of that version
(`rendering`). Category and community names can be renamed in the admin without a new version, so
a stored body is also kept at most MAX_AGE.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from . import numbering
from .access import case_for_public, not_found
from .models import Case, PublicView

MAX_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class Current:
    """A case as far as its public renderings are concerned: which one, and which version."""

    pk: int
    number: str
    version: int
    updated_at: datetime


def current(number: str) -> Current:
    """The case's current version; CaseNotFound for a malformed or unknown number."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    row = Case.objects.filter(number=number).values_list("pk", "version", "updated_at").first()
    if row is None:
        raise not_found(number)
    pk, version, updated_at = row
    return Current(pk=pk, number=number, version=version, updated_at=updated_at)


def language() -> str:
    """The language a rendering is made in: the active one."""
    return translation.get_language() or settings.LANGUAGE_CODE


def rendering(case: Current, variant: str, build: Callable[[Case], str]) -> tuple[int, str]:
    """(version, body) of the public rendering `variant` of `case` in the active language: the
    stored one when it was made from the current version, else `build(case)`, stored for next time.

    The version returned is the one the body was made from (a change may have landed since
    `current()` was read).
    """
    stored = (
        PublicView.objects.filter(
            case_id=case.pk,
            variant=variant,
            language=language(),
            version=case.version,
            made_at__gt=timezone.now() - MAX_AGE,
        )
        .values_list("body", flat=True)
        .first()
    )
    if stored is not None:
        return case.version, stored
    full = case_for_public(case.number)
    body = build(full)
    _store(full, variant, body)
    return full.version, body


def _store(case: Case, variant: str, body: str) -> None:
    """Keep `body` as the rendering of `case`'s version. A builder that read an older version and
    finishes late never replaces a newer body."""
    now = timezone.now()
    key = {"case": case, "variant": variant, "language": language()}
    if PublicView.objects.filter(**key, version__lte=case.version).update(
        version=case.version, made_at=now, body=body
    ):
        return
    try:
        with transaction.atomic():
            PublicView.objects.create(**key, version=case.version, made_at=now, body=body)
    except IntegrityError:
        pass  # stored meanwhile by another request, for this version or a newer one
