"""Roles are Django groups; this module names them and answers "does this user have it"."""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User

# Who makes a move: a signed-in account, an anonymous visitor (request.user), or nobody — the public
# proving the case is theirs with the phone's digits, or the system (a scheduled job).
Actor: TypeAlias = User | AnonymousUser | None

RESIDENT = "resident"
VOLUNTEER = "volunteer"
INTAKE = "intake"
HANDLER = "handler"
SUPERVISOR = "supervisor"
# 网格员: a handler of a community work station for the cases of their buildings (cases.grid).
GRID_WORKER = "grid_worker"
_ROLES_KEY = "_minsheng_roles"
_DESKS_KEY = "_minsheng_desks"
ALL = (RESIDENT, VOLUNTEER, INTAKE, HANDLER, SUPERVISOR, GRID_WORKER)
STAFF = (INTAKE, HANDLER, SUPERVISOR, GRID_WORKER)


def roles_of(user: Actor) -> frozenset[str]:
    """The user's role names, read once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    # Kept on the user object, which lives as long as the request or the job that holds it.
    cached = vars(user).get(_ROLES_KEY)
    if cached is None:
        cached = vars(user)[_ROLES_KEY] = frozenset(user.groups.values_list("name", flat=True))
    return cached


def has_role(user: Actor, *roles: str) -> bool:
    return bool(roles_of(user).intersection(roles))


def display_name(user: Actor) -> str:
    """The name residents see for a member of staff: full name, else username."""
    if not isinstance(user, User):  # nobody, or an anonymous visitor
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def department_of(user: Actor) -> int | None:
    """The id of the department a member of staff belongs to (handlers have one), else None."""
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return profile.department_id if profile is not None else None


def handles(user: Actor, department_id: int | None) -> bool:
    """Whether `user` is a handler of that department: the one rule for "a handler of this case"."""
    return department_id is not None and has_role(user, HANDLER) and department_of(user) == department_id


def desks_of(user: Actor) -> frozenset[int]:
    """The ids of the active help desks a volunteer works at, read once per user object."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = vars(user).get(_DESKS_KEY)
    if cached is None:
        cached = vars(user)[_DESKS_KEY] = frozenset(
            user.help_desks.filter(is_active=True).values_list("pk", flat=True)
        )
    return cached


def follows(user: Actor, case) -> bool:
    """Whether `user` is a volunteer who follows `case` for the resident: they registered it, or it
    belongs to one of their desks. The one rule for the moves a volunteer makes on a case; a case a
    volunteer only found by the resident's phone number is theirs to read, not to change."""
    if user is None or not user.is_authenticated:
        return False
    return case.submitted_by_id == user.pk or (case.desk_id is not None and case.desk_id in desks_of(user))


def grid_handles(user: Actor, case) -> bool:
    """Whether `user` is the grid worker (网格员) who has `case`: assigned to them, and still with
    their work station. A grid worker is a handler of their station for their own cases only."""
    return (
        user is not None
        and case.grid_worker_id is not None
        and case.grid_worker_id == user.pk
        and has_role(user, GRID_WORKER)
        and case.department_id is not None
        and department_of(user) == case.department_id
    )


def handles_case(user: Actor, case) -> bool:
    """A handler of the department that has `case` (the lead, 主办), or its grid worker."""
    return handles(user, case.department_id) or grid_handles(user, case)


def co_handles(user: Actor, case) -> bool:
    """Whether `user` is a handler of one of the case's co-handling departments (协办部门) that has
    neither reported its part nor been waived: the one rule for "a co-handler of this case"."""
    department = department_of(user)
    if department is None or not has_role(user, HANDLER) or department == case.department_id:
        return False
    from .models import CoHandling

    return CoHandling.objects.filter(
        case_id=case.pk, department_id=department, reported_at__isnull=True, waived_at__isnull=True
    ).exists()
