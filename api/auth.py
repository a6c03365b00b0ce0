"""Bearer tokens for the staff API: issued for a username and password, stored only as a SHA-256 digest."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate
from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken

# last_used_at is for auditing, not billing: writing it on every call would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(request, *, username: str, password: str) -> tuple[str, ApiToken] | None:
    """Return a new token (and its row) for valid credentials of an active user, else None.

    Failures are counted by django-axes like those of the sign-in pages (username + address); once
    locked out, its middleware answers 429 instead of this endpoint's 401.
    """
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, key_hash=digest(token))
    return token, row


def revoke_token(token: str) -> None:
    ApiToken.objects.filter(key_hash=digest(token)).delete()


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>; the user becomes request.auth (and request.user)."""

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        row = ApiToken.objects.select_related("user").filter(key_hash=digest(token)).first()
        now = timezone.now()
        if row is None or not row.is_valid(now):
            return None
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user
