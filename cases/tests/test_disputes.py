"""派单异议: a department disputes a dispatch; a supervisor rules within a time limit."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import dispatching, selectors, supervision, workflow
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, Department, Dispute, ResponsibilityItem
from operations.demo import load_responsibilities
from tests.support.data import case_in


def dept(code):
    return Department.objects.get(code=code)


@pytest.fixture
def street_light(users):
    """A case about a street light dispatched to 物业科, and the list entry naming 市政科."""
    load_responsibilities()
    case = case_in("dispatched", users, description="小区外人行道的路灯不亮")
    item = ResponsibilityItem.objects.get(keywords__contains="路灯")
    return case, item


def test_a_dispute_citing_the_list_waits_for_a_ruling(users, street_light):
    case, item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="路灯是市政设施", item=item)
    case = Case.objects.get(pk=case.pk)
    assert workflow.is_disputed(case) and workflow.is_open(case)
    assert disputed.cites_item and disputed.department.code == "property"
    # The ruling is due within the ruling's limit, in working hours.
    assert case.due_at > timezone.now()
    event = case.events.latest("at", "id")
    assert event.action == "dispute" and "依据派单目录" in event.private_note
    progress = selectors.public_progress(case)
    stage = next(s for s in progress.stages if s.current)
    assert stage.label == "正在确认责任部门"
    assert "正在确认" in selectors.plain_progress(progress)
    assert disputed in dispatching.pending_disputes()


def test_a_reason_alone_is_allowed_and_marked(users, street_light):
    case, _item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="不归物业管")
    assert not disputed.cites_item
    assert "未引用派单目录" in case.events.latest("at", "id").private_note


def test_disputing_another_departments_case_is_refused(users, staff, street_light):
    case, item = street_light
    with pytest.raises(NotAllowed):
        dispatching.dispute(case, by=staff["other_handler"], reason="x", item=item)
    assert Case.objects.get(pk=case.pk).state == "dispatched"
    assert not Dispute.objects.exists()


def test_bad_disputes_change_nothing(users, street_light):
    case, _item = street_light
    own = ResponsibilityItem.objects.filter(department__code="property", category=case.category).first()
    with pytest.raises(ValidationError) as exc:
        dispatching.dispute(case, by=users["handler"], reason="x", item=own)
    assert "item" in exc.value.message_dict
    with pytest.raises(ValidationError):
        dispatching.dispute(case, by=users["handler"], reason="")
    assert Case.objects.get(pk=case.pk).version == case.version


def test_upheld_the_case_goes_back_with_the_time_it_had_left(users, street_light):
    case, item = street_light
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(hours=30))
    case.refresh_from_db()
    disputed = dispatching.dispute(case, by=users["handler"], reason="不是我们的", item=item)
    dispatching.rule(disputed, by=users["supervisor"], upheld=True, note="小区内路灯属物业管理")
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.department.code) == ("dispatched", "property")
    disputed.refresh_from_db()
    assert disputed.status == "upheld" and disputed.ruled_by == users["supervisor"]
    last = selectors.public_progress(case).events[-1]
    assert last.action == "rule" and "仍由物业科办理:小区内路灯属物业管理" in last.public_note
    assert case.due_at > timezone.now() + timedelta(hours=1)


def test_accepted_the_case_goes_to_the_ruled_department_and_may_amend_the_list(users, street_light):
    case, item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="路灯是市政设施", item=item)
    dispatching.rule(disputed, by=users["supervisor"], upheld=False, note="路灯归市政科", amend_list=True)
    case = Case.objects.get(pk=case.pk)
    assert (case.state, case.department.code) == ("dispatched", "municipal")  # the cited entry's
    disputed.refresh_from_db()
    assert disputed.status == "accepted" and disputed.amended_item.department.code == "municipal"
    assert dispatching.listed_item(case).pk == disputed.amended_item.pk
    assert selectors.event_actor(case.events.latest("at", "id")) == "市政科"


def test_ruling_twice_or_badly_is_refused(users, street_light):
    case, item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="x", item=item)
    with pytest.raises(ValidationError):
        dispatching.rule(
            disputed, by=users["supervisor"], upheld=False, note="x", department=dept("property")
        )
    with pytest.raises(NotAllowed):
        dispatching.rule(disputed, by=users["intake"], upheld=True, note="x")
    assert Case.objects.get(pk=case.pk).state == "disputed"
    dispatching.rule(disputed, by=users["supervisor"], upheld=True, note="维持")
    with pytest.raises(InvalidMove):
        dispatching.rule(disputed, by=users["supervisor"], upheld=True, note="再裁一次")


def test_two_rulings_at_once_one_wins(users, street_light):
    case, item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="x", item=item)
    other = Dispute.objects.get(pk=disputed.pk)
    dispatching.rule(disputed, by=users["supervisor"], upheld=True, note="维持")
    with pytest.raises((Conflict, InvalidMove)):
        dispatching.rule(other, by=users["supervisor"], upheld=False, note="改派", department=dept("urban"))
    case.refresh_from_db()
    assert case.department.code == "property"
    assert case.events.filter(action="rule").count() == 1


def test_two_rulings_racing_past_the_checks_one_wins(users, street_light):
    """Both read the dispute pending and the case disputed; the status swap lets one through."""
    case, item = street_light
    disputed = dispatching.dispute(case, by=users["handler"], reason="x", item=item)
    stale = Dispute.objects.select_related("case").get(pk=disputed.pk)
    stale_case = stale.case
    dispatching.rule(disputed, by=users["supervisor"], upheld=True, note="维持")
    stale.case = stale_case  # still reads as disputed and pending
    with pytest.raises(Conflict):
        dispatching.rule(stale, by=users["supervisor"], upheld=False, note="改派", department=dept("urban"))
    assert Case.objects.get(pk=case.pk).department.code == "property"


def test_an_overdue_ruling_is_escalated(users, street_light):
    case, item = street_light
    dispatching.dispute(case, by=users["handler"], reason="x", item=item)
    later = timezone.now() + timedelta(days=10)
    assert supervision.escalate_overdue(now=later) == 1
    assert case.events.filter(action="escalate").exists()
