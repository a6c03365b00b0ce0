"""Dispatch operations of the JSON API (issue 22): 改派, 派单异议 and the ruling. Mounted on the API by
api.rest (mount()); the domain is cases.dispatching."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import Field

from cases import access, dispatching, selectors
from cases.models import Department

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
