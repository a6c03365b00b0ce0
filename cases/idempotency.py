"""Idempotent submissions: a key sent with a submission makes a retry or a double tap create one case.

The API takes the key from the `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header);
the web forms render one as a hidden field. The key is stored with a fingerprint of the request in
the transaction that creates the case (services.submit_case(submission_key=…)), so an acknowledged
case always has its key and a key always has its case. A later request with the same key:

- and the same fingerprint is a replay: the client is given the case that was created, nothing new;
- and a different fingerprint is refused (KeyReused): the key belongs to another submission.

Two requests with the same key at the same moment both pass the first look-up; the unique
constraint on (scope, key) lets one commit, the other's transaction fails with IntegrityError and
rolls back whole (its case number too, so numbers stay gap-free), and it then reads the winner's
row. Keys live SUBMISSION_KEY_TTL_HOURS (24 h by default); the worker deletes older ones, and an
expired key is free to be used again.
"""

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import InvalidKey, KeyReused
from .models import Case, SubmissionKey

# Printable ASCII without spaces, quotes or backslashes: UUIDs, ULIDs, base64/base64url tokens fit.
# At least 16 characters: anonymous clients share one scope, so a short key would collide.
KEY_RE = re.compile(r"[A-Za-z0-9._~:+/=-]{16,128}")
MAX_KEY = 128
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Claim:
    """A submission's key: whose (`scope`), the key itself, and what was submitted (`fingerprint`)."""

    scope: str
    key: str
    fingerprint: str


def new_key() -> str:
    """A fresh key for a web form (192 random bits)."""
    return secrets.token_urlsafe(24)


def parse_key(raw: str) -> str:
    """The key in an Idempotency-Key header value; raise InvalidKey when it is not acceptable.

    The draft makes the header a Structured Field string ("…"); bare tokens, which most clients
    send, are accepted too.
    """
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not KEY_RE.fullmatch(value):
        raise InvalidKey(
            _("Idempotency-Key 无效:请使用 16 到 128 个字符(字母、数字及 . _ ~ : + / = -),例如一个 UUID。")
        )
    return value


def is_valid_key(value: str) -> bool:
    return bool(KEY_RE.fullmatch(value or ""))


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    if hasattr(upload, "seek"):
        upload.seek(0)
    if hasattr(upload, "chunks"):
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
    else:
        while chunk := upload.read(CHUNK):
            digest.update(chunk)
    if hasattr(upload, "seek"):
        upload.seek(0)  # the photo and voice checks read it again
    return digest.hexdigest()


def fingerprint(fields: Mapping, files: Mapping[str, Iterable] | None = None) -> str:
    """sha256 of the request in a canonical form: the fields with sorted keys, and each uploaded
    file's own sha256 in the order it was sent (names and content types do not count)."""
    canonical = {
        "fields": fields,
        "files": {name: [_file_digest(f) for f in uploads] for name, uploads in (files or {}).items()},
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ttl() -> timedelta:
    return timedelta(hours=settings.SUBMISSION_KEY_TTL_HOURS)


def existing(claim: Claim, *, now: datetime | None = None) -> Case | None:
    """The case created under this key (a replay), None for a new key; KeyReused for another body."""
    now = now or timezone.now()
    row = SubmissionKey.objects.filter(scope=claim.scope, key=claim.key).select_related("case").first()
    if row is None:
        return None
    if row.created_at < now - ttl():
        # Expired: the key may be used for a new submission (the row goes, so the insert can happen).
        SubmissionKey.objects.filter(pk=row.pk, created_at__lt=now - ttl()).delete()
        return None
    if row.fingerprint != claim.fingerprint:
        raise KeyReused(
            _("这个幂等键已用于另一份内容不同的提交;新的提交请使用新的键。"),
            case=row.case,
        )
    return row.case


def case_for_key(scope: str, key: str, *, now: datetime | None = None) -> Case | None:
    """The case a live key made, whatever the body (for a form whose server-side draft is gone)."""
    now = now or timezone.now()
    row = (
        SubmissionKey.objects.filter(scope=scope, key=key, created_at__gte=now - ttl())
        .select_related("case")
        .first()
    )
    return row.case if row is not None else None


def record(claim: Claim, case: Case, *, now: datetime) -> SubmissionKey:
    """Store the key; call it inside the transaction that creates `case`."""
    return SubmissionKey.objects.create(
        scope=claim.scope, key=claim.key, fingerprint=claim.fingerprint, case=case, created_at=now
    )


def submit_once(claim: Claim | None, submit: Callable[..., Case], **fields) -> tuple[Case, bool]:
    """Call `submit(**fields, submission_key=claim)` unless the key already made a case.

    Returns (case, replayed). Without a claim it simply submits.
    """
    if claim is None:
        return submit(**fields), False
    case = existing(claim)
    if case is not None:
        return case, True
    try:
        return submit(**fields, submission_key=claim), False
    except IntegrityError:
        # A request with the same key committed first (our whole transaction rolled back).
        case = existing(claim)
        if case is None:
            raise
        return case, True


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete keys past their lifetime; return how many."""
    now = now or timezone.now()
    deleted, _by_model = SubmissionKey.objects.filter(created_at__lt=now - ttl()).delete()
    return deleted
