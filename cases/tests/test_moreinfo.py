"""补充材料: staff ask the resident for more; the clock pauses until the answer or a decision."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases import deadlines, moreinfo, selectors, services, supervision, workflow
from cases.errors import InvalidMove, NotAllowed
from cases.models import Case, InfoRequest
from notify import jobs
from notify.models import Message
from tests.support.data import case_in, jpeg

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning with no holiday near it (the demo calendar has none in March 2026).
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def sms_to_resident(case) -> list[str]:
    return list(
        Message.objects.filter(case=case, recipient=case.phone).order_by("id").values_list("text", flat=True)
    )


@pytest.fixture
def dispatched(users):
    with time_machine.travel(MONDAY, tick=False):
        return case_in("dispatched", users)


def test_asking_pauses_the_clock_and_tells_the_resident(users, dispatched):
    case = dispatched
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        request = moreinfo.ask(case, by=users["handler"], question="请提供漏水位置的照片", wants_photo=True)
        case = fresh(case)
        assert workflow.is_waiting_for_info(case) and case.state == "dispatched"
        assert deadlines.running_due_at(case) is None and not deadlines.is_overdue(case)
        assert request.asked_by == users["handler"] and request.status == InfoRequest.Status.PENDING
        event = case.events.latest("at", "id")
        assert (
            event.action == "ask_info"
            and event.is_public
            and "请补充:请提供漏水位置的照片" in event.public_note
        )
        text = sms_to_resident(case)[-1]
        assert "需要您补充:请提供漏水位置的照片" in text and "回复本短信" in text
        progress = selectors.public_progress(case)
        assert progress.info_request == request
        assert [s.waiting for s in progress.stages if s.current] == [True]
        assert "补充" in selectors.plain_progress(progress)


def test_the_answer_moves_the_deadline_later_by_the_working_time_it_waited(users, dispatched):
    case = dispatched
    due_before = case.due_at
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        moreinfo.ask(case, by=users["handler"], question="几楼?")
    # Answered the next morning at 10:00: from Monday 11:00 that is one working day of waiting.
    answered_at = MONDAY + timedelta(days=1)
    with time_machine.travel(answered_at, tick=False):
        case = fresh(case)
        waited = deadlines.WorkCalendar().working_hours_between(MONDAY + timedelta(hours=1), answered_at)
        request = moreinfo.answer(case, text="5楼", via=InfoRequest.Via.ONLINE, phone_last4="1234")
    case = fresh(case)
    assert request.status == InfoRequest.Status.ANSWERED and request.answer == "5楼"
    assert not workflow.is_waiting_for_info(case)
    assert case.due_at == deadlines.WorkCalendar().add_working_hours(due_before, waited)
    assert case.due_at > due_before
    event = case.events.latest("at", "id")
    # The resident's words are for staff: the public timeline says only that they answered.
    assert (
        event.action == "give_info" and event.public_note == "居民已补充材料" and event.private_note == "5楼"
    )


def test_bad_input_changes_nothing(users, dispatched):
    case = dispatched
    with pytest.raises(ValidationError) as empty:
        moreinfo.ask(case, by=users["handler"], question="   ")
    assert "question" in empty.value.message_dict
    case = fresh(case)
    assert not workflow.is_waiting_for_info(case) and not case.info_requests.exists()
    # Nothing is pending: an answer is refused.
    with pytest.raises(InvalidMove):
        moreinfo.answer(case, text="5楼", via=InfoRequest.Via.ONLINE, phone_last4="1234")
    moreinfo.ask(case, by=users["handler"], question="几楼?")
    case = fresh(case)
    # Only one question at a time.
    with pytest.raises(InvalidMove):
        moreinfo.ask(case, by=users["handler"], question="几单元?")
    # Wrong digits, and an empty answer: refused, still pending.
    with pytest.raises(ValidationError):
        moreinfo.answer(case, text="5楼", via=InfoRequest.Via.ONLINE, phone_last4="0000")
    with pytest.raises(ValidationError) as blank:
        moreinfo.answer(case, text=" ", via=InfoRequest.Via.ONLINE, phone_last4="1234")
    assert "text" in blank.value.message_dict
    case = fresh(case)
    assert workflow.is_waiting_for_info(case) and moreinfo.pending(case).answered_at is None
    moreinfo.answer(case, text="5楼", via=InfoRequest.Via.ONLINE, phone_last4="1234")
    # Answering twice: nothing is pending any more.
    with pytest.raises(InvalidMove):
        moreinfo.answer(case, text="5楼", via=InfoRequest.Via.ONLINE, phone_last4="1234")
    assert fresh(case).info_requests.get().answer == "5楼"


def test_who_may_ask(users, staff, dispatched):
    with pytest.raises(NotAllowed):
        moreinfo.ask(dispatched, by=staff["other_handler"], question="几楼?")
    with pytest.raises(NotAllowed):
        moreinfo.ask(dispatched, by=users["volunteer"], question="几楼?")
    submitted = case_in("submitted", users)
    with pytest.raises(InvalidMove):
        moreinfo.ask(submitted, by=users["intake"], question="几楼?")
    accepted = case_in("accepted", users)
    assert moreinfo.ask(accepted, by=users["intake"], question="几楼?").asked_by == users["intake"]


def test_a_volunteer_answers_at_the_desk_with_a_photo_without_gps(users, dispatched, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    moreinfo.ask(dispatched, by=users["handler"], question="请拍一张漏水处的照片", wants_photo=True)
    # The volunteer follows the case (registered it): a volunteer changes only such cases.
    Case.objects.filter(pk=dispatched.pk).update(submitted_by=users["volunteer"])
    case = fresh(dispatched)
    request = moreinfo.answer(
        case,
        text="居民带来了照片",
        photo_files=[jpeg("leak.jpg")],
        via=InfoRequest.Via.DESK,
        by=users["volunteer"],
    )
    assert request.answered_by == users["volunteer"] and request.attachments.count() == 1
    photo = request.attachments.get()
    assert photo.kind == "photo" and not photo.is_public
    assert "代办岗志愿者" in fresh(case).events.latest("at", "id").public_note


def test_the_answer_goes_back_to_the_asking_persons_queue_with_a_badge(users, dispatched):
    moreinfo.ask(dispatched, by=users["intake"], question="几楼?")
    case = fresh(dispatched)
    assert case not in selectors.queue(users["intake"])  # dispatched: the department's queue
    moreinfo.answer(case, text="5楼", via=InfoRequest.Via.SMS)
    mine = selectors.queue(users["intake"]).get(pk=case.pk)
    assert mine.info_answered
    theirs = selectors.queue(users["handler"]).get(pk=case.pk)
    assert theirs.info_answered
    services.start(fresh(case), by=users["handler"])
    assert not selectors.queue(users["handler"]).get(pk=case.pk).info_answered
    assert case.pk not in selectors.queue(users["intake"]).values_list("pk", flat=True)


def test_no_answer_one_reminder_then_the_asking_person_decides(users, dispatched):
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        moreinfo.ask(dispatched, by=users["handler"], question="几楼?")
    case = fresh(dispatched)
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False), pytest.raises(InvalidMove):
        moreinfo.close_without(case, by=users["handler"], reason="联系不上居民")  # too early
    # Overdue-looking but paused: never escalated while waiting.
    with time_machine.travel(MONDAY + timedelta(days=2, hours=2), tick=False):  # Wednesday: 2 working days
        done = jobs.run_periodic(close=False)
        assert done["info_reminded"] == 1 and done["info_flagged"] == 0
        assert jobs.run_periodic(close=False)["info_reminded"] == 0  # once
    assert "提醒" in sms_to_resident(case)[-1]
    assert supervision.escalate_overdue(now=MONDAY + timedelta(days=30)) == 0
    with time_machine.travel(MONDAY + timedelta(days=7, hours=2), tick=False):  # next Monday: 5 working days
        assert jobs.run_periodic(close=False)["info_flagged"] == 1
        case = fresh(case)
        request = moreinfo.pending(case)
        assert request.flagged_at is not None
        assert selectors.queue(users["handler"]).get(pk=case.pk).info_flagged
        with pytest.raises(ValidationError):
            moreinfo.close_without(case, by=users["handler"], reason="")
        moreinfo.close_without(case, by=users["handler"], reason="多次联系居民未补充")
    case = fresh(case)
    assert workflow.is_rejected(case) and not workflow.is_waiting_for_info(case)
    progress = selectors.public_progress(case)
    assert "多次联系居民未补充" in progress.rejected_reason
    assert "多次联系居民未补充" in selectors.plain_progress(progress)
    assert case.info_requests.get().status == InfoRequest.Status.CLOSED
    assert "不予办理" in sms_to_resident(case)[-1]
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-4:] == ["ask_info", "remind_info", "remind_info", "close_no_info"]


def test_continuing_without_the_answer_resumes_the_clock(users, dispatched):
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        moreinfo.ask(dispatched, by=users["handler"], question="几楼?")
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        case = fresh(dispatched)
        due_before = case.due_at
        moreinfo.continue_without(case, by=users["handler"], note="现场已找到")
    case = fresh(case)
    assert not workflow.is_waiting_for_info(case) and case.due_at > due_before
    assert case.info_requests.get().status == InfoRequest.Status.CONTINUED
    with pytest.raises(InvalidMove):
        moreinfo.continue_without(case, by=users["handler"])


def test_a_move_to_another_stage_withdraws_the_question(users, dispatched):
    moreinfo.ask(dispatched, by=users["handler"], question="几楼?")
    case = fresh(dispatched)
    services.return_case(case, by=users["handler"], reason="不属于本部门")
    case = fresh(case)
    assert not workflow.is_waiting_for_info(case)
    assert case.info_requests.get().status == InfoRequest.Status.WITHDRAWN


def test_add_working_days_skips_the_weekend(db):
    friday = datetime(2026, 3, 6, 15, 0, tzinfo=TZ)
    assert deadlines.add_working_days(friday, 2) == datetime(2026, 3, 10, 15, 0, tzinfo=TZ)
