"""Reaching cases: every view gets a case through here, and a case one may not see does not exist."""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import numbering, roles, security_log
from .errors import CaseNotFound
from .models import Case, CoHandling, PersonalDataAccess
from .roles import Actor

# How long a volunteer may keep opening a resident's cases after typing the resident's full phone
# number at the desk (cases.helpdesk.cases_for_phone logs that lookup; the log row is the proof).
PHONE_LOOKUP_GRANT = timedelta(hours=12)
PHONE_LOOKUP = "phone_lookup"

# What a PersonalDataAccess row was for (its `via`), in the words the supervisor's log page uses.
VIA_LABELS = {
    "staff_case": gettext_lazy("工作人员诉求页"),
    "desk_case": gettext_lazy("代办岗诉求页"),
    "desk_appointment": gettext_lazy("代办岗登记预约"),
    "desk_follow_up": gettext_lazy("代办岗回访"),
    "receipt": gettext_lazy("打印回执"),
    PHONE_LOOKUP: gettext_lazy("按电话号码查询"),
    "photo": gettext_lazy("查看居民照片"),
    "voice_note": gettext_lazy("收听语音留言"),
    "api_queue": gettext_lazy("接口:待办列表"),
    "grid_page": gettext_lazy("网格员工作台"),
    "api_appointment": gettext_lazy("接口:登记预约"),
    "api_follow_up": gettext_lazy("接口:回访"),
    "export_csv": gettext_lazy("导出 CSV(含个人信息)"),
    "export_xlsx": gettext_lazy("导出 XLSX(含个人信息)"),
    "admin": gettext_lazy("管理后台"),
}


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
        # The department's own cases (主办), and those it co-handles (协办).
        department = roles.department_of(user)
        if department is None:
            return qs.none()
        co_handled = CoHandling.objects.filter(department_id=department).values("case_id")
        return qs.filter(Q(department_id=department) | Q(pk__in=co_handled))
    if roles.has_role(user, roles.GRID_WORKER):
        # 网格员: their own cases while their work station has them (roles.grid_handles).
        department = roles.department_of(user)
        return qs.none() if department is None else qs.filter(grid_worker=user, department_id=department)
    if roles.has_role(user, roles.VOLUNTEER):
        looked_up = PersonalDataAccess.objects.filter(
            user=user, via=PHONE_LOOKUP, at__gte=timezone.now() - PHONE_LOOKUP_GRANT
        ).values("case_id")
        return qs.filter(
            Q(submitted_by=user) | Q(desk__in=user.help_desks.values("pk")) | Q(pk__in=looked_up)
        )
    return qs.none()


def case_for_staff(user: Actor, number: str) -> Case:
    """A case the user may work on; CaseNotFound (a 404) for anything else, logged as a refusal.

    The user sees the same 404 whether the case exists or not; the log says which it was, so that
    someone trying other people's case numbers stands out.
    """
    number = (number or "").strip()
    if not numbering.is_well_formed(number):
        security_log.refused(user, "open case", f"case {number[:32]}", "malformed number")
        raise not_found(number)
    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        reason = "exists, not visible" if Case.objects.filter(number=number).exists() else "no such case"
        security_log.refused(user, "open case", f"case {number}", reason)
        raise not_found(number) from None


def record_views(user: Actor, cases, via: str) -> None:
    """Write one PersonalDataAccess row per case whose personal data (name, phone, address, the
    resident's photos or voice) `user` is being shown, and what for (`via`: the page, API operation
    or export). Supervisors read these rows at /staff/supervision/access-log."""
    if user is None or not user.is_authenticated:
        return
    now = timezone.now()
    rows = [PersonalDataAccess(user=user, case=case, at=now, via=via[:32]) for case in cases]
    PersonalDataAccess.objects.bulk_create(rows, batch_size=1000)


def record_view(user: Actor, case: Case, via: str) -> None:
    record_views(user, [case], via)


def can_see_personal_data(user: Actor, case: Case) -> bool:
    """Name, phone, address details and the resident's own photos: staff who may open the case."""
    if user is None or not user.is_authenticated:
        return False
    return visible_cases(user).filter(pk=case.pk).exists()
