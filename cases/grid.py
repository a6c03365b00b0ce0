"""The community and grid level (街道 → 社区 → 网格员): community work stations as handling units,
and grid workers assigned by building. Knows nothing of HTTP.

- A work station (社区工作站) is a Department with a `community`: it handles only that community's
  cases, so dispatch offers it only for them (`departments_for`) and refuses it for others.
- A grid worker (网格员, role `grid_worker`) belongs to a station (StaffProfile.department) and
  looks after buildings of its community (`GridAssignment`). A case dispatched to a station goes to
  the grid worker of the building its address names (`worker_for`); the station's handler or intake
  may give it to another of the station's grid workers (Action.ASSIGN_GRID). A grid worker is a
  handler of their station for their own cases only (roles.grid_handles).

Buildings are read as triage.addresses reads them (3栋, 3号楼, 三幢 and 3-2-502 are all building
"3"); that module is pure text handling, the one piece of another app the domain uses.
"""

from collections import OrderedDict

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import idempotency, roles, workflow
from .models import Case, CaseEvent, Community, Department, GridAssignment
from .roles import Actor
from .workflow import Action


def building_of(address: str) -> str:
    """The building an address names, normalised ("3", "b"); "" when it names none."""
    from triage.addresses import parse

    return parse(address or "").building


def is_station(department: Department | None) -> bool:
    return department is not None and department.community_id is not None


def departments_for(case: Case) -> QuerySet[Department]:
    """The active departments that may handle `case`: the sub-district's departments, and the work
    stations of the case's own community."""
    return Department.objects.filter(is_active=True).filter(
        Q(community__isnull=True) | Q(community_id=case.community_id)
    )


def check_handling_unit(case: Case, department: Department) -> None:
    """Refuse a community work station for a case of another community."""
    if department.community_id is not None and department.community_id != case.community_id:
        raise ValidationError(
            _("%(station)s只办理%(community)s的诉求,不能办理这件%(other)s的诉求。")
            % {
                "station": department.name,
                "community": department.community.name if department.community else "",
                "other": case.community.name,
            }
        )


def grid_workers(department: Department | None) -> QuerySet[User]:
    """The active grid workers of a work station."""
    if not is_station(department):
        return User.objects.none()
    return User.objects.filter(
        is_active=True, groups__name=roles.GRID_WORKER, staff_profile__department=department
    ).order_by("first_name", "username")


def worker_for(case: Case, department: Department | None) -> User | None:
    """The grid worker of the building `case`'s address names, when `department` is the work
    station of the case's community and one of its grid workers looks after that building."""
    if not is_station(department) or department is None or department.community_id != case.community_id:
        return None
    building = building_of(case.address)
    if not building:
        return None
    row = (
        GridAssignment.objects.filter(
            community_id=case.community_id, building=building, user__in=grid_workers(department)
        )
        .select_related("user")
        .first()
    )
    return row.user if row is not None else None


def assign_building(*, user: User, community: Community, building_text: str) -> GridAssignment:
    """Give a building of a community to a grid worker (the admin and the demo data use this)."""
    building = building_of(building_text)
    if not building:
        raise ValidationError({"building_text": [_("请写明楼栋,例如“3栋”或“3号楼”。")]})
    if not roles.has_role(user, roles.GRID_WORKER):
        raise ValidationError({"user": [_("只能把楼栋分给网格员。")]})
    row, _created = GridAssignment.objects.update_or_create(
        community=community,
        building=building,
        defaults={"user": user, "building_text": building_text.strip()},
    )
    return row


def assign(case: Case, *, by: Actor, worker: User | None) -> CaseEvent:
    """指派网格员: the station's handler (or intake) gives the station's case to one of its grid
    workers. The public timeline names the grid worker, as it names every member of staff."""
    from .services import stored_language

    workflow.check_move(case, Action.ASSIGN_GRID, by=by)
    if not is_station(case.department):
        raise ValidationError({"worker": [_("只有派给社区工作站的诉求才能指派网格员。")]})
    if worker is None or not grid_workers(case.department).filter(pk=worker.pk).exists():
        raise ValidationError(
            {
                "worker": [
                    _("请选择%(station)s的网格员。")
                    % {"station": case.department.name if case.department else ""}
                ]
            }
        )
    if worker.pk == case.grid_worker_id:
        raise ValidationError({"worker": [_("此诉求已经由这位网格员办理。")]})
    with stored_language():
        note = _("由网格员%(name)s办理") % {"name": roles.display_name(worker)}
    return workflow.transition(case, Action.ASSIGN_GRID, by=by, public_note=note, grid_worker=worker)


def today(user: Actor) -> "OrderedDict[str, list[Case]]":
    """A grid worker's open cases, by building (then the ones with an appointment today first)."""
    from .access import visible_cases

    if not roles.has_role(user, roles.GRID_WORKER):
        return OrderedDict()
    cases = [
        c for c in visible_cases(user).order_by("appointment_at", "submitted_at") if workflow.awaits_visit(c)
    ]
    local_today = timezone.localdate()
    cases.sort(
        key=lambda c: (
            building_of(c.address) or "~",
            not (c.appointment_at and timezone.localtime(c.appointment_at).date() == local_today),
            c.appointment_at or c.submitted_at,
        )
    )
    grouped: OrderedDict[str, list[Case]] = OrderedDict()
    for case in cases:
        building = building_of(case.address)
        label = _("%(building)s栋") % {"building": building.upper()} if building else _("未写明楼栋")
        grouped.setdefault(label, []).append(case)
    return grouped


def complete_once(
    claim: idempotency.Claim | None, case: Case, *, by: Actor, explanation: str, before=(), after=()
) -> tuple[Case, bool]:
    """办理完成 from the street: a completion sent again with the same idempotency key (a dropped
    connection, a second tap) answers with the case the first one completed instead of completing
    twice or failing. Returns (case, replayed). The key is stored in the completion's transaction
    (cases.idempotency), so a completed case always has its key and a stored key always its
    completion; the same key with another body is KeyReused."""
    from django.db import IntegrityError, transaction

    from . import services

    if claim is not None:
        done = idempotency.existing(claim)
        if done is not None:
            return done, True
    try:
        with transaction.atomic():
            services.complete(case, by=by, explanation=explanation, before=before, after=after)
            if claim is not None:
                idempotency.record(claim, case, now=timezone.now())
    except IntegrityError:
        # The same key committed first (a retry that overtook this request): ours rolled back.
        done = idempotency.existing(claim) if claim is not None else None
        if done is None:
            raise
        return done, True
    return case, False
