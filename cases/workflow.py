"""The case state machine: the table of allowed moves, the only function that changes a stage, and
the one place that answers what a stage means and which moves a user may make now.

The table reads like docs/architecture.md ("The workflow"); when the two disagree, fix one of them.
Pages, selectors, services and jobs ask `can()`, `allowed_actions()` and the `is_…` questions below;
no other module decides on `case.state` itself (cases/tests/test_state_rules.py checks).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import deadlines, hooks, roles, security_log
from .errors import Conflict, InvalidMove, NotAllowed
from .models import OPEN_STATES, UNCLOSED_STATES, Case, CaseEvent, InfoRequest, State
from .roles import Actor

# Who may make a move. Besides the role names: PUBLIC is a resident proving the case is theirs
# (phone digits, checked by the service before calling transition), SYSTEM a scheduled job.
PUBLIC = "public"
SYSTEM = "system"


class Action(models.TextChoices):
    SUBMIT = "submit", gettext_lazy("诉求提交")
    ACCEPT = "accept", gettext_lazy("受理")
    REJECT = "reject", gettext_lazy("不予受理")
    DISPATCH = "dispatch", gettext_lazy("派单")
    RETURN = "return", gettext_lazy("退单")
    START = "start", gettext_lazy("开始办理")
    APPOINT = "appoint", gettext_lazy("预约")
    COMPLETE = "complete", gettext_lazy("办理完成")
    RATE = "rate", gettext_lazy("评价")
    REOPEN = "reopen", gettext_lazy("重办")
    AUTO_CLOSE = "auto_close", gettext_lazy("自动办结")
    FOLLOW_UP = "follow_up", gettext_lazy("电话回访")
    ASK_EXTENSION = "ask_extension", gettext_lazy("申请延期")
    EXTEND = "extend", gettext_lazy("延期")
    REFUSE_EXTENSION = "refuse_extension", gettext_lazy("不批准延期")
    ESCALATE = "escalate", gettext_lazy("督办")
    # Dispatch (issue 22): 改派, 派单异议 and its ruling (cases.dispatching).
    REASSIGN = "reassign", gettext_lazy("改派")
    DISPUTE = "dispute", gettext_lazy("派单异议")
    RULE = "rule", gettext_lazy("异议裁定")
    LOCATE = "locate", gettext_lazy("确定社区")
    # Issue 24: 诉求性质 and 紧急程度 (cases.classifying); 不合理诉求 and its sign-off (cases.fairness).
    CLASSIFY = "classify", gettext_lazy("确定性质和紧急程度")
    MARK_UNREASONABLE = "mark_unreasonable", gettext_lazy("标记不合理诉求")
    SIGN_OFF = "sign_off", gettext_lazy("确认不合理诉求")
    DECLINE_SIGN_OFF = "decline_sign_off", gettext_lazy("不确认不合理诉求")
    # 知识库 (issue 24): a question (咨询) answered from the knowledge base, closed without dispatch.
    ANSWER = "answer", gettext_lazy("已答复")
    # 并单 (issue 21): a case is handled as part of another; 拆分 undoes a wrong merge (cases.merging).
    MERGE = "merge", gettext_lazy("并单")
    UNMERGE = "unmerge", gettext_lazy("拆分")
    CO_REPORT = "co_report", gettext_lazy("共同反映")
    CO_RATE = "co_rate", gettext_lazy("其他反映人评价")
    # 主办 / 协办 and the grid level (issue 22): cases.cohandling, cases.grid.
    CONTRIBUTE = "contribute", gettext_lazy("协办")
    WAIVE_COHANDLER = "waive_cohandler", gettext_lazy("免于协办报告")
    ASSIGN_GRID = "assign_grid", gettext_lazy("指派网格员")
    # 补充材料 (issue 23): staff ask the resident for more; the clock pauses until it comes
    # (cases.moreinfo).
    ASK_INFO = "ask_info", gettext_lazy("请补充材料")
    GIVE_INFO = "give_info", gettext_lazy("居民已补充")
    REMIND_INFO = "remind_info", gettext_lazy("提醒补充材料")
    CONTINUE_INFO = "continue_info", gettext_lazy("不再等待补充")
    CLOSE_NO_INFO = "close_no_info", gettext_lazy("未补充材料,不予办理")


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str | None  # None: the case stays where it is
    who: frozenset[str]
    # Handlers may only move cases of their own department.
    own_department: bool = False
    # The case fields the move sets besides its stage; transition() refuses to set any other.
    fields: frozenset[str] = frozenset()
    # Entering a new stage starts that stage's time limit (cases.deadlines), unless the move keeps
    # the one running: starting work on site is still within the dispatch's limit.
    keeps_deadline: bool = False
    # The time limit starts afresh even when the stage stays the same (改派 to a new department).
    fresh_deadline: bool = False
    # The move gives back the stage the case had before it was merged (拆分): the target is the
    # case's `merged_from_state`, which must be one of `restorable`.
    restores: frozenset[str] = frozenset()
    # Made by a handler of a co-handling department (协办) that has not reported yet, not by the
    # lead department: roles.co_handles.
    co_handlers: bool = False
    # A grid worker (网格员) may make it as the handler of their own cases (roles.grid_handles).
    grid_worker: bool = False
    # True: only while the case waits for the resident's answer (待补充, Case.paused_at set);
    # False: only while it does not; None: either.
    paused: bool | None = None


def _move(
    sources,
    target,
    who,
    *,
    own_department=False,
    fields=(),
    keeps_deadline=False,
    fresh_deadline=False,
    restores=(),
    co_handlers=False,
    grid_worker=False,
    paused=None,
) -> Move:
    return Move(
        frozenset(sources),
        target,
        frozenset(who),
        own_department,
        frozenset(fields),
        keeps_deadline,
        fresh_deadline,
        frozenset(restores),
        co_handlers,
        grid_worker,
        paused,
    )


# The stages in which staff may ask the resident for more (补充材料).
_ASKING_STAGES = [State.ACCEPTED, State.DISPATCHED, State.HANDLING]


S = State
TRANSITIONS: dict[str, Move] = {
    Action.SUBMIT: _move([], S.SUBMITTED, [PUBLIC, roles.VOLUNTEER, roles.INTAKE]),
    Action.ACCEPT: _move([S.SUBMITTED], S.ACCEPTED, [roles.INTAKE]),
    Action.REJECT: _move([S.SUBMITTED], S.REJECTED, [roles.INTAKE]),
    # To a lead department (主办), optionally with co-handling departments (cases.cohandling); to a
    # community work station, the grid worker of the address's building (cases.grid).
    Action.DISPATCH: _move([S.ACCEPTED], S.DISPATCHED, [roles.INTAKE], fields=["department", "grid_worker"]),
    # The department's appointment goes back with it: the next department sets its own.
    Action.RETURN: _move(
        [S.DISPATCHED],
        S.ACCEPTED,
        [roles.HANDLER],
        own_department=True,
        fields=["department", "appointment_at", "grid_worker"],
    ),
    Action.START: _move(
        [S.DISPATCHED],
        S.HANDLING,
        [roles.HANDLER],
        own_department=True,
        fields=["appointment_at"],
        keeps_deadline=True,
        grid_worker=True,
    ),
    Action.APPOINT: _move(
        [S.DISPATCHED, S.HANDLING],
        None,
        [roles.HANDLER, roles.VOLUNTEER, roles.INTAKE],
        own_department=True,
        fields=["appointment_at"],
        grid_worker=True,
    ),
    # Only the lead department, and only once every co-handler has reported or been waived
    # (services.complete asks cases.cohandling).
    Action.COMPLETE: _move([S.HANDLING], S.COMPLETED, [roles.HANDLER], own_department=True, grid_worker=True),
    Action.RATE: _move([S.COMPLETED], S.CLOSED, [PUBLIC, roles.VOLUNTEER, roles.INTAKE]),
    Action.REOPEN: _move([S.COMPLETED], S.HANDLING, [PUBLIC, roles.VOLUNTEER, roles.INTAKE]),
    Action.AUTO_CLOSE: _move([S.COMPLETED], S.CLOSED, [SYSTEM]),
    # A call to the resident after completion; staff-only, the stage stays (a score given on the
    # call is recorded separately as RATE or REOPEN).
    Action.FOLLOW_UP: _move([S.COMPLETED], None, [roles.VOLUNTEER, roles.INTAKE]),
    # 延期: a handler of the department asks for more time (cases.supervision), a supervisor
    # approves (EXTEND: a new due_at, which the resident sees) or refuses (staff-only).
    Action.ASK_EXTENSION: _move(
        [S.DISPATCHED, S.HANDLING], None, [roles.HANDLER], own_department=True, grid_worker=True
    ),
    Action.EXTEND: _move([S.DISPATCHED, S.HANDLING], None, [roles.SUPERVISOR], fields=["due_at"]),
    Action.REFUSE_EXTENSION: _move([S.DISPATCHED, S.HANDLING], None, [roles.SUPERVISOR]),
    # 督办: a supervisor, or the system when a case is overdue, chases it; staff-only.
    Action.ESCALATE: _move([*OPEN_STATES], None, [roles.SUPERVISOR, SYSTEM]),
    # 改派: intake moves a case a department has (before or while on site) to another department,
    # with a reason; the new department's time limit starts from the reassignment (docs/dispatch.md).
    Action.REASSIGN: _move(
        [S.DISPATCHED, S.HANDLING],
        S.DISPATCHED,
        [roles.INTAKE],
        fields=["department", "appointment_at", "grid_worker"],
        fresh_deadline=True,
    ),
    # 派单异议: a handler of the department that has the case says it is not theirs; the case waits
    # for a supervisor's ruling within the ruling's time limit (cases.deadlines).
    Action.DISPUTE: _move([S.DISPATCHED], S.DISPUTED, [roles.HANDLER], own_department=True),
    # 裁定: upheld, the case goes back to that department with the time it had left; accepted, to
    # the department the ruling names with a full time limit (cases.dispatching.rule).
    Action.RULE: _move(
        [S.DISPUTED],
        S.DISPATCHED,
        [roles.SUPERVISOR],
        fields=["department", "appointment_at", "due_at", "grid_worker"],
    ),
    # 待定位 (issue 23): intake sets the community (and category) of a case that came without one
    # (an SMS, an Open311 client); staff-only, the stage stays, before it is dispatched.
    Action.LOCATE: _move(
        [S.SUBMITTED, S.ACCEPTED], None, [roles.INTAKE], fields=["community", "category", "to_locate"]
    ),
    # 诉求性质 and 紧急程度 (issue 24): intake sets them while the case is open; staff-only, the stage
    # stays, and the running stage's deadline follows the new priority (cases.classifying).
    Action.CLASSIFY: _move(
        [*OPEN_STATES], None, [roles.INTAKE], fields=["request_type", "priority", "priority_rank", "due_at"]
    ),
    # 不合理诉求 (issue 24): intake marks a case (a reason from the list, or a duplicate); a supervisor
    # other than the one who marked it signs the mark off (the case leaves the departments' rates) or
    # declines it. Staff-only; the stage stays (cases.fairness).
    Action.MARK_UNREASONABLE: _move([*UNCLOSED_STATES, S.CLOSED], None, [roles.INTAKE]),
    Action.SIGN_OFF: _move(
        [*UNCLOSED_STATES, S.CLOSED], None, [roles.SUPERVISOR], fields=["excluded_from_rates"]
    ),
    Action.DECLINE_SIGN_OFF: _move([*UNCLOSED_STATES, S.CLOSED], None, [roles.SUPERVISOR]),
    # 答复 (issue 24): a question (咨询) answered from the knowledge base (knowledge.services): closed
    # at once with the answer as its public note, no dispatch; a volunteer only for their desk's cases.
    # An answered case is a question (咨询) whatever intake had set.
    Action.ANSWER: _move(
        [S.SUBMITTED, S.ACCEPTED], S.CLOSED, [roles.INTAKE, roles.VOLUNTEER], fields=["request_type"]
    ),
    # 并单 (issue 21): intake merges an open case into another open case (its parent), whose stage
    # it follows from then on; it keeps its deadline for the record, and the stage it had, which
    # 拆分 gives back with that stage's full time limit from then (cases.merging, docs/triage.md).
    Action.MERGE: _move(
        [*OPEN_STATES],
        S.MERGED,
        [roles.INTAKE],
        fields=["merged_into", "merged_from_state"],
        keeps_deadline=True,
    ),
    Action.UNMERGE: _move(
        [S.MERGED],
        None,
        [roles.INTAKE],
        fields=["merged_into", "merged_from_state"],
        restores=OPEN_STATES,
    ),
    # 关注: another resident says it is the same problem and follows the case (a CoReporter row);
    # the stage stays. Open cases and completed ones still waiting for their rating take them.
    # Always the resident's own word: a volunteer or intake who registers it for them is named on
    # the event and the row, but it is no staff move (staff pages never offer it).
    Action.CO_REPORT: _move([*OPEN_STATES, S.COMPLETED], None, [PUBLIC]),
    # Another reporter of the problem rates a completion the first rating already closed: kept as a
    # ReporterRating that counts in satisfaction and moves nothing (cases.services.rate).
    Action.CO_RATE: _move([S.CLOSED], None, [PUBLIC]),
    # 协办: a handler of a co-handling department records its part (note, photos), once; the stage
    # stays. The lead department cannot co-handle its own case (roles.co_handles).
    Action.CONTRIBUTE: _move([S.DISPATCHED, S.HANDLING], None, [roles.HANDLER], co_handlers=True),
    # A supervisor lets the lead complete without one co-handler's report (staff-only).
    Action.WAIVE_COHANDLER: _move([S.DISPATCHED, S.HANDLING], None, [roles.SUPERVISOR]),
    # 指派网格员: the work station's handler (or intake) gives a station's case to a grid worker.
    Action.ASSIGN_GRID: _move(
        [S.DISPATCHED, S.HANDLING],
        None,
        [roles.HANDLER, roles.INTAKE],
        own_department=True,
        fields=["grid_worker"],
    ),
    # 补充材料 (issue 23, cases.moreinfo): intake, or a handler of the case's department, asks the
    # resident a question; the stage stays, shown as 待补充, and its time limit pauses.
    Action.ASK_INFO: _move(
        _ASKING_STAGES,
        None,
        [roles.INTAKE, roles.HANDLER],
        own_department=True,
        fields=["paused_at"],
        paused=False,
    ),
    # The answer: the resident (phone digits on the progress page), a volunteer at the desk for
    # them, or the system for an SMS reply. The time limit resumes, later by the time it waited.
    Action.GIVE_INFO: _move(
        _ASKING_STAGES, None, [PUBLIC, roles.VOLUNTEER, SYSTEM], fields=["paused_at", "due_at"], paused=True
    ),
    # No answer: the worker reminds the resident once, later flags it for the asking person.
    Action.REMIND_INFO: _move(_ASKING_STAGES, None, [SYSTEM], paused=True),
    # The asking person goes on without the answer (the clock resumes) …
    Action.CONTINUE_INFO: _move(
        _ASKING_STAGES,
        None,
        [roles.INTAKE, roles.HANDLER],
        own_department=True,
        fields=["paused_at", "due_at"],
        paused=True,
    ),
    # … or, once the time to answer has passed, closes the case for want of it, with the reason.
    Action.CLOSE_NO_INFO: _move(
        _ASKING_STAGES,
        S.REJECTED,
        [roles.INTAKE, roles.HANDLER],
        own_department=True,
        fields=["paused_at"],
        paused=True,
    ),
}


def _actor(user: Actor) -> User | None:
    """The account to record: nobody for the public or the system (an AnonymousUser is nobody)."""
    if user is None or not user.is_authenticated:
        return None
    return user


def account(user: Actor) -> User:
    """The signed-in account making a staff move (check_move() has let only such a one through)."""
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAllowed(_("请先登录工作人员账号。"))
    return user


def may(user: Actor, action: str, case: Case | None = None, *, as_public: bool = False) -> bool:
    """Whether `user` (None for the public or the system) may make `action` on `case` at all, by
    their role: whatever stage the case is in (can() adds the stage)."""
    move = TRANSITIONS[action]
    if user is None:
        return (as_public and PUBLIC in move.who) or (not as_public and SYSTEM in move.who)
    user_roles = roles.roles_of(user)
    if move.grid_worker and roles.GRID_WORKER in user_roles:
        # A grid worker acts as the handler of their own cases (roles.grid_handles).
        user_roles = user_roles | {roles.HANDLER}
    allowed = user_roles.intersection(move.who)
    if not allowed:
        return as_public and PUBLIC in move.who
    if move.co_handlers and allowed == {roles.HANDLER} and case is not None:
        return roles.co_handles(user, case)
    if move.own_department and allowed == {roles.HANDLER} and case is not None:
        return roles.handles_case(user, case)
    if allowed == {roles.VOLUNTEER} and case is not None:
        # A volunteer changes only the cases they follow (their desk's, or registered by them); a
        # case found by the resident's phone number is read-only to them (docs/security.md).
        return roles.follows(user, case) or (as_public and PUBLIC in move.who)
    return True


def stage_allows(case: Case, action: str) -> bool:
    """Whether `action` can be made from the case's current stage, by whoever may make it."""
    move = TRANSITIONS[action]
    if move.paused is not None and move.paused != is_waiting_for_info(case):
        return False
    return case.state in move.sources


def can(user: Actor, action: str, case: Case, *, as_public: bool = False) -> bool:
    """Whether `user` may make `action` on `case` now: from its current stage, and by their role."""
    return stage_allows(case, action) and may(user, action, case, as_public=as_public)


def allowed_actions(user: Actor, case: Case, *, as_public: bool = False) -> list[str]:
    """The moves `user` may make on `case` now, in the table's order: what pages offer."""
    return [action for action in TRANSITIONS if can(user, action, case, as_public=as_public)]


# What a stage means, asked of the case by pages, selectors and jobs (never worked out elsewhere).


def is_open(case: Case) -> bool:
    """Still being worked on (在办): not yet completed, so its time limit runs."""
    return case.state in OPEN_STATES


def is_finished(case: Case) -> bool:
    """Completed, rated or not: the resolution report stands."""
    return case.state in (S.COMPLETED, S.CLOSED)


def is_closed(case: Case) -> bool:
    """办结: rated, or closed without a rating after the rating window."""
    return case.state == S.CLOSED


def is_rejected(case: Case) -> bool:
    """不予受理: intake declined it, for good."""
    return case.state == S.REJECTED


def is_disputed(case: Case) -> bool:
    """派单异议: waiting for a supervisor's ruling on who is responsible (正在确认责任部门)."""
    return case.state == S.DISPUTED


def is_merged(case: Case) -> bool:
    """并单: handled as part of another case (`case.merged_into`), whose stage it follows."""
    return case.state == S.MERGED


def can_take_reporters(case: Case) -> bool:
    """Whether another resident may still follow the case as a co-reporter (关注): while it is
    open or waits for its rating, not once closed, rejected or merged into another."""
    return stage_allows(case, Action.CO_REPORT)


def is_waiting_for_info(case: Case) -> bool:
    """待补充: staff asked the resident for more and the answer has not come; the clock is paused."""
    return case.paused_at is not None


def awaits_visit(case: Case) -> bool:
    """A department has it and may have agreed a time to come (预约)."""
    return stage_allows(case, Action.APPOINT)


def check_move(case: Case, action: str, *, by: Actor, as_public: bool = False) -> Move:
    """Raise unless `by` may make `action` on `case` from its current stage."""
    move = TRANSITIONS[action]
    if not may(by, action, case, as_public=as_public):
        security_log.refused(by, str(action), f"case {case.number}", "role may not make this move")
        raise NotAllowed(_("您没有权限对此诉求执行“%(action)s”。") % {"action": Action(action).label})
    if not stage_allows(case, action):
        if move.paused is True and case.state in move.sources:
            raise InvalidMove(_("此诉求目前没有等待居民补充的材料。"))
        if move.paused is False and case.state in move.sources:
            raise InvalidMove(_("此诉求正在等待居民补充材料,请等居民补充或先作出处理。"))
        raise InvalidMove(
            _("此诉求当前处于“%(state)s”,不能执行“%(action)s”。")
            % {"state": State(case.state).label, "action": Action(action).label}
        )
    return move


def transition(
    case: Case,
    action: str,
    *,
    by: Actor,
    actor_name: str = "",
    public_note: str = "",
    private_note: str = "",
    as_public: bool = False,
    is_public: bool = True,
    at=None,
    record: Callable[[CaseEvent], object] | None = None,
    **changes,
) -> CaseEvent:
    """Move `case` by `action`, write its event row, and return the event.

    The update is a compare-and-swap on the case's version: if anyone changed the case since it
    was read, nothing is written and Conflict is raised. `record(event)` writes the rows that belong
    to the event (a resolution, a rating) before the listeners in cases.hooks see it.
    """
    move = check_move(case, action, by=by, as_public=as_public)
    undeclared = set(changes) - move.fields
    if undeclared:
        raise TypeError(f"The move {action} does not set {', '.join(sorted(undeclared))}.")
    if move.restores:
        # 拆分: back to the stage the case had; a case merged without one (never) cannot be split.
        if case.merged_from_state not in move.restores:
            raise InvalidMove(_("此诉求没有记录合并前的办理阶段,无法拆分。"))
        target = case.merged_from_state
    else:
        target = move.target or case.state
    now = at or timezone.now()
    # A case waiting for the resident's answer (待补充) that another move takes to a new stage (or
    # a new department) stops waiting: the question is withdrawn and its clock runs again.
    withdraws = (
        is_waiting_for_info(case)
        and "paused_at" not in move.fields
        and (target != case.state or move.fresh_deadline)
    )
    if withdraws:
        changes["paused_at"] = None
        if move.keeps_deadline and "due_at" not in changes:
            changes["due_at"] = deadlines.resumed_due_at(case, now)
    if "due_at" not in changes and (target != case.state or move.fresh_deadline) and not move.keeps_deadline:
        # Every stage has its own time limit (cases.deadlines).
        changes["due_at"] = deadlines.stage_due_at(case, target, now)
    with transaction.atomic():
        updated = Case.objects.filter(pk=case.pk, version=case.version, state=case.state).update(
            state=target, version=F("version") + 1, updated_at=now, **changes
        )
        if updated != 1:
            raise Conflict(_("此诉求刚刚已被其他人更新,请刷新页面查看最新进度后再操作。"))
        event = CaseEvent.objects.create(
            case=case,
            action=action,
            from_state=case.state,
            to_state=target,
            at=now,
            actor=_actor(by),
            actor_name=actor_name or roles.display_name(_actor(by)),
            # The department a move hands the case to (dispatch, 改派, a ruling); None for the rest.
            department=changes.get("department"),
            appointment_at=changes.get("appointment_at"),
            public_note=public_note,
            private_note=private_note,
            is_public=is_public,
        )
        if withdraws:
            InfoRequest.objects.filter(case=case, status=InfoRequest.Status.PENDING).update(
                status=InfoRequest.Status.WITHDRAWN, decided_at=now
            )
        saved = {f: getattr(case, f) for f in ["state", "version", "updated_at", *changes]}
        case.state = target
        case.version += 1
        case.updated_at = now
        for field, value in changes.items():
            setattr(case, field, value)
        try:
            if record is not None:
                record(event)
            hooks.emit(event)
        except BaseException:
            for field, value in saved.items():
                setattr(case, field, value)
            raise
    return event


def create(
    case: Case,
    *,
    by: Actor,
    actor_name: str = "",
    public_note: str = "",
    as_public: bool = False,
    at=None,
) -> CaseEvent:
    """Save a new case in its first stage and write the submission event. Call inside a transaction."""
    if not may(by, Action.SUBMIT, as_public=as_public):
        security_log.refused(by, "submit", "new case", "role may not submit on behalf")
        raise NotAllowed(_("您没有权限代为提交诉求。"))
    now = at or timezone.now()
    if case.due_at is None:  # callers may work it out before their write transaction begins
        case.due_at = deadlines.stage_due_at(case, State.SUBMITTED, now)
    case.state = State.SUBMITTED
    case.version = 0
    case.save(force_insert=True)
    event = CaseEvent.objects.create(
        case=case,
        action=Action.SUBMIT,
        from_state="",
        to_state=State.SUBMITTED,
        at=now,
        actor=_actor(by),
        actor_name=actor_name,
        public_note=public_note,
    )
    hooks.emit(event)
    return event
