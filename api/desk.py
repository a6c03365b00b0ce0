"""Help-desk operations of the JSON API (a desk tablet app, outside checks): submitting for a
resident with a volunteer's or intake officer's token, a resident's cases by full phone number (POST),
appointments and follow-up calls. Mounted on the API by api.rest (mount())."""

from datetime import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import AuthenticationError
from pydantic import Field

from cases import access, helpdesk, roles, selectors, services
from cases.errors import NotAllowed
from cases.models import Score

from . import presenters
from .auth import TokenAuth
from .schemas import ErrorOut, MoveOut, ProgressOut, QueueItemOut, RatingOut, Strict, SubmitIn

token_auth = TokenAuth()
router = Router(tags=["help desk"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class OnBehalfIn(SubmitIn):
    """POST /cases with a volunteer's or intake officer's token: the case is for a resident."""

    community: str = Field("", description="社区代码; defaults to the desk's community")
    phone: str = Field("", description="居民电话; 代办岗可不填 (the desk's phone is then the contact)")
    consent: bool = Field(False, description="居民本人同意代为提交; must be true for help_desk")
    desk: str = Field("", description="代办岗代码; defaults to the volunteer's desk")
    channel: Literal["help_desk", "phone", "walk_in"] | None = Field(
        None, description="help_desk (volunteers, the default for them); phone or walk_in (intake)"
    )


class ResidentCaseOut(QueueItemOut):
    channel: str
    desk: str | None = Field(None, description="代办岗代码")
    progress: str = Field(description="进度,用念给居民听的话说 / the progress in plain words")


class AppointmentIn(Strict):
    appointment_at: datetime = Field(description="预约上门时间, ISO 8601")


class FollowUpIn(Strict):
    reached: bool = Field(description="是否联系上居民")
    solved: bool | None = Field(None, description="问题是否解决")
    score: Literal["satisfied", "basically_satisfied", "dissatisfied"] | None = None
    note: str = ""


class FollowUpOut(Strict):
    reached: bool
    solved: bool | None
    note: str
    at: datetime
    by: str = Field(description="回访人")
    attempt: int = Field(description="第几次回访(本次办理结果)")
    rating: RatingOut | None
    via: str | None = Field(None, description="follow_up: the rating was given on this call")


class FollowedUpOut(ProgressOut):
    follow_up: FollowUpOut


# ---------------------------------------------------------------------------------------------
# POST /cases with a token (called by api.rest.submit_case).


def submitter(request):
    """The user of an optional bearer token on POST /cases; None without an Authorization header
    (the public, exactly as before). A bad token is a 401, a role that may not register a 403."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.partition(" ")
    user = token_auth.authenticate(request, token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError()
    if not helpdesk.may_register(user):
        raise NotAllowed(_("您没有权限代为提交诉求。不带令牌提交即为居民自助提交。"))
    return user


# ---------------------------------------------------------------------------------------------
# POST /phone-lookup: a POST, so that the full number never appears in a URL or an access log.


class PhoneLookupIn(Strict):
    phone: str = Field(max_length=32, description="居民的完整电话号码 (the resident's full phone number)")


@router.post(
    "/phone-lookup",
    response={200: list[ResidentCaseOut], **ERRORS, 429: ErrorOut},
    auth=token_auth,
    tags=["help desk"],
    summary="A resident's cases by their full phone number (volunteers and staff)",
)
def cases_by_phone(request, payload: PhoneLookupIn):
    """A resident's cases by their full phone number, newest first; every case returned is logged."""
    cases = helpdesk.cases_for_phone(request.auth, payload.phone)
    found = []
    for case in cases:
        row = presenters.queue_item(case)
        row["channel"] = case.channel
        row["desk"] = case.desk.code if case.desk_id else None
        row["progress"] = selectors.plain_progress(selectors.public_progress(case))
        found.append(row)
    return found


def _case(request, number: str, via: str):
    case = access.case_for_staff(request.auth, number)
    if roles.has_role(request.auth, roles.VOLUNTEER):
        helpdesk.log_view(request.auth, case, via)
    return case


@router.post("/cases/{number}/appointment", response={200: MoveOut, **ERRORS}, auth=token_auth)
def set_appointment(request, number: str, payload: AppointmentIn):
    """Record the time the resident agreed with the handler (volunteer, intake or the handler)."""
    case = _case(request, number, "api_appointment")
    event = services.set_appointment(case, by=request.auth, appointment_at=payload.appointment_at)
    data = presenters.progress_data(selectors.public_progress(case))
    data["event"] = presenters.event_data(event)
    return data


@router.post("/cases/{number}/follow-ups", response={201: FollowedUpOut, **ERRORS}, auth=token_auth)
def record_follow_up(request, number: str, payload: FollowUpIn):
    """A follow-up call (回访); with a score, the resident's rating, recorded as given by phone."""
    case = _case(request, number, "api_follow_up")
    call = helpdesk.record_follow_up(
        case,
        by=request.auth,
        reached=payload.reached,
        solved=payload.solved,
        score=payload.score or "",
        note=payload.note,
    )
    data = presenters.progress_data(selectors.public_progress(case))
    rating = call.rating
    data["follow_up"] = {
        "reached": call.reached,
        "solved": call.solved,
        "note": call.note,
        "at": presenters.local(call.at),
        "by": roles.display_name(call.by),
        "attempt": call.resolution.follow_ups.filter(id__lte=call.id).count() if call.resolution else 1,
        "rating": (
            {
                "score": rating.score,
                "label": str(Score(rating.score).label),
                "at": presenters.local(rating.at),
            }
            if rating
            else None
        ),
        "via": rating.via if rating else None,
    }
    return Status(201, data)


def mount(api) -> None:
    """Add the help-desk operations to `api`."""
    api.add_router("", router)
