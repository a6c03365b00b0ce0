"""主办 / 协办: a case dispatched to a lead department (主办, `case.department`) with co-handling
departments (协办部门, `CoHandling` rows). Each co-handler records its part once (a note and
photos, Action.CONTRIBUTE); the lead completes the case only when every co-handler has reported,
or a supervisor has waived one (Action.WAIVE_COHANDLER). Knows nothing of HTTP.

What other moves do to the co-handlers (docs/dispatch.md): 退单 clears them (the next dispatch names
them again); 改派 and an accepted ruling keep them, except the department that now leads, whose
row goes (the lead cannot co-handle its own case); reopening (重办) keeps them as they are.
"""

from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import photos, roles, workflow
from .errors import Conflict, InvalidMove
from .models import Attachment, Case, CaseEvent, CoHandling, Department
from .roles import Actor
from .validation import MAX_DESCRIPTION, MAX_REASON, clean_text
from .workflow import Action

# More than this many co-handlers is not a dispatch but a meeting.
MAX_CO_DEPARTMENTS = 5
MAX_PHOTOS = 6


def co_handlings(case: Case) -> QuerySet[CoHandling]:
    return CoHandling.objects.filter(case_id=case.pk).select_related("department", "reported_by", "waived_by")


def unsettled(case: Case) -> list[CoHandling]:
    """The co-handlers the lead still waits for: neither reported nor waived."""
    return [row for row in co_handlings(case) if not row.is_settled]


def row_of(user: Actor, case: Case) -> CoHandling | None:
    """The co-handling row of the user's department on `case`, if it has one."""
    department = roles.department_of(user)
    if department is None:
        return None
    return co_handlings(case).filter(department_id=department).first()


def clean_co_departments(case: Case, lead: Department | None, chosen) -> list[Department]:
    """The co-handling departments chosen at dispatch, checked: active, at most MAX_CO_DEPARTMENTS,
    not the lead itself, and a community work station only of the case's community."""
    from . import grid

    departments: list[Department] = []
    for department in chosen or ():
        if department is not None and department not in departments:
            departments.append(department)
    if not departments:
        return []
    problems = []
    if lead is not None and any(d.pk == lead.pk for d in departments):
        problems.append(
            _("主办部门%(name)s不能同时作为协办部门,请取消勾选或另选主办部门。") % {"name": lead.name}
        )
    inactive = [d.name for d in departments if not d.is_active]
    if inactive:
        problems.append(_("这些部门已停用,不能协办:%(names)s。") % {"names": "、".join(inactive)})
    for department in departments:
        try:
            grid.check_handling_unit(case, department)
        except ValidationError as exc:
            problems.extend(exc.messages)
    if len(departments) > MAX_CO_DEPARTMENTS:
        problems.append(_("协办部门最多 %(count)d 个。") % {"count": MAX_CO_DEPARTMENTS})
    if problems:
        raise ValidationError(problems)
    return departments


def co_note(departments: list[Department]) -> str:
    """The dispatch event's public note naming the co-handlers (call in the stored language)."""
    if not departments:
        return ""
    return _("协办部门:%(names)s") % {"names": "、".join(d.name for d in departments)}


def add(case: Case, departments: list[Department], *, now: datetime) -> None:
    """Write the co-handling rows of a dispatch (inside its transition)."""
    CoHandling.objects.bulk_create(
        [
            CoHandling(case=case, department=d, assigned_at=now)
            for d in departments
            if d.pk != case.department_id
        ]
    )


def clear(case: Case) -> None:
    """退单: the co-handlers go with the lead (their reported parts stay in the timeline)."""
    CoHandling.objects.filter(case_id=case.pk).delete()


def now_leads(case: Case, department: Department) -> None:
    """改派 or a ruling made `department` the lead: it is no longer a co-handler of the case."""
    CoHandling.objects.filter(case_id=case.pk, department=department).delete()


def check_all_reported(case: Case) -> None:
    """Raise (a message naming them) while a co-handler has neither reported nor been waived."""
    waiting = unsettled(case)
    if waiting:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _(
                        "还不能办结:以下协办部门还没有报告办理情况:%(names)s。"
                        "请等协办部门报告,或请督办领导免于其报告。"
                    )
                    % {"names": "、".join(row.department.name for row in waiting)}
                ]
            }
        )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment, timezone.get_default_timezone()), "Y-m-d H:i")


def contribute(case: Case, *, by: Actor, note: str, photo_files=()) -> CaseEvent:
    """协办: a handler of a co-handling department records its part, once: a note (staff see it)
    and optional photos; the public timeline says 协办部门…已办理."""
    from .services import attach_photos, stored_language

    mine = row_of(by, case)
    if mine is not None and mine.is_settled and roles.has_role(by, roles.HANDLER):
        if mine.reported_at is not None:
            raise InvalidMove(
                _("%(department)s已于 %(at)s 报告过协办情况,不能重复报告。")
                % {"department": mine.department.name, "at": _when(mine.reported_at)}
            )
        raise InvalidMove(
            _("督办领导已免除%(department)s的协办报告。") % {"department": mine.department.name}
        )
    workflow.check_move(case, Action.CONTRIBUTE, by=by)
    assert mine is not None  # may() found the user's unsettled row
    errors: dict[str, list[str]] = {}
    try:
        note = clean_text(note, label=_("协办情况"), max_length=MAX_DESCRIPTION)
    except ValidationError as exc:
        errors["note"] = exc.messages
    files = [f for f in photo_files if f]
    processed = []
    if files:
        try:
            processed = photos.process_photos(files, field_label=_("协办照片"), max_count=MAX_PHOTOS)
        except ValidationError as exc:
            errors["photos"] = exc.messages
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    department = mine.department
    with stored_language():
        public = _("协办部门%(department)s已办理") % {"department": department.name}
        private = _("协办情况:%(note)s") % {"note": note}
    stored: list[str] = []
    account = workflow.account(by)

    def record(event: CaseEvent) -> None:
        reported = CoHandling.objects.filter(
            pk=mine.pk, reported_at__isnull=True, waived_at__isnull=True
        ).update(reported_at=now, note=note, reported_by=account)
        if reported != 1:
            raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))
        stored.extend(attach_photos(case, Attachment.Kind.CONTRIBUTION, processed, co_handling=mine, now=now))

    try:
        return workflow.transition(
            case, Action.CONTRIBUTE, by=by, at=now, public_note=public, private_note=private, record=record
        )
    except Exception:
        photos.delete_stored(stored)
        raise


def waive(case: Case, *, by: Actor, co_handling: CoHandling | None, reason: str) -> CaseEvent:
    """A supervisor lets the lead complete without this co-handler's report (staff-only)."""
    from .services import stored_language

    workflow.check_move(case, Action.WAIVE_COHANDLER, by=by)
    errors: dict[str, list[str]] = {}
    if co_handling is None or co_handling.case_id != case.pk:
        errors["co_handling"] = [_("请选择还没有报告的协办部门。")]
    elif co_handling.is_settled:
        errors["co_handling"] = [
            _("%(department)s已经报告或已被免除,不需要再免除。") % {"department": co_handling.department.name}
        ]
    try:
        reason = clean_text(reason, label=_("免报原因"), max_length=MAX_REASON)
    except ValidationError as exc:
        errors["reason"] = exc.messages
    if errors or co_handling is None:
        raise ValidationError(errors)
    now = timezone.now()
    account = workflow.account(by)
    with stored_language():
        private = _("免除%(department)s的协办报告,原因:%(reason)s") % {
            "department": co_handling.department.name,
            "reason": reason,
        }

    def record(event: CaseEvent) -> None:
        waived = CoHandling.objects.filter(
            pk=co_handling.pk, reported_at__isnull=True, waived_at__isnull=True
        ).update(waived_at=now, waived_by=account, waived_reason=reason)
        if waived != 1:
            raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))

    return workflow.transition(
        case, Action.WAIVE_COHANDLER, by=by, at=now, is_public=False, private_note=private, record=record
    )


def public_view(case: Case) -> list[dict]:
    """What anyone may see of the co-handlers: the department, and whether it has reported."""
    return [
        {"code": row.department.code, "name": row.department.name, "reported": row.is_reported}
        for row in co_handlings(case)
    ]
