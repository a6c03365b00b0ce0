"""Which changes queue a message, to whom and in what words; all inside the change's transaction."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Department, HelpDesk
from notify import outbox
from notify.models import Channel, Message
from tests.support.data import case_in, jpeg, submit


def texts(case, channel=Channel.SMS):
    return [m.text for m in Message.objects.filter(case=case, channel=channel).order_by("id")]


def test_submitting_queues_nothing_the_confirmation_page_has_the_number(users):
    case = submit()
    assert not Message.objects.filter(case=case).exists()


def test_acceptance_sends_the_number_and_a_link_to_the_progress_page(users, settings):
    settings.SITE_URL = "https://ms.example.org"
    case = case_in("accepted", users)
    [message] = Message.objects.filter(case=case)
    assert message.recipient == "13800001234"
    assert case.number in message.text
    assert f"https://ms.example.org/cases/{case.number}" in message.text
    assert message.text.startswith("【夔北街道】")


def test_rejection_gives_the_reason(users):
    case = case_in("rejected", users)
    assert "不属于受理范围" in texts(case)[0]


def test_a_long_reason_is_shortened_to_fit_an_sms(users):
    case = submit()
    services.reject(case, by=users["intake"], reason="原" * 300)
    [text] = texts(case)
    assert "原" * 59 + "…" in text and "原" * 61 not in text


def test_dispatch_names_the_department_and_an_appointment_gives_the_time(users):
    case = case_in("dispatched", users)
    when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0)
    services.start(case, by=users["handler"], appointment_at=when)
    dispatched, appointment = texts(case)[-2:]
    assert "物业科" in dispatched
    assert when.strftime("%Y-%m-%d 09:00") in appointment


def test_starting_without_an_appointment_sends_nothing_new(users):
    case = case_in("handling", users)
    assert len(texts(case)) == 2  # accepted, dispatched


def test_completion_asks_for_a_rating_and_a_reopen_says_so(users):
    case = case_in("completed", users)
    assert "请回复数字评价:1满意,2基本满意,3不满意" in texts(case)[-1]
    services.rate(case, score="dissatisfied", phone_last4="1234")
    assert "重新办理" in texts(case)[-1]


def test_an_email_goes_too_when_the_resident_gave_one(users):
    case = case_in("accepted", users, email="li@example.org")
    [email] = Message.objects.filter(case=case, channel=Channel.EMAIL)
    assert email.recipient == "li@example.org" and case.number in email.subject


def test_a_resident_who_opted_out_gets_no_sms(users):
    case = case_in("accepted", users)
    case.sms_opt_out = True
    case.save(update_fields=["sms_opt_out"])
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert len(texts(case)) == 1  # only the acceptance, sent before the opt-out


def test_a_help_desk_case_without_a_phone_reaches_the_desk(users):
    desk = HelpDesk.objects.first()
    desk.phone = "139 0000 5678"
    desk.save()
    case = submit()
    # As a volunteer registers it for a resident without a phone of their own (issue 3's form).
    type(case).objects.filter(pk=case.pk).update(phone="", desk=desk)
    case.refresh_from_db()
    services.accept(case, by=users["intake"])
    assert Message.objects.get(case=case).recipient == "13900005678"


def test_a_landline_gets_no_sms(users):
    case = case_in("accepted", users, phone="023-12345678")
    assert not Message.objects.filter(case=case).exists()


def test_a_change_that_rolls_back_leaves_no_message(users):
    case = submit()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.accept(case, by=users["intake"])
        raise RuntimeError("the request failed after the change")
    assert not Message.objects.filter(case=case).exists()


def test_the_same_message_is_never_queued_twice(users):
    case = case_in("accepted", users)
    event = case.events.get(action="accept")
    outbox.on_case_event(event)
    outbox.on_case_event(event)
    assert Message.objects.filter(case=case).count() == 1


def test_a_reminder_is_queued_once_per_deadline(users):
    property_dept = Department.objects.get(code="property")
    property_dept.phone = "13700000001"
    property_dept.save()
    case = case_in("dispatched", users)
    outbox.queue_reminder(case)
    outbox.queue_reminder(case)
    assert Message.objects.filter(key__startswith="remind:").count() == 1
    case.due_at += timedelta(days=1)
    outbox.queue_reminder(case)
    assert Message.objects.filter(key__startswith="remind:").count() == 2


def test_a_refused_completion_queues_nothing(users):
    case = case_in("handling", users)
    with pytest.raises(Exception):
        services.complete(case, by=users["handler"], explanation="好了", before=[jpeg()], after=[])
    assert "请回复数字评价" not in "".join(texts(case))
