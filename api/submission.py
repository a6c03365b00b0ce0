"""What POST /api/v1/cases does for residents and for staff submitting on their behalf alike:
turn codes into rows, collect every error, and create the case or report them all at once.

An `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header) is optional: with it, a
retry with the same key and the same body answers 201 with the case the first request made (and
`Idempotent-Replayed: true`) instead of making a second one; the same key with another body is a
422; a malformed key a 400. Keys are scoped to the token's user, or shared by all anonymous
clients, and live SUBMISSION_KEY_TTL_HOURS (see cases.idempotency).
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja import Status

from cases import idempotency, selectors
from cases.models import Category, Community

from . import presenters


def lookup_codes(data, errors: dict[str, list[str]]):
    """The category and community the client named; unknown codes are added to `errors`."""
    category = selectors.active_by_code(Category, data.category)
    if category is None and data.category:
        errors["category"] = [_("没有代码为“%(code)s”的诉求类型。") % {"code": data.category[:32]}]
    community = selectors.active_by_code(Community, data.community)
    if community is None and data.community:
        errors["community"] = [_("没有代码为“%(code)s”的社区。") % {"code": data.community[:32]}]
    return category, community


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


def create(
    submit,
    data,
    photos,
    *,
    category,
    community,
    errors: dict[str, list[str]],
    submission_key: idempotency.Claim | None = None,
    response=None,
    **extra,
):
    """Call `submit` (a cases service) and answer 201, or raise every field's error together.

    Nothing may be saved once an error is known: without a category the service checks the other
    fields, raises, and writes nothing, so the client gets every message at once. With a
    `submission_key` a repeated key answers with the case it made (`response` gets the header
    saying so).
    """
    try:
        case, replayed = idempotency.submit_once(
            submission_key,
            submit,
            category=None if errors else category,
            community=community,
            address=data.address,
            description=data.description,
            name=data.name,
            phone=data.phone,
            age_band=data.age_band,
            email=data.email.strip(),
            photo_files=photos,
            **extra,
        )
    except DjangoValidationError as exc:
        merged = dict(exc.message_dict)
        if category is not None:
            merged.pop("category", None)
        merged.update(errors)
        raise DjangoValidationError(merged) from exc
    if replayed and response is not None:
        response[REPLAYED] = "true"
    return Status(201, presenters.submitted_data(case))
