"""Reads: the public progress of a case and the staff queues."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import cohandling, roles, workflow
from .access import visible_cases
from .models import (
    OPEN_STATES,
    UNCLOSED_STATES,
    Attachment,
    Case,
    CaseEvent,
    CoHandling,
    InfoRequest,
    Priority,
    RequestType,
    Resolution,
    State,
)
from .validation import mask_name
from .workflow import Action

# The five stages the resident sees, in order, and the internal states that show as each.
STAGE_KEYS = ["submitted", "accepted", "dispatched", "handling", "completed"]
STAGE_OF_STATE = {
    State.SUBMITTED: "submitted",
    State.ACCEPTED: "accepted",
    State.REJECTED: "accepted",
    State.DISPATCHED: "dispatched",
    State.HANDLING: "handling",
    State.COMPLETED: "completed",
    State.CLOSED: "completed",
    State.DISPUTED: "dispatched",
}


def stage_of(case: Case) -> str:
    """The resident's stage key of a case; a merged case shows the stage it had when merged."""
    if workflow.is_merged(case):
        return STAGE_OF_STATE.get(State(case.merged_from_state or State.SUBMITTED), "submitted")
    return STAGE_OF_STATE[State(case.state)]


# Which events mark the entry into a stage (the latest one wins after a return or a reopen).
_ENTERS: dict[str, str] = {
    Action.SUBMIT: "submitted",
    Action.ACCEPT: "accepted",
    Action.REJECT: "accepted",
    # 补充材料 not given in time: closed as 不予受理, shown (with the reason) where a rejection is.
    Action.CLOSE_NO_INFO: "accepted",
    Action.DISPATCH: "dispatched",
    Action.REASSIGN: "dispatched",
    Action.DISPUTE: "dispatched",
    Action.RULE: "dispatched",
    Action.START: "handling",
    Action.REOPEN: "handling",
    Action.COMPLETE: "completed",
    # A question (咨询) answered from the knowledge base ends at the last stage, never dispatched.
    Action.ANSWER: "completed",
}


def active_by_code(model, code: str):
    """The active row of a reference table (Category, Community, HelpDesk, Department) with this
    `code`; None when there is none or `code` is empty."""
    if not code:
        return None
    return model.objects.filter(code=code, is_active=True).first()


def stage_labels() -> list[tuple[str, str]]:
    """Stage keys and labels in the active language."""
    return [
        ("submitted", _("诉求提交")),
        ("accepted", _("工作人员受理")),
        ("dispatched", _("派单给责任部门")),
        ("handling", _("现场办理")),
        ("completed", _("办理完成")),
    ]


@dataclass
class StageView:
    key: str
    label: str
    reached: bool
    current: bool
    at: datetime | None = None
    # 待补充: the stage waits for the resident's answer to a question (cases.moreinfo).
    waiting: bool = False
    actor: str = ""
    note: str = ""


@dataclass
class Progress:
    case: Case
    stage: str
    stages: list[StageView]
    events: list[CaseEvent]  # the public timeline
    resolution: Resolution | None
    before_photos: list[Attachment] = field(default_factory=list)
    after_photos: list[Attachment] = field(default_factory=list)
    rejected_reason: str = ""
    # The answer's text when the case was a question answered from the knowledge base (已答复).
    answer: str = ""
    masked_name: str = ""
    # Every event, staff-only ones (follow-up calls, escalations) included: for staff pages only.
    all_events: list[CaseEvent] = field(default_factory=list)
    # 并单: a merged case's page shows the progress of the case it was merged into (its number and
    # public progress only: never that case's reporter, address or words).
    parent: "Progress | None" = None

    @property
    def merged(self) -> bool:
        return self.parent is not None

    # 协办部门: [{"code", "name", "reported"}] (the lead is case.department).
    co_departments: list[dict] = field(default_factory=list)
    # 补充材料: the question waiting for the resident's answer (待补充), if any.
    info_request: InfoRequest | None = None

    @property
    def can_rate(self) -> bool:
        """The resident may rate it now (on the public page, with the phone's last digits); a
        merged case's reporter rates the case it was merged into."""
        if self.parent is not None:
            return self.parent.can_rate
        return workflow.can(None, Action.RATE, self.case, as_public=True)

    @property
    def closed(self) -> bool:
        return workflow.is_closed(self.case)


def event_actor(event: CaseEvent) -> str:
    """What the public sees as the person responsible for an event."""
    if event.action in (Action.DISPATCH, Action.REASSIGN, Action.RULE) and event.department is not None:
        return event.department.name
    return event.actor_name


def _stage_actor(case: Case, event: CaseEvent) -> str:
    """The person responsible for a stage; after a reopen (重办) that is the department, not the resident."""
    if event.action == Action.REOPEN and case.department is not None:
        return case.department.name
    return event_actor(event)


def public_progress(case: Case) -> Progress:
    """Everything the public progress page and API show; no personal data."""
    events = list(case.events.select_related("department").order_by("at", "id"))
    parent = None
    current = stage_of(case)
    if workflow.is_merged(case):
        # Its own bar stays where it was merged; the parent's progress is the one that moves.
        if case.merged_into_id is not None:
            parent_case = Case.objects.select_related("category", "community", "department").get(
                pk=case.merged_into_id
            )
            parent = public_progress(parent_case)
            parent.masked_name = ""  # not even the other reporter's masked name
    current_index = STAGE_KEYS.index(current)
    entered: dict[str, CaseEvent] = {}
    for event in events:
        key = _ENTERS.get(event.action)
        if key:
            entered[key] = event
    answered = entered.get("completed")
    answer = answered.public_note if answered is not None and answered.action == Action.ANSWER else ""
    stages = []
    for index, (key, label) in enumerate(stage_labels()):
        if answer and key in ("dispatched", "handling"):
            continue  # answered at once: no department was needed
        reached = index <= current_index
        view = StageView(key=key, label=label, reached=reached, current=index == current_index)
        entry = entered.get(key) if reached else None
        if entry is not None:
            view.at = entry.at
            view.actor = _stage_actor(case, entry)
            if key == "accepted" and workflow.is_rejected(case):
                view.label = _("不予受理")
                view.note = entry.public_note
            if key == "completed" and answer:
                view.label = _("已答复")
            if key == "dispatched" and workflow.is_disputed(case):
                view.label = _("正在确认责任部门")
                view.actor = ""
        view.waiting = view.current and workflow.is_waiting_for_info(case)
        stages.append(view)
    resolution = None
    before: list[Attachment] = []
    after: list[Attachment] = []
    if workflow.is_finished(case):
        resolution = case.resolutions.order_by("-created_at", "-id").first()
        if resolution is not None:
            for photo in resolution.attachments.all():
                (before if photo.kind == Attachment.Kind.BEFORE else after).append(photo)
    rejected = entered.get("accepted")
    return Progress(
        case=case,
        stage=current,
        stages=stages,
        events=[e for e in events if e.is_public],
        all_events=events,
        resolution=resolution,
        before_photos=before,
        after_photos=after,
        rejected_reason=rejected.public_note if rejected and workflow.is_rejected(case) else "",
        answer=answer,
        masked_name=mask_name(case.name),
        parent=parent,
        co_departments=cohandling.public_view(case),
        info_request=(
            case.info_requests.filter(status=InfoRequest.Status.PENDING).first()
            if workflow.is_waiting_for_info(case)
            else None
        ),
    )


def by_priority(qs: QuerySet[Case], *then: str) -> QuerySet[Case]:
    """`qs` with 应急 cases first, then 重点, then the rest, each in the order `then`."""
    return qs.order_by("priority_rank", *then)


def filter_queue(qs: QuerySet[Case], *, priority: str = "", request_type: str = "") -> QuerySet[Case]:
    """A queue narrowed to one priority and/or one type; an unknown value narrows nothing."""
    if priority in Priority.values:
        qs = qs.filter(priority=priority)
    if request_type in RequestType.values:
        qs = qs.filter(request_type=request_type)
    return qs


def queue(user) -> QuerySet[Case]:
    """The cases waiting for this user's next move: 应急 first, then 重点, each oldest first."""
    qs = visible_cases(user)
    states: tuple[str, ...]
    if roles.has_role(user, roles.INTAKE):
        states = (State.SUBMITTED, State.ACCEPTED)
    elif roles.has_role(user, roles.HANDLER):
        states = (State.DISPATCHED, State.HANDLING)
        # A co-handled case waits for this department only until it has reported (or been waived).
        department = roles.department_of(user) or 0
        waiting = CoHandling.objects.filter(
            department_id=department, reported_at__isnull=True, waived_at__isnull=True
        ).values("case_id")
        qs = qs.filter(Q(department_id=department) | Q(pk__in=waiting))
    elif roles.has_role(user, roles.GRID_WORKER):
        states = (State.DISPATCHED, State.HANDLING)
    elif roles.has_role(user, roles.SUPERVISOR):
        states = OPEN_STATES
    elif roles.has_role(user, roles.VOLUNTEER):
        # A volunteer follows their residents' cases until the rating (回访).
        states = UNCLOSED_STATES
    else:
        return qs.none()
    from . import moreinfo

    # 补充材料: an answer goes back to the queue of the person who asked (a badge 已补充), also when
    # the case's stage is not one their role's queue lists; 待决定 when the time to answer has passed.
    # The outer stage condition comes first and on its own, so that PostgreSQL still reads the
    # queue in order from the open cases' partial index (cases/tests/test_indexes.py).
    around = tuple(dict.fromkeys((*OPEN_STATES, *states)))
    return by_priority(
        qs.filter(state__in=around)
        .annotate(
            info_answered=moreinfo.answered_since_last_move(),
            info_answered_to_me=moreinfo.answered_since_last_move(asked_by=user),
            info_flagged=moreinfo.flagged(),
        )
        .filter(Q(state__in=states) | Q(info_answered_to_me=True, state__in=OPEN_STATES)),
        "submitted_at",
        "id",
    )


# ---------------------------------------------------------------------------------------------
# Progress in plain words: what a volunteer reads out to a resident, and elder mode shows.

_WEEKDAYS = [
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
]


def plain_when(moment: datetime, now: datetime | None = None) -> str:
    """A time as one says it: 今天下午3点, 明天上午9点半, 5月12日(星期日)上午10点."""
    tz = timezone.get_default_timezone()
    local = timezone.localtime(moment, tz)
    today = timezone.localtime(now or timezone.now(), tz).date()
    days = (local.date() - today).days
    if days == 0:
        day = _("今天")
    elif days == 1:
        day = _("明天")
    elif days == 2:
        day = _("后天")
    elif days == -1:
        day = _("昨天")
    else:
        day = _("%(month)d月%(day)d日(%(weekday)s)") % {
            "month": local.month,
            "day": local.day,
            "weekday": _WEEKDAYS[local.weekday()],
        }
    hour = local.hour
    if hour < 6:
        period = _("凌晨")
    elif hour < 12:
        period = _("上午")
    elif hour == 12:
        period = _("中午")
    elif hour < 18:
        period = _("下午")
    else:
        period = _("晚上")
    hour12 = hour if hour <= 12 else hour - 12
    if local.minute == 0:
        clock = _("%(hour)d点") % {"hour": hour12}
    elif local.minute == 30:
        clock = _("%(hour)d点半") % {"hour": hour12}
    else:
        clock = _("%(hour)d点%(minute)02d分") % {"hour": hour12, "minute": local.minute}
    return _("%(day)s%(period)s%(clock)s") % {"day": day, "period": period, "clock": clock}


def plain_progress(progress: Progress, now: datetime | None = None) -> str:
    """Where the case is, who has it and what happens next, as one says it to a resident:
    "您的诉求已经派给物业科,维修人员明天上午9点上门。" A merged case says where its parent is."""
    if progress.parent is not None:
        return _("您的诉求已与同一问题的诉求%(number)s合并办理。") % {
            "number": progress.parent.case.number
        } + plain_progress(progress.parent, now)
    case = progress.case
    department = case.department.name if case.department is not None else ""
    if department and progress.co_departments:
        # 主办 / 协办: the resident hears who leads and who helps.
        department = _("%(lead)s(%(co)s协办)") % {
            "lead": department,
            "co": "、".join(c["name"] for c in progress.co_departments),
        }
    appointment = ""
    if case.appointment_at and workflow.awaits_visit(case):
        appointment = plain_when(case.appointment_at, now)
    if workflow.is_rejected(case):
        return _("您的诉求没有被受理,原因是:%(reason)s") % {"reason": progress.rejected_reason}
    if progress.answer:
        return _("您咨询的问题已经答复:%(answer)s") % {"answer": progress.answer}
    stage = progress.stage
    if progress.info_request is not None:
        return _("工作人员需要您补充:%(question)s。请直接回复短信,或在本页面、社区代办岗补充。") % {
            "question": progress.info_request.question
        }
    if workflow.is_disputed(case):
        return _("正在确认负责您诉求的部门,确认后会尽快安排办理。")
    if stage == "submitted":
        return _("您的诉求已经提交成功,正在等待工作人员受理。")
    if stage == "accepted":
        accepted = next((s for s in progress.stages if s.key == "accepted"), None)
        if accepted and accepted.actor:
            return _("工作人员%(name)s已经受理您的诉求,正在安排负责的部门。") % {"name": accepted.actor}
        return _("工作人员已经受理您的诉求,正在安排负责的部门。")
    if stage == "dispatched":
        if appointment:
            return _("您的诉求已经派给%(department)s,维修人员%(when)s上门。") % {
                "department": department,
                "when": appointment,
            }
        return _("您的诉求已经派给%(department)s,他们会尽快和您联系。") % {"department": department}
    if stage == "handling":
        if appointment:
            return _("%(department)s正在办理您的诉求,维修人员%(when)s上门。") % {
                "department": department,
                "when": appointment,
            }
        return _("%(department)s正在办理您的诉求。") % {"department": department}
    if not progress.closed:
        return _("您的诉求已经办理完成,请告诉我们您是否满意。")
    return _("您的诉求已经办结。")
