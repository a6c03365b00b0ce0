"""Reaching cases: every view gets a case through here, and a case one may not see does not exist."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from . import numbering, roles
from .errors import CaseNotFound
from .models import Case


def _not_found(number: str) -> CaseNotFound:
    return CaseNotFound(_("没有找到编号为 %(number)s 的诉求,请核对编号。") % {"number": number[:32]})


def case_for_public(number: str) -> Case:
    """A case by its number, for the public progress page (which shows no personal data)."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise _not_found(number)
    try:
        return Case.objects.select_related("category", "community", "department").get(number=number)
    except Case.DoesNotExist:
        raise _not_found(number) from None


def visible_cases(user) -> QuerySet[Case]:
    """The cases a signed-in user may open on staff pages."""
    qs = Case.objects.select_related("category", "community", "department")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.is_superuser or roles.has_role(user, roles.INTAKE, roles.SUPERVISOR):
        return qs
    if roles.has_role(user, roles.HANDLER):
        profile = getattr(user, "staff_profile", None)
        if profile is None or profile.department_id is None:
            return qs.none()
        return qs.filter(department_id=profile.department_id)
    if roles.has_role(user, roles.VOLUNTEER):
        return qs.filter(submitted_by=user)
    return qs.none()


def case_for_staff(user, number: str) -> Case:
    """A case the user may work on; CaseNotFound (a 404) for anything else."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise _not_found(number)
    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        raise _not_found(number) from None


def can_see_personal_data(user, case: Case) -> bool:
    """Name, phone, address details and the resident's own photos: staff who may open the case."""
    if user is None or not user.is_authenticated:
        return False
    return visible_cases(user).filter(pk=case.pk).exists()
