"""诉求性质 and 紧急程度: the suggestion, intake's CLASSIFY move, time limits per priority, queue order
and the department's immediate notice of an 应急 case."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases import classifying, deadlines, selectors, services
from cases.errors import InvalidMove, NotAllowed
from cases.models import Case, CaseEvent, Category, CategoryPriorityLimit, Department, Priority
from notify.models import Channel, Message
from tests.support.data import case_in, submit

SH = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


@pytest.mark.parametrize(
    ("words", "request_type", "priority"),
    [
        ("厨房水管漏水,水流了一地", "help", "urgent"),
        ("楼下有燃气味,很担心", "help", "urgent"),
        ("我被困在电梯里了", "help", "urgent"),
        ("建议小区门口增设一个垃圾桶", "suggestion", "normal"),
        ("能不能把健身器材修一修", "suggestion", "normal"),
        ("高龄补贴怎么申请?", "enquiry", "normal"),
        ("居住证明去哪里开", "enquiry", "normal"),
        ("社区能开居住证明吗?", "enquiry", "normal"),
        ("投诉楼下烧烤店夜间噪音扰民", "complaint", "normal"),
        ("独居老人家里楼道灯坏了", "help", "high"),
        ("3栋楼道灯坏了", "help", "normal"),
    ],
)
def test_the_suggestion_reads_the_residents_words(users, words, request_type, priority):
    suggestion = classifying.suggest(Category.objects.get(code="infrastructure"), words)
    assert (suggestion.request_type, suggestion.priority) == (request_type, priority)


def test_an_urgent_category_suggests_urgent_and_says_why(users):
    suggestion = classifying.suggest(Category.objects.get(code="utilities"), "小区今天没水了")
    assert suggestion.priority == "urgent"
    assert Category.objects.get(code="utilities").name in suggestion.because


def test_a_submission_is_never_classified_by_the_suggestion(users):
    case = submit(description="厨房水管漏水,请问怎么办?")
    assert (case.request_type, case.priority) == ("help", "normal")
    assert classifying.suggestion_for(case).priority == "urgent"


def test_classify_sets_both_and_writes_a_staff_only_event(users):
    case = case_in("accepted", users)
    event = classifying.classify(
        case, by=users["intake"], request_type="complaint", priority="high", note="来电"
    )
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.request_type, fresh.priority) == ("complaint", "high")
    assert event.action == "classify" and not event.is_public and fresh.state == "accepted"
    assert "求助 → 投诉" in event.private_note and "常规 → 重点" in event.private_note
    assert event not in selectors.public_progress(fresh).events


@pytest.mark.parametrize(
    ("request_type", "priority", "field"),
    [("question", "normal", "request_type"), ("help", "asap", "priority"), ("", "", "request_type")],
)
def test_an_unknown_type_or_priority_is_refused_and_changes_nothing(users, request_type, priority, field):
    case = case_in("accepted", users)
    version = case.version
    with pytest.raises(ValidationError) as caught:
        classifying.classify(case, by=users["intake"], request_type=request_type, priority=priority)
    assert field in caught.value.message_dict
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.request_type, fresh.priority, fresh.version) == ("help", "normal", version)
    assert not CaseEvent.objects.filter(case=case, action="classify").exists()


def test_a_classification_that_changes_nothing_is_refused(users):
    case = case_in("accepted", users)
    with pytest.raises(ValidationError):
        classifying.classify(case, by=users["intake"], request_type="help", priority="normal")
    assert not CaseEvent.objects.filter(case=case, action="classify").exists()


def test_only_intake_classifies_and_only_an_open_case(users):
    case = case_in("dispatched", users)
    for who in ("handler", "volunteer", "supervisor"):
        with pytest.raises(NotAllowed):
            classifying.classify(case, by=users[who], request_type="help", priority="urgent")
    closed = case_in("closed", users)
    with pytest.raises(InvalidMove):
        classifying.classify(closed, by=users["intake"], request_type="help", priority="urgent")
    assert Case.objects.get(pk=closed.pk).priority == "normal"


def test_an_urgent_limit_of_the_category_sets_the_deadline_in_clock_hours(users):
    infrastructure = Category.objects.get(code="infrastructure")
    CategoryPriorityLimit.objects.create(
        category=infrastructure, priority=Priority.URGENT, time_limit_hours=2
    )
    friday_17 = datetime(2026, 11, 27, 17, 0, tzinfo=SH)
    with time_machine.travel(friday_17, tick=False):
        case = case_in("accepted", users)
        classifying.classify(case, by=users["intake"], request_type="help", priority="urgent")
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    # 2 clock hours, past the end of the working day (a 常规 case would be due next week).
    assert Case.objects.get(pk=case.pk).due_at == friday_17 + timedelta(hours=2)
    assert deadlines.limit_hours(infrastructure, "dispatched", "normal") == infrastructure.time_limit_hours


def test_classifying_a_dispatched_case_urgent_counts_the_new_limit_from_the_dispatch(users):
    infrastructure = Category.objects.get(code="infrastructure")
    CategoryPriorityLimit.objects.create(
        category=infrastructure, priority=Priority.URGENT, time_limit_hours=4
    )
    with time_machine.travel(MONDAY_9, tick=False):
        case = case_in("dispatched", users)
    with time_machine.travel(MONDAY_9 + timedelta(hours=1), tick=False):
        classifying.classify(case, by=users["intake"], request_type="help", priority="urgent")
    assert Case.objects.get(pk=case.pk).due_at == MONDAY_9 + timedelta(hours=4)


def test_without_a_limit_row_urgent_keeps_the_categorys_hours_counted_on_the_clock(users):
    infrastructure = Category.objects.get(code="infrastructure")
    with time_machine.travel(MONDAY_9, tick=False):
        case = submit()
        classifying.classify(case, by=users["intake"], request_type="help", priority="urgent")
    assert Case.objects.get(pk=case.pk).due_at == MONDAY_9 + timedelta(
        hours=infrastructure.accept_limit_hours
    )


def test_urgent_cases_jump_the_queue(users):
    old = submit(description="楼道灯坏了")
    high = submit(description="门禁坏了")
    urgent = submit(description="水管爆了")
    classifying.classify(urgent, by=users["intake"], request_type="help", priority="urgent")
    classifying.classify(high, by=users["intake"], request_type="help", priority="high")
    assert list(selectors.queue(users["intake"]))[:3] == [urgent, high, old]
    assert list(selectors.filter_queue(selectors.queue(users["intake"]), priority="urgent")) == [urgent]
    assert len(selectors.filter_queue(selectors.queue(users["intake"]), priority="nonsense")) == 3


def _mobile_department(code: str = "property") -> Department:
    department = Department.objects.get(code=code)
    department.phone = "13900009999"
    department.save()
    return department


def test_an_urgent_case_is_sent_to_the_department_at_once_on_dispatch(users):
    _mobile_department()
    users["handler"].email = "lisi@example.org"
    users["handler"].save()
    case = case_in("accepted", users)
    classifying.classify(case, by=users["intake"], request_type="help", priority="urgent")
    assert not Message.objects.filter(recipient="13900009999").exists()  # nobody has it yet
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    sms = Message.objects.get(recipient="13900009999")
    assert sms.channel == Channel.SMS and "应急诉求" in sms.text and case.number in sms.text
    assert Message.objects.filter(recipient="lisi@example.org", channel=Channel.EMAIL).count() == 1


def test_a_case_the_department_has_that_becomes_urgent_is_sent_once(users):
    _mobile_department()
    case = case_in("dispatched", users)
    classifying.classify(case, by=users["intake"], request_type="help", priority="urgent")
    classifying.classify(case, by=users["intake"], request_type="complaint", priority="urgent")
    assert Message.objects.filter(recipient="13900009999", text__contains="应急诉求").count() == 1


def test_a_normal_dispatch_sends_the_department_nothing(users):
    _mobile_department()
    case_in("dispatched", users)
    assert not Message.objects.filter(recipient="13900009999").exists()


def test_every_action_fits_the_event_column():
    """SQLite does not enforce a CharField's length; PostgreSQL refuses the event (a lost move)."""
    from cases.workflow import Action

    longest = max(len(action) for action in Action.values)
    assert longest <= CaseEvent._meta.get_field("action").max_length
