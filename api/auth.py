"""Bearer tokens for the staff API: issued for a username and password, stored only as a SHA-256 digest."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils import timezone
from ninja.security import HttpBearer

from .models import ApiToken

# last_used_at is for auditing, not billing: writing it on every call would turn reads into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Failed sign-ins per username before the token endpoint stops answering for a while.
MAX_FAILED_LOGINS = 10
FAILED_LOGIN_WINDOW = 15 * 60


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _failures_key(username: str) -> str:
    return f"minsheng:api-login-failures:{digest(username.casefold())}"


def too_many_failures(username: str) -> bool:
    return cache.get(_failures_key(username), 0) >= MAX_FAILED_LOGINS


def issue_token(request, *, username: str, password: str) -> str | None:
    """Return a new token for valid credentials of an active user, else None."""
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        key = _failures_key(username)
        if not cache.add(key, 1, timeout=FAILED_LOGIN_WINDOW):
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, timeout=FAILED_LOGIN_WINDOW)
        return None
    cache.delete(_failures_key(username))
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=digest(token))
    return token


def revoke_token(token: str) -> None:
    ApiToken.objects.filter(key_hash=digest(token)).delete()


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>; the user becomes request.auth (and request.user)."""

    def authenticate(self, request, token: str):
        if not token or len(token) > 200:
            return None
        row = ApiToken.objects.select_related("user").filter(key_hash=digest(token)).first()
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user
