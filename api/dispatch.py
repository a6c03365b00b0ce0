"""Dispatch operations of the JSON API (issue 22): 改派, 派单异议 and the ruling, 协办 reports. Mounted
on the API by api.rest (mount()); the domain is cases.dispatching and cases.cohandling."""

import json
from datetime import datetime

import pydantic
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from cases import access, cohandling, dispatching, selectors
from cases.errors import CaseNotFound
from cases.models import Department, Dispute, ResponsibilityItem
from security import bounds

from . import presenters
from .auth import TokenAuth
from .schemas import ErrorOut, MoveOut, Strict

token_auth = TokenAuth()
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ReassignIn(Strict):
    department: str = Field(description="部门代码 of the department to take the case, see GET /departments")
    reason: str = Field(description="改派原因; the resident sees it")


def _department(code: str) -> Department | None:
    department = selectors.active_by_code(Department, code)
    if department is None and code:
        raise ValidationError({"department": [_("没有代码为“%(code)s”的责任部门。") % {"code": code[:32]}]})
    return department


def departments_by_code(codes: list[str]) -> list[Department]:
    """The active departments of these codes; an unknown code is a 422 naming it."""
    departments = []
    unknown = []
    for code in codes:
        department = selectors.active_by_code(Department, code)
        if department is None:
            unknown.append(code[:32])
        else:
            departments.append(department)
    if unknown:
        raise ValidationError(
            {"co_departments": [_("没有代码为“%(code)s”的责任部门。") % {"code": "、".join(unknown)}]}
        )
    return departments


def _moved(case, event) -> dict:
    data = presenters.progress_data(selectors.public_progress(case))
    data["event"] = presenters.event_data(event)
    return data


def reassign_case(request, number: str, payload: ReassignIn):
    """改派 (intake): a dispatched or handling case goes to another department, with a reason."""
    case = access.case_for_staff(request.auth, number)
    department = _department(payload.department)
    return _moved(
        case, dispatching.reassign(case, by=request.auth, department=department, reason=payload.reason)
    )


def mount(api) -> None:
    """Add the dispatch operations to `api`."""
    api.post(
        "/cases/{number}/reassign",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="改派 reassign to another department",
    )(reassign_case)
    mount_disputes(api)
    api.post(
        "/cases/{number}/contributions",
        response={201: MoveOut, **ERRORS, 415: ErrorOut},
        auth=token_auth,
        tags=["staff"],
        summary="协办 a co-handling department reports its part (JSON, or multipart with photos)",
        openapi_extra=_CONTRIBUTION_BODY,
    )(contribute)


class ContributionIn(Strict):
    note: str = Field(
        description="协办情况: what the department did (staff see it; the public sees 协办部门…已办理)"
    )


_CONTRIBUTION_SCHEMA = ContributionIn.model_json_schema()
_CONTRIBUTION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _CONTRIBUTION_SCHEMA},
            "multipart/form-data": {
                "schema": {
                    **_CONTRIBUTION_SCHEMA,
                    "title": "ContributionMultipart",
                    "properties": {
                        **_CONTRIBUTION_SCHEMA["properties"],
                        "photos": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "协办照片, JPEG/PNG/WebP, at most 6",
                        },
                    },
                }
            },
        },
    }
}


def _contribution_input(request) -> tuple[ContributionIn, list]:
    if request.content_type == "application/json":
        if not bounds.json_depth(request.body):
            raise HttpError(400, "nested too deeply")
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise HttpError(400, "bad json") from exc
        if not isinstance(data, dict):
            raise HttpError(400, "not an object")
        files: list = []
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data = request.POST.dict()
        extra = set(request.FILES) - {"photos"}
        if extra:
            raise ValidationError({name: [_("不支持此字段。")] for name in sorted(extra)})
        files = request.FILES.getlist("photos")
    else:
        raise HttpError(415, _("请以 application/json 或 multipart/form-data 提交。"))
    try:
        return ContributionIn.model_validate(data), files
    except pydantic.ValidationError as exc:
        from .rest import pydantic_errors

        raise ValidationError(pydantic_errors(exc.errors())) from exc


def contribute(request, number: str):
    """协办 (a handler of a co-handling department that has not reported yet): `note`, and
    optional `photos` with multipart. Once per department: a second report is a 409."""
    case = access.case_for_staff(request.auth, number)
    payload, files = _contribution_input(request)
    event = cohandling.contribute(case, by=request.auth, note=payload.note, photo_files=files)
    return Status(201, _moved(case, event))


class DisputeIn(Strict):
    reason: str = Field(description="异议理由")
    item: int | None = Field(
        None, description="id of the 派单目录 item relied on; without one the dispute is marked"
    )


class DisputeOut(Schema):
    id: int
    case: str
    department: str
    reason: str
    item: int | None
    cites_item: bool
    status: str
    raised_at: datetime
    ruling_due_at: datetime | None


class RulingIn(Strict):
    upheld: bool = Field(description="true: 维持原派单; false: 异议成立, reassigned to `department`")
    department: str = Field("", description="部门代码 when not upheld; default: the cited item's department")
    note: str = Field(description="裁定意见; the resident sees it")
    amend_list: bool = Field(
        False, description="when not upheld: add a list item for the case's category and community"
    )


def _dispute_data(dispute: Dispute) -> dict:
    return {
        "id": dispute.pk,
        "case": dispute.case.number,
        "department": dispute.department.code,
        "reason": dispute.reason,
        "item": dispute.item_id,
        "cites_item": dispute.cites_item,
        "status": dispute.status,
        "raised_at": presenters.local(dispute.raised_at),
        "ruling_due_at": presenters.local(dispute.case.due_at) if dispute.case.due_at else None,
    }


def dispute_case(request, number: str, payload: DisputeIn):
    """派单异议 (a handler of the department that has the case)."""
    case = access.case_for_staff(request.auth, number)
    item = None
    if payload.item is not None:
        item = ResponsibilityItem.objects.filter(pk=payload.item).first()
        if item is None:
            raise ValidationError({"item": [_("没有这条派单目录事项。")]})
    dispute = dispatching.dispute(case, by=request.auth, reason=payload.reason, item=item)
    dispute.case = case
    return Status(201, _dispute_data(dispute))


def rule_dispute(request, dispute_id: int, payload: RulingIn):
    """异议裁定 (a supervisor)."""
    dispute = Dispute.objects.select_related("case", "item__department").filter(pk=dispute_id).first()
    if dispute is None:
        raise CaseNotFound(_("没有这份派单异议。"))
    try:
        case = access.case_for_staff(request.auth, dispute.case.number)
    except CaseNotFound:
        # The same answer as for no such dispute: a dispute one may not see does not exist.
        raise CaseNotFound(_("没有这份派单异议。")) from None
    dispute.case = case
    department = _department(payload.department)
    event = dispatching.rule(
        dispute,
        by=request.auth,
        upheld=payload.upheld,
        note=payload.note,
        department=department,
        amend_list=payload.amend_list,
    )
    return _moved(case, event)


def mount_disputes(api) -> None:
    api.post(
        "/cases/{number}/disputes",
        response={201: DisputeOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="派单异议 dispute the dispatch",
    )(dispute_case)
    api.post(
        "/disputes/{dispute_id}/ruling",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="异议裁定 rule on a dispute",
    )(rule_dispute)
