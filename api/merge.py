"""并单 and 拆分 over the JSON API (issue 21): staff moves like api.dispatch's. Mounted on the API by
api.rest (mount()); the domain is cases.merging.

Errors: 401 without a token, 403 for a role that may not merge (intake only), 404 for a case the
caller may not see (or none), 409 from a stage that cannot be merged or split (or a move that lost
to another), 422 for a bad body or a refused merge (no such parent, itself, a merged or finished
parent, a case others were merged into)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import Field

from cases import access, merging, workflow
from cases.errors import CaseNotFound
from cases.workflow import Action

from .dispatch import ERRORS, _moved, token_auth
from .schemas import MoveOut, Strict


class MergeIn(Strict):
    into: str = Field(description="诉求编号 of the case to merge this one into (the parent)")
    note: str = Field("", description="并单说明 (optional); the resident sees it")


class UnmergeIn(Strict):
    reason: str = Field(description="拆分原因; the resident sees it")


def merge_case(request, number: str, payload: MergeIn):
    """并单 (intake): this open case is handled as part of another open case from now on."""
    case = access.case_for_staff(request.auth, number)
    workflow.check_move(case, Action.MERGE, by=request.auth)
    try:
        parent = access.case_for_staff(request.auth, payload.into)
    except CaseNotFound:
        raise ValidationError(
            {"into": [_("找不到编号为 %(number)s 的诉求。") % {"number": payload.into[:32]}]}
        ) from None
    return _moved(case, merging.merge(case, into=parent, by=request.auth, note=payload.note))


def unmerge_case(request, number: str, payload: UnmergeIn):
    """拆分 (intake): undo a wrong merge; the case gets back the stage it had."""
    case = access.case_for_staff(request.auth, number)
    return _moved(case, merging.unmerge(case, by=request.auth, reason=payload.reason))


def mount(api) -> None:
    """Add the merge operations to `api`."""
    api.post(
        "/cases/{number}/merge",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="并单 merge into another case",
    )(merge_case)
    api.post(
        "/cases/{number}/unmerge",
        response={200: MoveOut, **ERRORS},
        auth=token_auth,
        tags=["staff"],
        summary="拆分 undo a merge",
    )(unmerge_case)
