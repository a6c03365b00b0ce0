"""补充材料 by SMS: a reply from the case's phone while a question waits is the answer."""

from cases import moreinfo, workflow
from cases.models import Case, InfoRequest
from notify.backends.http import HttpBackend
from notify.models import Message, Outcome
from notify.tests.test_inbound import PHONE, answer, receive
from tests.support.data import case_in


def asked(users, **extra) -> tuple[Case, Message]:
    case = case_in("dispatched", users, **extra)
    moreinfo.ask(case, by=users["handler"], question="漏水的是哪一个房间?")
    told = Message.objects.filter(case=case, event__action="ask_info").get()
    return Case.objects.get(pk=case.pk), told


def test_a_reply_to_the_question_answers_it(users):
    case, told = asked(users)
    assert told.recipient == PHONE and "漏水的是哪一个房间" in told.text
    reply = receive("厨房水槽下面", reply_to=HttpBackend.message_id(told))
    assert reply.outcome == Outcome.INFO_GIVEN and reply.case_id == case.pk
    case = Case.objects.get(pk=case.pk)
    assert not workflow.is_waiting_for_info(case)
    request = case.info_requests.get()
    assert request.answer == "厨房水槽下面" and request.answered_via == InfoRequest.Via.SMS
    assert "已收到您为诉求" in answer(reply)
    event = case.events.latest("at", "id")
    assert event.action == "give_info" and event.actor is None and event.private_note == "厨房水槽下面"


def test_a_text_without_reply_id_from_the_cases_phone_answers_too(users):
    case, _told = asked(users)
    reply = receive("厨房")
    assert reply.outcome == Outcome.INFO_GIVEN
    assert Case.objects.get(pk=case.pk).info_requests.get().answer == "厨房"


def test_a_reply_from_another_phone_or_a_second_reply_is_not_counted(users):
    case, told = asked(users)
    other = receive("厨房", phone="13900009999", reply_to=HttpBackend.message_id(told))
    assert other.outcome == Outcome.OTHER_PHONE and "不是发给本机号码" in answer(other)
    assert workflow.is_waiting_for_info(Case.objects.get(pk=case.pk))
    receive("厨房", reply_to=HttpBackend.message_id(told))
    again = receive("还有卫生间", reply_to=HttpBackend.message_id(told))
    assert again.outcome == Outcome.INFO_CLOSED and "未计入" in answer(again)
    assert Case.objects.get(pk=case.pk).info_requests.get().answer == "厨房"


def test_without_a_question_waiting_a_text_is_still_a_new_case(users):
    case_in("dispatched", users)
    reply = receive("路灯坏了")
    assert reply.outcome == Outcome.NEW_CASE
