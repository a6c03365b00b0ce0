"""The `Idempotency-Key` header of POST /api/v1/cases and Open311's POST requests.

An `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header) is optional: with it, a
retry with the same key and the same body answers 201 with the case the first request made (and
`Idempotent-Replayed: true`) instead of making a second one; the same key with another body is a
422; a malformed key a 400. Keys are scoped to the token's user, or shared by all anonymous
clients, and live SUBMISSION_KEY_TTL_HOURS (see cases.idempotency).
"""

import json

from cases import idempotency

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


def idempotency_key(request) -> str | None:
    """The request's Idempotency-Key, None without one; InvalidKey (a 400) when malformed."""
    raw = request.headers.get(HEADER)
    return None if raw is None else idempotency.parse_key(raw)


def scope_of(user, channel: str = "api") -> str:
    """Whose keys these are: the token's user, or every anonymous client of the channel together."""
    return f"{channel}:user:{user.pk}" if user is not None else f"{channel}:anonymous"


def claim(request, key: str | None, scope: str) -> idempotency.Claim | None:
    """The key with the fingerprint of the request's body (already parsed and checked by the caller)."""
    if key is None:
        return None
    if request.content_type == "application/json":
        fields, files = json.loads(request.body), {}
    else:
        fields = {name: request.POST.getlist(name) for name in request.POST}
        files = {name: request.FILES.getlist(name) for name in request.FILES}
    return idempotency.Claim(scope=scope, key=key, fingerprint=idempotency.fingerprint(fields, files))
