"""The TRANSITIONS table walked whole: every action from every state, by every role.

The expectations are written out from docs/architecture.md ("The workflow"), not read from the
table, so a change to the table that the document does not describe fails here.
"""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from cases import workflow
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, CaseEvent, CoHandling, Department, HelpDesk, State
from cases.workflow import Action

ALL_STATES = [s.value for s in State]

# action: (states it may start from, the state it leads to; None = stays where it is)
EXPECTED_MOVES = {
    "accept": ({"submitted"}, "accepted"),
    "reject": ({"submitted"}, "rejected"),
    "dispatch": ({"accepted"}, "dispatched"),
    "return": ({"dispatched"}, "accepted"),
    "start": ({"dispatched"}, "handling"),
    "appoint": ({"dispatched", "handling"}, None),
    "complete": ({"handling"}, "completed"),
    "rate": ({"completed"}, "closed"),
    "reopen": ({"completed"}, "handling"),
    "auto_close": ({"completed"}, "closed"),
    "follow_up": ({"completed"}, None),
    "ask_extension": ({"dispatched", "handling"}, None),
    "extend": ({"dispatched", "handling"}, None),
    "refuse_extension": ({"dispatched", "handling"}, None),
    "escalate": ({"submitted", "accepted", "dispatched", "handling", "disputed"}, None),
    "reassign": ({"dispatched", "handling"}, "dispatched"),
    "dispute": ({"dispatched"}, "disputed"),
    "rule": ({"disputed"}, "dispatched"),
    "locate": ({"submitted", "accepted"}, None),
    "classify": ({"submitted", "accepted", "dispatched", "handling", "disputed"}, None),
    "mark_unreasonable": (
        {"submitted", "accepted", "dispatched", "handling", "disputed", "completed", "closed"},
        None,
    ),
    "sign_off": (
        {"submitted", "accepted", "dispatched", "handling", "disputed", "completed", "closed"},
        None,
    ),
    "decline_sign_off": (
        {"submitted", "accepted", "dispatched", "handling", "disputed", "completed", "closed"},
        None,
    ),
    "answer": ({"submitted", "accepted"}, "closed"),
    # 并单 (issue 21): unmerge gives back the stage the case had (make_case: accepted).
    "merge": ({"submitted", "accepted", "dispatched", "handling", "disputed"}, "merged"),
    "unmerge": ({"merged"}, None),
    "co_report": ({"submitted", "accepted", "dispatched", "handling", "disputed", "completed"}, None),
    "co_rate": ({"closed"}, None),
    "contribute": ({"dispatched", "handling"}, None),
    "waive_cohandler": ({"dispatched", "handling"}, None),
    "assign_grid": ({"dispatched", "handling"}, None),
    # 补充材料 (cases.moreinfo): the last four only while the case waits for the answer (PAUSED_ONLY).
    "ask_info": ({"accepted", "dispatched", "handling"}, None),
    "give_info": ({"accepted", "dispatched", "handling"}, None),
    "remind_info": ({"accepted", "dispatched", "handling"}, None),
    "continue_info": ({"accepted", "dispatched", "handling"}, None),
    "close_no_info": ({"accepted", "dispatched", "handling"}, "rejected"),
}
# Moves whose target is the stage the case had before it was merged.
RESTORING = {"unmerge": "accepted"}
PAUSED_ONLY = {"give_info", "remind_info", "continue_info", "close_no_info"}
# action: who may make it (docs/architecture.md, the moves table). "handler" is the case's own department.
EXPECTED_WHO = {
    "accept": {"intake"},
    "reject": {"intake"},
    "dispatch": {"intake"},
    "return": {"handler"},
    "start": {"handler"},
    "appoint": {"handler", "volunteer", "intake"},
    "complete": {"handler"},
    "rate": {"public", "anonymous_public", "volunteer", "intake"},
    "reopen": {"public", "anonymous_public", "volunteer", "intake"},
    "auto_close": {"system"},
    "follow_up": {"volunteer", "intake"},
    "ask_extension": {"handler"},
    "extend": {"supervisor"},
    "refuse_extension": {"supervisor"},
    "escalate": {"supervisor", "system"},
    "reassign": {"intake"},
    "dispute": {"handler"},
    "rule": {"supervisor"},
    "locate": {"intake"},
    "classify": {"intake"},
    "mark_unreasonable": {"intake"},
    "sign_off": {"supervisor"},
    "decline_sign_off": {"supervisor"},
    "answer": {"intake", "volunteer"},
    "merge": {"intake"},
    "unmerge": {"intake"},
    "co_report": {"public", "anonymous_public"},
    "co_rate": {"public", "anonymous_public"},
    # other_handler (城管科) is a co-handling department of the case (see _prepare).
    "contribute": {"other_handler"},
    "waive_cohandler": {"supervisor"},
    "assign_grid": {"handler", "intake"},
    "ask_info": {"intake", "handler"},
    "give_info": {"public", "anonymous_public", "volunteer", "system"},
    "remind_info": {"system"},
    "continue_info": {"intake", "handler"},
    "close_no_info": {"intake", "handler"},
}
ACTORS = [
    "intake",
    "handler",
    "other_handler",
    "volunteer",
    "supervisor",
    "admin",
    "public",
    "anonymous_public",
    "anonymous",
    "system",
]
NOW = datetime(2024, 5, 10, 2, 30, tzinfo=UTC)


def _who(name: str, staff) -> tuple[object, bool]:
    """(the `by` argument, as_public) for an actor name."""
    return {
        "public": (None, True),
        "anonymous_public": (AnonymousUser(), True),
        "anonymous": (AnonymousUser(), False),
        "system": (None, False),
    }.get(name, (staff.get(name), False))


def _first_allowed(action: str, staff):
    return _who(sorted(EXPECTED_WHO[action])[0], staff)


def _extra(action: str) -> dict:
    if action == "dispatch":
        return {"department": Department.objects.get(code="property")}
    if action == "rule":
        return {"department": Department.objects.get(code="urban")}
    if action == "reassign":
        return {"department": Department.objects.get(code="urban")}
    return {}


def _prepare(action: str, case: Case) -> None:
    """What a move needs besides the case's stage: 协办 needs 城管科 as a co-handling department."""
    if action == "contribute":
        CoHandling.objects.create(case=case, department=Department.objects.get(code="urban"), assigned_at=NOW)


def _fields(action: str) -> dict:
    """A case for `action`: waiting for the resident's answer (待补充) when the move needs that."""
    return {"paused_at": NOW} if action in PAUSED_ONLY else {}


def _snapshot(case: Case) -> tuple:
    fresh = Case.objects.get(pk=case.pk)
    return fresh.state, fresh.version, fresh.department_id, fresh.updated_at, fresh.events.count()


def test_the_table_has_exactly_the_moves_workflow_md_describes():
    assert set(workflow.TRANSITIONS) == set(EXPECTED_MOVES) | {"submit"}
    for action, (sources, target) in EXPECTED_MOVES.items():
        move = workflow.TRANSITIONS[action]
        assert set(move.sources) == sources, action
        assert move.target == target, action


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", sorted(EXPECTED_MOVES))
def test_every_action_from_every_state(action, state, staff, make_case, property_dept):
    sources, target = EXPECTED_MOVES[action]
    case = make_case(state, department=property_dept, **_fields(action))
    _prepare(action, case)
    by, as_public = _first_allowed(action, staff)
    before = _snapshot(case)

    if state not in sources:
        with pytest.raises(InvalidMove):
            workflow.transition(case, action, by=by, as_public=as_public, **_extra(action))
        assert _snapshot(case) == before
        return

    with time_machine.travel(NOW, tick=False):
        event = workflow.transition(case, action, by=by, as_public=as_public, **_extra(action))
    expected_state = RESTORING.get(action) or target or state
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == expected_state
    assert fresh.version == before[1] + 1
    assert case.state == expected_state and case.version == fresh.version
    assert CaseEvent.objects.filter(case=case).count() == 1
    stored = CaseEvent.objects.get(case=case)
    assert stored.pk == event.pk
    assert (stored.action, stored.from_state, stored.to_state) == (action, state, expected_state)
    assert stored.at == NOW
    assert stored.actor == (by if by is not None and by.is_authenticated else None)
    if by is not None and by.is_authenticated:
        assert stored.actor_name == (by.get_full_name() or by.username)


def test_submit_is_never_a_transition_from_an_existing_stage(staff, make_case):
    for state in ALL_STATES:
        case = make_case(state)
        with pytest.raises(InvalidMove):
            workflow.transition(case, Action.SUBMIT, by=staff["intake"])
        assert case.events.count() == 0


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", sorted(EXPECTED_MOVES))
def test_who_may_make_each_move(action, actor, staff, make_case, property_dept):
    state = sorted(EXPECTED_MOVES[action][0])[0]
    by, as_public = _who(actor, staff)
    # A volunteer's moves are on the cases they follow: here, one they registered.
    case = make_case(state, department=property_dept, submitted_by=staff["volunteer"], **_fields(action))
    _prepare(action, case)
    before = _snapshot(case)
    if actor in EXPECTED_WHO[action]:
        workflow.transition(case, action, by=by, as_public=as_public, **_extra(action))
        assert Case.objects.get(pk=case.pk).version == before[1] + 1
        assert case.events.count() == 1
    else:
        with pytest.raises(NotAllowed):
            workflow.transition(case, action, by=by, as_public=as_public, **_extra(action))
        assert _snapshot(case) == before


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (Action.APPOINT, "dispatched"),
        (Action.FOLLOW_UP, "completed"),
        (Action.RATE, "completed"),
        (Action.REOPEN, "completed"),
    ],
)
def test_a_volunteer_may_not_change_a_case_they_do_not_follow(action, state, staff, make_case, property_dept):
    """Not registered by them nor at their desk (e.g. found by the resident's phone): read-only."""
    case = make_case(state, department=property_dept)
    before = _snapshot(case)
    with pytest.raises(NotAllowed):
        workflow.transition(case, action, by=staff["volunteer"], **_extra(action))
    assert _snapshot(case) == before
    assert action not in workflow.allowed_actions(staff["volunteer"], case)


def test_a_volunteer_may_answer_only_their_desks_cases(staff, make_case):
    other_desk = make_case("submitted", desk=HelpDesk.objects.get(code="mingliang-desk"))
    no_desk = make_case("submitted")
    for case in (other_desk, no_desk):
        with pytest.raises(NotAllowed):
            workflow.transition(case, Action.ANSWER, by=staff["volunteer"])
        assert Case.objects.get(pk=case.pk).state == "submitted"
    theirs = make_case("submitted", submitted_by=staff["volunteer"])
    workflow.transition(theirs, Action.ANSWER, by=staff["volunteer"])
    assert Case.objects.get(pk=theirs.pk).state == "closed"


def test_a_handler_without_a_department_may_not_touch_a_dispatched_case(staff, make_case, property_dept):
    staff["handler"].staff_profile.department = None
    staff["handler"].staff_profile.save()
    handler = type(staff["handler"]).objects.get(pk=staff["handler"].pk)
    case = make_case("dispatched", department=property_dept)
    with pytest.raises(NotAllowed):
        workflow.transition(case, Action.START, by=handler)
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_an_inactive_intake_officer_may_not_accept(staff, make_case):
    intake = staff["intake"]
    intake.is_active = False
    intake.save()
    case = make_case("submitted")
    with pytest.raises(NotAllowed):
        workflow.transition(case, Action.ACCEPT, by=type(intake).objects.get(pk=intake.pk))


def test_dispatch_records_the_department_on_the_case_and_the_event(staff, make_case, property_dept):
    case = make_case("accepted")
    event = workflow.transition(case, Action.DISPATCH, by=staff["intake"], department=property_dept)
    assert Case.objects.get(pk=case.pk).department == property_dept
    assert event.department == property_dept


def test_a_stale_case_object_raises_conflict_and_writes_nothing(staff, make_case):
    case = make_case("submitted")
    stale = Case.objects.get(pk=case.pk)
    workflow.transition(case, Action.ACCEPT, by=staff["intake"])
    before = _snapshot(case)

    with pytest.raises(Conflict):
        workflow.transition(stale, Action.REJECT, by=staff["intake"], public_note="重复")
    assert _snapshot(case) == before
    assert Case.objects.get(pk=case.pk).state == "accepted"
    assert not CaseEvent.objects.filter(case=case, action="reject").exists()


def test_a_stale_version_alone_is_a_conflict_even_when_the_stage_matches(staff, make_case, property_dept):
    case = make_case("handling", department=property_dept)
    stale = Case.objects.get(pk=case.pk)
    workflow.transition(case, Action.APPOINT, by=staff["handler"], appointment_at=NOW)
    assert case.state == stale.state == "handling"
    with pytest.raises(Conflict):
        workflow.transition(stale, Action.APPOINT, by=staff["intake"], appointment_at=NOW)
    assert case.events.count() == 1


def test_create_writes_the_submission_event(staff, make_case):
    from tests.support.data import submit

    case = submit()
    events = list(case.events.all())
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in events] == [
        ("submit", "", "submitted", None)
    ]
    assert case.version == 0 and case.state == "submitted"


@pytest.mark.parametrize("actor", ["handler", "supervisor", "system", "anonymous"])
def test_only_public_volunteer_and_intake_may_create_a_case(actor, staff):
    from tests.support.data import submit

    by, _ = _who(actor, staff)
    with pytest.raises(NotAllowed):
        submit(channel="phone", by=by)
    assert not Case.objects.exists()


def test_allowed_actions_are_what_the_stage_and_the_role_allow_together(staff, make_case, property_dept):
    dispatched = make_case("dispatched", department=property_dept)
    assert workflow.allowed_actions(staff["handler"], dispatched) == [
        "return",
        "start",
        "appoint",
        "ask_extension",
        "dispute",
        "assign_grid",
        "ask_info",
    ]
    assert workflow.allowed_actions(staff["other_handler"], dispatched) == []
    assert workflow.allowed_actions(staff["intake"], dispatched) == [
        "appoint",
        "reassign",
        "classify",
        "mark_unreasonable",
        "merge",
        "assign_grid",
        "ask_info",
    ]
    waiting = make_case("dispatched", department=property_dept, paused_at=NOW)
    assert workflow.allowed_actions(staff["handler"], waiting) == [
        "return",
        "start",
        "appoint",
        "ask_extension",
        "dispute",
        "assign_grid",
        "continue_info",
        "close_no_info",
    ]
    assert workflow.allowed_actions(None, waiting, as_public=True) == ["co_report", "give_info"]
    assert workflow.allowed_actions(staff["supervisor"], dispatched) == [
        "extend",
        "refuse_extension",
        "escalate",
        "sign_off",
        "decline_sign_off",
        "waive_cohandler",
    ]
    completed = make_case("completed", department=property_dept, submitted_by=staff["volunteer"])
    assert workflow.allowed_actions(None, completed, as_public=True) == ["rate", "reopen", "co_report"]
    assert workflow.allowed_actions(None, completed) == ["auto_close"]
    assert workflow.can(staff["volunteer"], Action.FOLLOW_UP, completed)
    assert not workflow.can(staff["volunteer"], Action.FOLLOW_UP, dispatched)
    assert not workflow.can(staff["volunteer"], Action.FOLLOW_UP, make_case("completed"))


def test_a_move_sets_only_the_fields_it_declares(staff, make_case, property_dept):
    case = make_case("submitted")
    before = _snapshot(case)
    with pytest.raises(TypeError):
        workflow.transition(case, Action.ACCEPT, by=staff["intake"], department=property_dept)
    with pytest.raises(TypeError):
        workflow.transition(case, Action.ACCEPT, by=staff["intake"], due_at=NOW)
    assert _snapshot(case) == before


def test_starting_work_keeps_the_dispatch_deadline_and_a_new_stage_starts_its_own(
    staff, make_case, property_dept
):
    case = make_case("accepted")
    workflow.transition(case, Action.DISPATCH, by=staff["intake"], department=property_dept)
    dispatched_due = Case.objects.get(pk=case.pk).due_at
    assert dispatched_due is not None
    workflow.transition(case, Action.START, by=staff["handler"])
    assert Case.objects.get(pk=case.pk).due_at == dispatched_due


def test_what_a_stage_means_is_answered_by_the_workflow(make_case):
    for state in ALL_STATES:
        case = make_case(state)
        assert workflow.is_open(case) == (
            state in {"submitted", "accepted", "dispatched", "handling", "disputed"}
        )
        assert workflow.is_finished(case) == (state in {"completed", "closed"})
        assert workflow.is_closed(case) == (state == "closed")
        assert workflow.is_rejected(case) == (state == "rejected")
        assert workflow.is_disputed(case) == (state == "disputed")
        assert workflow.awaits_visit(case) == (state in {"dispatched", "handling"})


@pytest.mark.parametrize("action", sorted(PAUSED_ONLY | {"ask_info"}))
def test_the_info_moves_depend_on_whether_the_case_waits_for_an_answer(
    action, staff, make_case, property_dept
):
    waiting = action not in PAUSED_ONLY
    case = make_case("dispatched", department=property_dept, paused_at=NOW if waiting else None)
    by, as_public = _first_allowed(action, staff)
    before = _snapshot(case)
    with pytest.raises(InvalidMove):
        workflow.transition(case, action, by=by, as_public=as_public)
    assert _snapshot(case) == before
