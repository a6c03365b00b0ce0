"""督办 and 延期: the escalation job with frozen time, manual escalation, extension requests and decisions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import selectors, services, supervision
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, CaseEvent, Department, Extension
from notify.models import Message
from tests.support.data import case_in, jpeg, submit

SH = ZoneInfo("Asia/Shanghai")


def test_the_job_escalates_cases_only_once_their_deadline_has_passed(users):
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False):  # Monday
        case = submit()
    assert case.due_at == datetime(2026, 11, 23, 11, 0, tzinfo=SH)
    with time_machine.travel(datetime(2026, 11, 23, 10, 59, tzinfo=SH), tick=False):
        assert supervision.escalate_overdue() == 0
    with time_machine.travel(datetime(2026, 11, 23, 11, 1, tzinfo=SH), tick=False):
        assert supervision.escalate_overdue() == 1
        assert supervision.escalate_overdue() == 0
    event = CaseEvent.objects.get(case=case, action="escalate")
    assert event.actor_name == "系统" and not event.is_public
    assert event not in selectors.public_progress(Case.objects.get(pk=case.pk)).events


def test_a_case_escalated_and_then_extended_is_escalated_again_after_its_new_deadline(users):
    case = case_in("dispatched", users)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert supervision.escalate_overdue() == 1
    case.refresh_from_db()
    extension = supervision.request_extension(
        case, by=users["handler"], reason="等待配件", new_due_at=timezone.now() + timedelta(days=2)
    )
    supervision.approve_extension(extension, by=users["supervisor"])
    assert supervision.escalate_overdue() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert supervision.escalate_overdue() == 1


def test_finished_cases_are_never_escalated(users):
    case = case_in("completed", users)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(days=1))
    assert supervision.escalate_overdue() == 0


def test_a_supervisor_may_escalate_by_hand_and_a_handler_may_not(users):
    case = case_in("dispatched", users)
    event = supervision.escalate(case, by=users["supervisor"], note="请今天内上门")
    assert event.private_note == "请今天内上门" and event.actor == users["supervisor"]
    with pytest.raises(NotAllowed):
        supervision.escalate(case, by=users["handler"])


def test_a_handler_requests_an_extension_and_the_supervisor_approves_it(users):
    case = case_in("handling", users)
    new_due = case.due_at + timedelta(days=5)
    extension = supervision.request_extension(
        case, by=users["handler"], reason="需要更换整段水管", new_due_at=new_due
    )
    assert Case.objects.get(pk=case.pk).due_at != new_due  # nothing changes before approval
    event = supervision.approve_extension(extension, by=users["supervisor"])
    case.refresh_from_db()
    assert case.due_at == new_due and case.state == "handling"
    assert event.action == "extend" and event.public_note.startswith("申请延期至")
    assert Extension.objects.get().status == "approved"
    [told] = Message.objects.filter(event=event)
    assert timezone.localtime(new_due).strftime("%Y-%m-%d %H:%M") in told.text
    assert told.recipient == case.phone


def test_a_refused_extension_keeps_the_deadline_and_tells_nobody(users):
    case = case_in("handling", users)
    before = case.due_at
    extension = supervision.request_extension(
        case, by=users["handler"], reason="人手不够", new_due_at=case.due_at + timedelta(days=5)
    )
    messages_before = Message.objects.count()
    supervision.refuse_extension(extension, by=users["supervisor"])
    assert Case.objects.get(pk=case.pk).due_at == before
    assert Extension.objects.get().status == "refused"
    assert Message.objects.count() == messages_before
    with pytest.raises(Conflict):
        supervision.approve_extension(extension, by=users["supervisor"])


def test_only_a_supervisor_decides(users):
    case = case_in("handling", users)
    extension = supervision.request_extension(
        case, by=users["handler"], reason="等待配件", new_due_at=case.due_at + timedelta(days=2)
    )
    for who in ("handler", "intake"):
        with pytest.raises(NotAllowed):
            supervision.approve_extension(extension, by=users[who])
        with pytest.raises(NotAllowed):
            supervision.refuse_extension(extension, by=users[who])
    assert Extension.objects.get().status == "pending"


@pytest.mark.parametrize(
    ("reason", "delta", "field"),
    [
        ("", timedelta(days=2), "reason"),
        ("等待配件", None, "new_due_at"),
        ("等待配件", timedelta(days=-1), "new_due_at"),
        ("等待配件", timedelta(hours=1), "new_due_at"),  # earlier than the current deadline
        ("等待配件", timedelta(days=61), "new_due_at"),
    ],
)
def test_bad_extension_requests_are_explained_and_change_nothing(users, reason, delta, field):
    case = case_in("dispatched", users)
    new_due = timezone.now() + delta if delta is not None else None
    with pytest.raises(ValidationError) as info:
        supervision.request_extension(case, by=users["handler"], reason=reason, new_due_at=new_due)
    assert field in info.value.error_dict
    assert not Extension.objects.exists()


def test_extensions_are_for_the_departments_own_open_cases(users, staff_other_handler):
    case = case_in("dispatched", users)
    with pytest.raises(NotAllowed):
        supervision.request_extension(
            case, by=staff_other_handler, reason="x", new_due_at=timezone.now() + timedelta(days=1)
        )
    accepted = case_in("accepted", users)
    with pytest.raises(NotAllowed):  # not dispatched: no department's handler has it
        supervision.request_extension(
            accepted, by=users["handler"], reason="x", new_due_at=timezone.now() + timedelta(days=1)
        )


def test_only_one_pending_request_at_a_time(users):
    case = case_in("dispatched", users)
    later = case.due_at + timedelta(days=2)
    supervision.request_extension(case, by=users["handler"], reason="等待配件", new_due_at=later)
    with pytest.raises(InvalidMove):
        supervision.request_extension(case, by=users["handler"], reason="再等等", new_due_at=later)


def test_repeated_returns_show_up_for_the_supervisor(users):
    case = case_in("dispatched", users)
    property_dept = Department.objects.get(code="property")
    services.return_case(case, by=users["handler"], reason="不归物业科")
    services.dispatch(case, by=users["intake"], department=property_dept)
    assert case not in supervision.repeatedly_returned()
    services.return_case(case, by=users["handler"], reason="还是不归物业科")
    [returned] = supervision.repeatedly_returned()
    assert returned == case and returned.returns == 2


@pytest.fixture
def staff_other_handler(users):
    from django.contrib.auth.models import Group, User

    from cases import roles
    from cases.models import StaffProfile

    other = User.objects.create_user("urban_handler2", first_name="王五")
    other.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=other, department=Department.objects.get(code="urban"))
    return other


def test_a_request_and_a_refusal_are_staff_only_events_in_the_timeline(users):
    case = case_in("handling", users)
    new_due = case.due_at + timedelta(days=3)
    extension = supervision.request_extension(
        case, by=users["handler"], reason="等待配件", new_due_at=new_due
    )
    supervision.refuse_extension(extension, by=users["supervisor"])
    asked, refused = CaseEvent.objects.filter(case=case, action__in=["ask_extension", "refuse_extension"])
    assert (asked.action, asked.actor, asked.is_public) == ("ask_extension", users["handler"], False)
    assert "等待配件" in asked.private_note
    assert (refused.action, refused.actor, refused.is_public) == (
        "refuse_extension",
        users["supervisor"],
        False,
    )
    progress = selectors.public_progress(Case.objects.get(pk=case.pk))
    assert not [e for e in progress.events if e.action in ("ask_extension", "refuse_extension")]


def test_a_completed_case_no_longer_waits_for_a_decision(users):
    case = case_in("handling", users)
    supervision.request_extension(
        case, by=users["handler"], reason="等待配件", new_due_at=case.due_at + timedelta(days=3)
    )
    assert supervision.pending_extensions().count() == 1
    services.complete(
        case, by=users["handler"], explanation="已修好", before=[jpeg("b.jpg")], after=[jpeg("a.jpg")]
    )
    assert supervision.pending_extensions().count() == 0
