"""Supervision (督办, 延期): escalating overdue cases and deciding handlers' requests for more time.

Writes go through workflow.transition (actions ESCALATE and EXTEND), so each one is an event row
and the notify app's listener tells whoever needs to know.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import workflow
from .errors import Conflict, InvalidMove
from .models import OPEN_STATES, Case, CaseEvent, Extension, PersonalDataAccess
from .roles import Actor
from .services import stored_language
from .validation import MAX_REASON, clean_text
from .workflow import Action

MAX_EXTENSION_DAYS = 60


def _local(dt: datetime) -> str:
    return date_format(timezone.localtime(dt, timezone.get_default_timezone()), "Y-m-d H:i")


def escalate(case: Case, *, by: Actor, note: str = "", at: datetime | None = None) -> CaseEvent:
    """督办: a supervisor (or the system, `by=None`) chases a case; staff see it in the timeline."""
    workflow.check_move(case, Action.ESCALATE, by=by)
    try:
        note = clean_text(note, label=_("督办意见"), max_length=MAX_REASON, required=False)
    except ValidationError as exc:
        raise ValidationError({"note": exc.messages}) from exc
    with stored_language():
        if by is None:
            actor_name = _("系统")
            due = _local(case.due_at) if case.due_at else "—"
            note = note or _("已超过办理时限(%(due)s),系统自动督办") % {"due": due}
        else:
            actor_name = ""
            note = note or _("领导督办")
    return workflow.transition(
        case, Action.ESCALATE, by=by, actor_name=actor_name, private_note=note, is_public=False, at=at
    )


def escalated_since_due():
    """For annotate(): whether the case was escalated after its current deadline passed."""
    return Exists(
        CaseEvent.objects.filter(case=OuterRef("pk"), action=Action.ESCALATE, at__gte=OuterRef("due_at"))
    )


def overdue_cases(now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    # A case waiting for the resident's answer (待补充) has its clock paused: it is not late.
    return Case.objects.filter(state__in=OPEN_STATES, due_at__lt=now, paused_at__isnull=True)


def not_yet_due(now: datetime | None = None) -> QuerySet[Case]:
    now = now or timezone.now()
    return Case.objects.filter(state__in=OPEN_STATES, due_at__gte=now)


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Escalate every overdue open case once per deadline; return how many were escalated."""
    now = now or timezone.now()
    due = (
        overdue_cases(now)
        .annotate(already=escalated_since_due())
        .filter(already=False)
        .select_related("category", "department", "desk")
    )
    escalated = 0
    for case in due.iterator():
        try:
            escalate(case, by=None, at=now)
            escalated += 1
        except (InvalidMove, Conflict):
            continue  # moved on meanwhile: the next run sees it again if still overdue
    return escalated


def request_extension(case: Case, *, by: Actor, reason: str, new_due_at: datetime | None) -> Extension:
    """A handler of the case's department asks for more time; a supervisor decides."""
    workflow.check_move(case, Action.ASK_EXTENSION, by=by)
    errors: dict[str, list[str]] = {}
    try:
        reason = clean_text(reason, label=_("延期原因"), max_length=MAX_REASON)
    except ValidationError as exc:
        errors["reason"] = exc.messages
    now = timezone.now()
    if new_due_at is None:
        errors["new_due_at"] = [_("请填写申请延期到的时间。")]
    else:
        if timezone.is_naive(new_due_at):
            new_due_at = timezone.make_aware(new_due_at)
        if new_due_at <= max(now, case.due_at or now):
            errors["new_due_at"] = [_("延期后的时间必须晚于现在的办理时限。")]
        elif new_due_at > now + timedelta(days=MAX_EXTENSION_DAYS):
            errors["new_due_at"] = [_("延期不能超过 %(days)d 天。") % {"days": MAX_EXTENSION_DAYS}]
    if errors or new_due_at is None:
        raise ValidationError(errors)
    if case.extensions.filter(status=Extension.Status.PENDING).exists():
        raise InvalidMove(_("此诉求已有一份待审批的延期申请,请等待督办领导审批。"))
    with stored_language():
        note = _("申请延期至%(at)s:%(reason)s") % {"at": _local(new_due_at), "reason": reason}
    extensions: list[Extension] = []
    # The move's compare-and-swap on the case's version also keeps two requests from both landing.
    workflow.transition(
        case,
        Action.ASK_EXTENSION,
        by=by,
        is_public=False,
        private_note=note,
        at=now,
        record=lambda event: extensions.append(
            Extension.objects.create(
                case=case,
                requested_by=workflow.account(by),
                requested_at=now,
                reason=reason,
                new_due_at=new_due_at,
            )
        ),
    )
    return extensions[0]


def _decide(extension: Extension, *, by: Actor, status: str) -> bool:
    """Compare-and-swap the decision: of two supervisors deciding at once, exactly one does."""
    return (
        Extension.objects.filter(pk=extension.pk, status=Extension.Status.PENDING).update(
            status=status, decided_by=by, decided_at=timezone.now()
        )
        == 1
    )


def approve_extension(extension: Extension, *, by: Actor) -> CaseEvent:
    """Approve: the case's due_at moves and the timeline says so; the resident is told (notify)."""
    case = extension.case
    workflow.check_move(case, Action.EXTEND, by=by)
    with transaction.atomic():
        if not _decide(extension, by=by, status=Extension.Status.APPROVED):
            raise Conflict(_("这份延期申请已经审批过了。"))
        with stored_language():
            note = _("申请延期至%(at)s") % {"at": _local(extension.new_due_at)}
        event = workflow.transition(
            case,
            Action.EXTEND,
            by=by,
            public_note=note,
            private_note=extension.reason,
            due_at=extension.new_due_at,
        )
    extension.refresh_from_db()
    return event


def refuse_extension(extension: Extension, *, by: Actor) -> CaseEvent:
    """Refuse: the deadline stays; the handler sees the decision on the case page (staff-only)."""
    case = extension.case
    workflow.check_move(case, Action.REFUSE_EXTENSION, by=by)
    with transaction.atomic():
        if not _decide(extension, by=by, status=Extension.Status.REFUSED):
            raise Conflict(_("这份延期申请已经审批过了。"))
        with stored_language():
            note = _("不批准延期至%(at)s") % {"at": _local(extension.new_due_at)}
        event = workflow.transition(case, Action.REFUSE_EXTENSION, by=by, is_public=False, private_note=note)
    extension.refresh_from_db()
    return event


def pending_extensions() -> QuerySet[Extension]:
    """Requests waiting for a supervisor, on cases that can still be extended (a case completed
    meanwhile no longer needs the time)."""
    open_to_extension = workflow.TRANSITIONS[Action.EXTEND].sources
    return Extension.objects.filter(
        status=Extension.Status.PENDING, case__state__in=open_to_extension
    ).select_related("case", "case__category", "case__department", "requested_by")


def repeatedly_returned(minimum: int = 2) -> QuerySet[Case]:
    """Open cases departments sent back (退单) `minimum` times or more: who should really own them?"""
    return (
        Case.objects.filter(state__in=OPEN_STATES)
        .annotate(returns=Count("events", filter=Q(events__action=Action.RETURN)))
        .filter(returns__gte=minimum)
        .select_related("category", "community", "department")
        .order_by("-returns", "submitted_at")
    )


def recently_escalated(days: int = 14) -> QuerySet[CaseEvent]:
    since = timezone.now() - timedelta(days=days)
    return (
        CaseEvent.objects.filter(action=Action.ESCALATE, at__gte=since)
        .select_related("case", "case__category", "case__department")
        .order_by("-at")
    )


def personal_data_log(
    *,
    person: str = "",
    number: str = "",
    via: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> QuerySet[PersonalDataAccess]:
    """Who opened which resident's personal data, newest first, for the supervisor's log page.

    `person` matches a username or a staff member's name; `end` is exclusive."""
    qs = PersonalDataAccess.objects.select_related("user", "case")
    if person:
        named = Q(user__first_name__contains=person) | Q(user__last_name__contains=person)
        qs = qs.filter(Q(user__username__iexact=person) | named)
    if number:
        qs = qs.filter(case__number=number)
    if via:
        qs = qs.filter(via=via)
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    return qs.order_by("-at", "-id")
