"""Reaching cases: every view gets a case through here, and a case one may not see does not exist."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import numbering, roles
from .errors import CaseNotFound
from .models import Case, PersonalDataAccess

# How long a volunteer may keep opening a resident's cases after typing the resident's full phone
# number at the desk (cases.helpdesk.cases_for_phone logs that lookup; the log row is the proof).
PHONE_LOOKUP_GRANT = timedelta(hours=12)
PHONE_LOOKUP = "phone_lookup"


def not_found(number: str) -> CaseNotFound:
    """The one error for a case that does not exist or may not be seen: they must look the same."""
    return CaseNotFound(_("没有找到编号为 %(number)s 的诉求,请核对编号。") % {"number": number[:32]})


def case_for_public(number: str) -> Case:
    """A case by its number, for the public progress page (which shows no personal data)."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    try:
        return Case.objects.select_related("category", "community", "department").get(number=number)
    except Case.DoesNotExist:
        raise not_found(number) from None


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
        looked_up = PersonalDataAccess.objects.filter(
            user=user, via=PHONE_LOOKUP, at__gte=timezone.now() - PHONE_LOOKUP_GRANT
        ).values("case_id")
        return qs.filter(
            Q(submitted_by=user) | Q(desk__in=user.help_desks.values("pk")) | Q(pk__in=looked_up)
        )
    return qs.none()


def case_for_staff(user, number: str) -> Case:
    """A case the user may work on; CaseNotFound (a 404) for anything else."""
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        raise not_found(number)
    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        raise not_found(number) from None


def can_see_personal_data(user, case: Case) -> bool:
    """Name, phone, address details and the resident's own photos: staff who may open the case."""
    if user is None or not user.is_authenticated:
        return False
    return visible_cases(user).filter(pk=case.pk).exists()
