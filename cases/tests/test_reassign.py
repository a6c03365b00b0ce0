"""改派: intake hands a dispatched or handling case to another department, with a reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import deadlines, dispatching, selectors
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, Department
from tests.support.data import case_in


def dept(code):
    return Department.objects.get(code=code)


@pytest.mark.parametrize("state", ["dispatched", "handling"])
def test_reassigning_hands_the_case_to_the_new_department(users, state):
    case = case_in(state, users)
    dispatching.reassign(case, by=users["intake"], department=dept("municipal"), reason="路灯属市政设施")
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.department.code, case.appointment_at) == ("dispatched", "municipal", None)
    event = case.events.latest("at", "id")
    assert event.action == "reassign" and event.department.code == "municipal"
    # The resident's timeline says who has it now, and why.
    progress = selectors.public_progress(case)
    assert selectors.event_actor(progress.events[-1]) == "市政科"
    assert "由物业科改派给市政科(派单人:张三),原因:路灯属市政设施" == progress.events[-1].public_note
    dispatched = next(s for s in progress.stages if s.key == "dispatched")
    assert dispatched.actor == "市政科" and dispatched.current
    assert "市政科" in selectors.plain_progress(progress)


def test_the_new_department_gets_the_full_time_limit_from_the_reassignment(users):
    case = case_in("dispatched", users)
    # The first department sat on it: its deadline is nearly gone.
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(minutes=5))
    case.refresh_from_db()
    before = timezone.now()
    dispatching.reassign(case, by=users["intake"], department=dept("municipal"), reason="不属物业")
    case.refresh_from_db()
    earliest = deadlines.add_limit(case.category, before, case.category.time_limit_hours)
    assert earliest <= case.due_at <= deadlines.add_limit(case.category, timezone.now(), 48)


def test_reassigning_to_the_same_department_is_refused_and_changes_nothing(users):
    case = case_in("dispatched", users)
    version = case.version
    with pytest.raises(ValidationError) as exc:
        dispatching.reassign(case, by=users["intake"], department=dept("property"), reason="再派一次")
    assert "另一个部门" in str(exc.value.message_dict["department"])
    assert Case.objects.get(pk=case.pk).version == version


def test_a_reason_is_required(users):
    case = case_in("dispatched", users)
    with pytest.raises(ValidationError) as exc:
        dispatching.reassign(case, by=users["intake"], department=dept("urban"), reason="  ")
    assert "reason" in exc.value.message_dict
    assert Case.objects.get(pk=case.pk).department.code == "property"


def test_only_intake_reassigns_and_only_while_a_department_has_it(users):
    case = case_in("dispatched", users)
    with pytest.raises(NotAllowed):
        dispatching.reassign(case, by=users["handler"], department=dept("urban"), reason="不归我们")
    accepted = case_in("accepted", users)
    with pytest.raises(InvalidMove):
        dispatching.reassign(accepted, by=users["intake"], department=dept("urban"), reason="x")


def test_two_reassignments_at_once_one_wins(users):
    case = case_in("dispatched", users)
    other = Case.objects.get(pk=case.pk)
    dispatching.reassign(case, by=users["intake"], department=dept("urban"), reason="城管的事")
    with pytest.raises(Conflict):
        dispatching.reassign(other, by=users["intake"], department=dept("municipal"), reason="市政的事")
    case.refresh_from_db()
    assert case.department.code == "urban"
    assert case.events.filter(action="reassign").count() == 1
