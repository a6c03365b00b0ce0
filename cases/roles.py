"""Roles are Django groups; this module names them and answers "does this user have it"."""

from django.contrib.auth.models import AnonymousUser, User

RESIDENT = "resident"
VOLUNTEER = "volunteer"
INTAKE = "intake"
HANDLER = "handler"
SUPERVISOR = "supervisor"
ALL = (RESIDENT, VOLUNTEER, INTAKE, HANDLER, SUPERVISOR)
STAFF = (INTAKE, HANDLER, SUPERVISOR)


def roles_of(user: User | AnonymousUser | None) -> frozenset[str]:
    """The user's role names, read once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_minsheng_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._minsheng_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user).intersection(roles))


def display_name(user) -> str:
    """The name residents see for a member of staff: full name, else username."""
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username()).strip()


def department_of(user) -> int | None:
    """The id of the department a member of staff belongs to (handlers have one), else None."""
    profile = getattr(user, "staff_profile", None) if user is not None else None
    return profile.department_id if profile is not None else None


def handles(user, department_id: int | None) -> bool:
    """Whether `user` is a handler of that department: the one rule for "a handler of this case"."""
    return department_id is not None and has_role(user, HANDLER) and department_of(user) == department_id
