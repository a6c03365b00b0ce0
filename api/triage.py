"""POST /api/v1/triage: the categories a description most likely belongs to and the open cases it
likely repeats (issue 21), for other channels and for testing. The domain is triage.suggest and
triage.matching; this module only checks the input and decides what each caller may see.

Anonymous callers (no Authorization header) are counted against the public lookup limit and see of
each likely duplicate only its number, score and the reasons that name nothing of another
resident's: the phone they send is not compared at all (a "同一电话" answer, or the score it adds,
would tell whether a number has reported something). Staff with a bearer token are not throttled;
their phone is compared, and of the duplicates they may open (cases.access) they also get the
category, community, stage and date.
"""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import AuthenticationError
from pydantic import Field

from cases import access, selectors
from cases.models import Community, State
from cases.validation import MAX_ADDRESS, MAX_DESCRIPTION, clean_text
from security import responses as refusals
from security.ratelimit import limit
from triage import matching, suggest

from . import presenters
from .auth import TokenAuth
from .schemas import CodeName, ErrorOut, Strict

token_auth = TokenAuth()
router = Router(tags=["triage"])

# The reasons anyone may read: they say only how the caller's own words and address compare.
# Anything else the matcher says (同一电话, or a reason added later) is for staff only.
PUBLIC_REASONS = ("community", "unit", "building", "place", "text", "sound")
MAX_PHONE = 32


class TriageIn(Strict):
    description: str = Field(
        description="诉求描述 or a voice note's transcript, at most 4000 characters",
        max_length=MAX_DESCRIPTION,
    )
    community: str = Field("", description="社区代码 (GET /communities); without it, no duplicates")
    address: str = Field("", description="详细地址, e.g. 3栋2单元5楼", max_length=MAX_ADDRESS)
    phone: str = Field("", description="联系电话; compared only for staff callers", max_length=MAX_PHONE)


class SuggestedCategoryOut(CodeName):
    score: float = Field(description="0–1, comparable between categories")
    reasons: list[str] = Field(description="the words of the description that decided it")


class DuplicateOut(Strict):
    number: str = Field(description="诉求编号")
    score: float = Field(description="0–1; each one listed is at least 0.5 (likely the same problem)")
    reasons: list[str] = Field(
        description="e.g. 同一社区, 同一楼栋单元, 描述相似, 读音相似 (同一电话: staff only)"
    )
    # Staff only, for the cases they may open (absent otherwise):
    category: CodeName | None = Field(None, description="staff only")
    community: CodeName | None = Field(None, description="staff only")
    stage: str | None = Field(None, description="staff only")
    stage_label: str | None = Field(None, description="staff only")
    state: str | None = Field(None, description="staff only")
    state_label: str | None = Field(None, description="staff only")
    submitted_at: datetime | None = Field(None, description="staff only")
    url: str | None = Field(None, description="staff only: the public progress page")


class TriageOut(Strict):
    categories: list[SuggestedCategoryOut] = Field(description="at most three, best first")
    preselect: str = Field(
        description="the category code a form may pre-select (the first, when confident enough); "
        "empty: pre-select nothing"
    )
    duplicates: list[DuplicateOut] = Field(description="open cases likely the same problem, best first")


def _caller(request):
    """The staff user of the bearer token, or None without an Authorization header; a bad token
    is a 401 (never silently treated as anonymous)."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.partition(" ")
    user = token_auth.authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError()
    return user


def _clean(payload: TriageIn) -> tuple[str, Community | None, str]:
    """The description, the community row and the address, or a ValidationError per field."""
    errors: dict[str, list[str]] = {}
    description = address = ""
    try:
        description = clean_text(payload.description, label=_("诉求描述"), max_length=MAX_DESCRIPTION)
    except DjangoValidationError as exc:
        errors["description"] = list(exc.messages)
    try:
        address = clean_text(payload.address, label=_("详细地址"), max_length=MAX_ADDRESS, required=False)
    except DjangoValidationError as exc:
        errors["address"] = list(exc.messages)
    community = None
    code = payload.community.strip()
    if code:
        community = Community.objects.filter(code=code, is_active=True).first()
        if community is None:
            errors["community"] = [_("没有代码为“%(code)s”的社区。") % {"code": code[:32]}]
    if errors:
        raise DjangoValidationError(errors)
    return description, community, address


def _duplicates(user, *, description: str, community, address: str, phone: str) -> list[dict]:
    if community is None:
        return []

    def find(phone: str) -> list[matching.Match]:
        return matching.likely_duplicates(
            description=description, community=community, address=address, phone=phone
        )

    public = {str(matching.REASONS[key]) for key in PUBLIC_REASONS}
    if user is None:
        found, visible = find(""), set()
    else:
        found = find(phone)
        visible = set(
            access.visible_cases(user).filter(pk__in=[m.case.pk for m in found]).values_list("pk", flat=True)
        )
        same_phone = str(matching.REASONS["phone"])
        if any(same_phone in m.reasons and m.case.pk not in visible for m in found):
            # The phone matched a case this caller may not open: that must not show, not even in
            # the score, so the answer is the one without the phone.
            found = find("")
    rows = []
    for match in found:
        case = match.case
        if case.pk in visible:
            stage = selectors.stage_of(case)
            rows.append(
                {
                    "number": case.number,
                    "score": match.score,
                    "reasons": list(match.reasons),
                    "category": presenters.code_name(case.category),
                    "community": presenters.code_name(case.community),
                    "stage": stage,
                    "stage_label": presenters.stage_label(stage),
                    "state": case.state,
                    "state_label": str(State(case.state).label),
                    "submitted_at": presenters.local(case.submitted_at),
                    "url": presenters.case_url(case),
                }
            )
        else:
            rows.append(
                {
                    "number": case.number,
                    "score": match.score,
                    "reasons": [r for r in match.reasons if r in public],
                }
            )
    return rows


@router.post(
    "/triage",
    response={200: TriageOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    exclude_none=True,
    summary="Suggest categories and find likely duplicates for a description (anonymous or staff)",
)
@limit(
    "lookup",
    methods=["POST"],
    respond=refusals.json,
    exempt=lambda request: "Authorization" in request.headers,
)
def triage(request, payload: TriageIn):
    """Without a token: the public lookup rate limit, and of each duplicate only its number, score
    and reasons (the phone is not compared). With a staff token: no limit, the phone compared, and
    category, community, stage and date of the duplicates the caller may open. Nothing is stored."""
    user = _caller(request)
    description, community, address = _clean(payload)
    suggestions = suggest.suggest_categories(description, community=community)
    chosen = suggest.preselect(suggestions)
    return {
        "categories": [
            {"code": s.category.code, "name": s.category.name, "score": s.score, "reasons": list(s.reasons)}
            for s in suggestions
        ],
        "preselect": chosen.code if chosen is not None else "",
        "duplicates": _duplicates(
            user, description=description, community=community, address=address, phone=payload.phone
        ),
    }
