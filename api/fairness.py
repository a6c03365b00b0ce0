"""诉求性质/紧急程度 and 不合理诉求 operations of the JSON API (issue 24). Mounted on the API by api.rest
(mount()); the domain is cases.classifying and cases.fairness."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Schema, Status
from pydantic import Field

from cases import access, classifying, fairness, selectors
from cases.models import UnreasonableMark, UnreasonableReason

from . import presenters
from .auth import TokenAuth
from .schemas import CodeName, ErrorOut, MoveOut, Strict

token_auth = TokenAuth()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ClassifyIn(Strict):
    type: Literal["complaint", "help", "enquiry", "suggestion"] = Field(
        description="诉求性质: 投诉 complaint, 求助 help, 咨询 enquiry, 建议 suggestion"
    )
    priority: Literal["urgent", "high", "normal"] = Field(
        description="紧急程度: 应急 urgent (first in every queue, clock hours, the department told at once), "
        "重点 high, 常规 normal"
    )
    note: str = Field("", description="说明 (staff only)")


class SuggestionOut(Schema):
    type: str
    type_label: str
    priority: str
    priority_label: str
    because: list[str] = Field(description="the words (or the category) the suggestion rests on")


class MarkIn(Strict):
    kind: Literal["unreasonable", "duplicate"] = Field(description="不合理诉求 or 重复诉求")
    reason: str = Field("", description="code of a reason from GET /unreasonable-reasons (kind unreasonable)")
    duplicate_of: str = Field("", description="诉求编号 of the case this one repeats (kind duplicate)")
    note: str = Field("", description="说明 (staff only)")


class DecisionIn(Strict):
    note: str = Field("", description="意见; required when declining")


class MarkOut(Schema):
    id: int
    case: str
    kind: str
    reason: CodeName | None
    duplicate_of: str | None
    note: str
    status: Literal["pending", "signed_off", "declined"]
    marked_by: str
    marked_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    excluded_from_rates: bool = Field(description="true once signed off: out of the departments' rates")


def _mark_data(mark: UnreasonableMark, case) -> dict:
    def who(user):
        return (user.get_full_name() or user.get_username()) if user is not None else None

    return {
        "id": mark.pk,
        "case": case.number,
        "kind": mark.kind,
        "reason": presenters.code_name(mark.reason),
        "duplicate_of": mark.duplicate_of.number if mark.duplicate_of_id else None,
        "note": mark.note,
        "status": mark.status,
        "marked_by": who(mark.marked_by),
        "marked_at": presenters.local(mark.marked_at),
        "decided_by": who(mark.decided_by),
        "decided_at": presenters.local(mark.decided_at),
        "decision_note": mark.decision_note,
        "excluded_from_rates": case.excluded_from_rates,
    }


def classify_case(request, number: str, payload: ClassifyIn):
    """诉求性质 and 紧急程度 (intake), while the case is open; a staff-only event."""
    case = access.case_for_staff(request.auth, number)
    try:
        event = classifying.classify(
            case, by=request.auth, request_type=payload.type, priority=payload.priority, note=payload.note
        )
    except ValidationError as exc:
        raise ValidationError(
            {("type" if k == "request_type" else k): v for k, v in exc.message_dict.items()}
        ) from None
    data = presenters.progress_data(selectors.public_progress(case))
    data["event"] = presenters.event_data(event)
    return data


def suggested_classification(request, number: str):
    """What the category and the resident's words suggest (intake); only a suggestion, never applied."""
    case = access.case_for_staff(request.auth, number)
    classifying.check_may_classify(case, by=request.auth)
    suggestion = classifying.suggestion_for(case)
    return {
        "type": suggestion.request_type,
        "type_label": suggestion.request_type_label,
        "priority": suggestion.priority,
        "priority_label": suggestion.priority_label,
        "because": list(suggestion.because),
    }


def list_reasons(request):
    """The reasons intake may give for 不合理诉求 (kept in the admin)."""
    return [presenters.code_name(r) for r in UnreasonableReason.objects.filter(is_active=True)]


def mark_case(request, number: str, payload: MarkIn):
    """标记不合理诉求 or 重复诉求 (intake); a supervisor signs it off."""
    case = access.case_for_staff(request.auth, number)
    reason = None
    if payload.kind == "unreasonable" and payload.reason:
        reason = UnreasonableReason.objects.filter(code=payload.reason, is_active=True).first()
        if reason is None:
            raise ValidationError(
                {"reason": [_("没有代码为“%(code)s”的原因。") % {"code": payload.reason[:32]}]}
            )
    mark = fairness.mark(
        case,
        by=request.auth,
        kind=payload.kind,
        reason=reason,
        duplicate_of=payload.duplicate_of,
        note=payload.note,
    )
    return Status(201, _mark_data(mark, case))


def sign_off_case(request, number: str, payload: DecisionIn):
    """确认 the pending mark (a supervisor, not the one who marked it)."""
    case = access.case_for_staff(request.auth, number)
    mark = fairness.sign_off(case, by=request.auth, note=payload.note)
    return _mark_data(mark, case)


def decline_case(request, number: str, payload: DecisionIn):
    """不确认 the pending mark, with a reason (a supervisor, not the one who marked it)."""
    case = access.case_for_staff(request.auth, number)
    mark = fairness.decline(case, by=request.auth, note=payload.note)
    return _mark_data(mark, case)


def mount(api) -> None:
    """Add the operations to `api`."""
    api.post(
        "/cases/{number}/classify",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="诉求性质和紧急程度 set the type and priority",
    )(classify_case)
    api.get(
        "/cases/{number}/classify",
        response={200: SuggestionOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="the suggested type and priority (not applied)",
    )(suggested_classification)
    api.get(
        "/unreasonable-reasons",
        response={200: list[CodeName], 401: ErrorOut},
        auth=token_auth,
        tags=["staff"],
        summary="不合理诉求的原因 the list of reasons",
    )(list_reasons)
    api.post(
        "/cases/{number}/unreasonable",
        response={201: MarkOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="标记不合理诉求 mark unreasonable or a duplicate",
    )(mark_case)
    api.post(
        "/cases/{number}/unreasonable/sign-off",
        response={200: MarkOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="确认不合理诉求 sign off the pending mark",
    )(sign_off_case)
    api.post(
        "/cases/{number}/unreasonable/decline",
        response={200: MarkOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="不确认不合理诉求 decline the pending mark",
    )(decline_case)
