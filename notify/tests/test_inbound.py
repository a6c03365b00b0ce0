"""Inbound SMS: the signed webhook, and what a resident's reply does once the worker processes it."""

import json
import time
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from cases import services
from cases.models import Case, Category, Community, Department, Rating, State
from notify import inbound
from notify.backends.http import HttpBackend
from notify.models import InboundMessage, InboundStatus, Message, Outcome
from tests.support.data import case_in, jpeg

SECRET = "test-secret"
PHONE = "13800001234"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SMS_INBOUND_SECRET = SECRET


def post(client: Client, payload, *, secret=SECRET, timestamp=None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(
        "/sms/inbound",
        data=body,
        content_type="application/json",
        headers={
            "X-Minsheng-Timestamp": stamp,
            "X-Minsheng-Signature": "sha256=" + inbound.signature(body, stamp, secret),
        },
    )


def receive(text: str, *, phone: str = PHONE, reply_to: str = "") -> InboundMessage:
    """A delivered SMS, processed as the worker would."""
    message, _created = inbound.record(
        provider_id=uuid.uuid4().hex, phone=phone, text=text, reply_to=reply_to
    )
    assert inbound.process_due() >= 1
    return InboundMessage.objects.get(pk=message.pk)


def answer(message: InboundMessage) -> str:
    return Message.objects.get(key=f"inbound:{message.pk}").text


# --- The webhook ------------------------------------------------------------------------------


def test_a_signed_delivery_is_recorded_once_however_often_the_gateway_repeats_it(db, client):
    payload = {"message_id": "gw-1", "phone": "+86 138 0000 1234", "text": "楼道灯坏了"}
    first = post(client, payload)
    again = post(client, payload)
    assert first.status_code == 200 and first.json() == {"ok": True, "duplicate": False}
    assert again.status_code == 200 and again.json()["duplicate"] is True
    [row] = InboundMessage.objects.all()
    assert row.phone == PHONE and row.text == "楼道灯坏了" and row.status == InboundStatus.PENDING


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "stale timestamp", "future timestamp", "tampered body", "no signature", "no secret set"],
)
def test_a_bad_or_replayed_signature_is_refused_and_nothing_is_recorded(db, client, settings, how):
    payload = {"message_id": "gw-2", "phone": PHONE, "text": "1"}
    body = json.dumps(payload).encode()
    if how == "wrong secret":
        response = post(client, payload, secret="guess")
    elif how == "stale timestamp":
        response = post(client, payload, timestamp=int(time.time()) - 301)
    elif how == "future timestamp":
        response = post(client, payload, timestamp=int(time.time()) + 301)
    elif how == "tampered body":
        stamp = str(int(time.time()))
        signed = inbound.signature(body, stamp, SECRET)
        tampered = body.replace(b'"1"', b'"3"')
        response = client.post(
            "/sms/inbound",
            data=tampered,
            content_type="application/json",
            headers={"X-Minsheng-Timestamp": stamp, "X-Minsheng-Signature": signed},
        )
    elif how == "no signature":
        response = client.post("/sms/inbound", data=body, content_type="application/json")
    else:
        settings.SMS_INBOUND_SECRET = ""
        response = post(client, payload, secret="")
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_a_signed_but_malformed_delivery_is_a_400_and_nothing_is_recorded(db, client):
    assert post(client, None, raw=b"not json").status_code == 400
    assert post(client, {"message_id": "x", "phone": "12", "text": "1"}).status_code == 400
    assert post(client, {"phone": PHONE, "text": "1"}).status_code == 400
    assert not InboundMessage.objects.exists()


def test_the_webhook_takes_only_post(db, client):
    assert client.get("/sms/inbound").status_code == 405


# --- Ratings ------------------------------------------------------------------------------------


def test_the_completion_message_teaches_the_replies_and_1_rates_satisfied(users):
    case = case_in("completed", users)
    told = Message.objects.filter(case=case).order_by("-id").first()
    assert "回复数字评价:1满意,2基本满意,3不满意" in told.text
    reply = receive("1")
    case.refresh_from_db()
    assert reply.outcome == Outcome.RATED and reply.case == case
    assert case.state == State.CLOSED
    [rating] = Rating.objects.filter(case=case)
    assert rating.score == "satisfied" and rating.via == Rating.Via.SMS
    assert "感谢您对诉求" in answer(reply)


def test_full_width_2_rates_basically_satisfied(users):
    case = case_in("completed", users)
    receive(" 2 ")
    assert Rating.objects.get(case=case).score == "basically_satisfied"


def test_3_reopens_the_case_and_the_reopening_tells_the_resident(users):
    case = case_in("completed", users)
    reply = receive("3")
    case.refresh_from_db()
    assert reply.outcome == Outcome.REOPENED and case.state == State.HANDLING
    assert "将重新办理" in Message.objects.filter(case=case).order_by("-id").first().text


def test_rating_twice_counts_once_and_the_second_gets_a_polite_answer(users):
    case = case_in("completed", users)
    receive("1")
    second = receive("3")
    case.refresh_from_db()
    assert second.outcome == Outcome.ALREADY_RATED
    assert case.state == State.CLOSED and Rating.objects.filter(case=case).count() == 1
    assert "已经评价过了" in answer(second)


def test_a_rating_reply_to_a_message_sent_to_another_phone_is_ignored_politely(users):
    case = case_in("completed", users)
    told = Message.objects.filter(case=case).order_by("-id").first()
    reply = receive("1", phone="13900009999", reply_to=HttpBackend.message_id(told))
    case.refresh_from_db()
    assert reply.outcome == Outcome.OTHER_PHONE and case.state == State.COMPLETED
    assert not Rating.objects.exists()
    assert "不是发给本机号码" in answer(reply)


def test_a_reply_to_an_unknown_message_is_a_new_message_never_a_rating(users):
    case = case_in("completed", users)
    reply = receive("1", reply_to="999999.1234")
    case.refresh_from_db()
    assert case.state == State.COMPLETED and not Rating.objects.exists()
    assert reply.outcome == Outcome.NEW_CASE


def test_a_digit_from_a_phone_never_told_of_a_completion_is_not_a_rating(users):
    case_in("completed", users)
    reply = receive("1", phone="13900009999")
    assert reply.outcome == Outcome.NEW_CASE and not Rating.objects.exists()


# --- Progress and opting out ----------------------------------------------------------------


def test_a_case_number_from_its_own_phone_gets_its_progress_in_plain_words(users):
    case = case_in("dispatched", users)
    reply = receive(f"查询{case.number}")
    assert reply.outcome == Outcome.PROGRESS
    assert answer(reply) == f"【夔北街道】诉求{case.number}:您的诉求已经派给物业科,他们会尽快和您联系。"


def test_query_alone_answers_for_the_phones_latest_case(users):
    case = case_in("accepted", users)
    assert case.number in answer(receive("查询"))


def test_another_phone_gets_no_detail_of_a_case(users):
    case = case_in("dispatched", users)
    text = answer(receive(case.number, phone="13900009999"))
    assert "物业科" not in text and "没有编号为" in text


def test_td_stops_messages_for_the_phones_cases(users):
    case = case_in("accepted", users)
    reply = receive("td")
    case.refresh_from_db()
    assert reply.outcome == Outcome.OPTED_OUT and case.sms_opt_out
    assert "已退订" in answer(reply)
    before = Message.objects.filter(case=case).count()
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert Message.objects.filter(case=case).count() == before


# --- New cases --------------------------------------------------------------------------------


def test_anything_else_starts_a_case_to_be_located_and_the_sender_gets_its_number(users):
    reply = receive("我家楼下路灯坏了三天了")
    case = Case.objects.get(pk=reply.case_id)
    assert reply.outcome == Outcome.NEW_CASE
    assert case.channel == "sms" and case.to_locate and case.state == State.SUBMITTED
    assert case.phone == PHONE and case.description == "我家楼下路灯坏了三天了"
    assert case.submitted_by is None
    assert case.number in answer(reply)


def test_intake_locates_the_case_before_it_can_be_dispatched(users):
    from django.core.exceptions import ValidationError

    from cases.errors import NotAllowed

    case = Case.objects.get(pk=receive("垃圾没人收").case_id)
    services.accept(case, by=users["intake"])
    with pytest.raises(ValidationError):
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    with pytest.raises(NotAllowed):
        services.locate(case, by=users["handler"], community=Community.objects.get(code="zhuzhi"))
    with pytest.raises(ValidationError):
        services.locate(case, by=users["intake"], community=Community.objects.get(code="zhuzhi"))  # unsorted
    category = Category.objects.get(code="infrastructure")
    event = services.locate(
        case, by=users["intake"], community=Community.objects.get(code="zhuzhi"), category=category
    )
    case.refresh_from_db()
    assert not case.to_locate and case.community.code == "zhuzhi" and case.category == category
    assert event.actor == users["intake"] and not event.is_public
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))


# --- The worker: nothing lost ------------------------------------------------------------------


def test_a_failure_while_processing_rolls_back_and_is_retried(users, monkeypatch):
    message, _created = inbound.record(provider_id="gw-9", phone=PHONE, text="井盖丢了")
    real = inbound.interpret

    def broken(row):
        real(row)  # the case is made, then the database goes away
        raise RuntimeError("database went away")

    monkeypatch.setattr(inbound, "interpret", broken)
    assert inbound.process_due() == 0
    message.refresh_from_db()
    assert message.status == InboundStatus.PENDING and message.attempts == 1 and message.last_error
    assert not Case.objects.exists() and not Message.objects.exists()
    monkeypatch.setattr(inbound, "interpret", real)
    InboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=message.received_at)
    assert inbound.process_due() == 1
    message.refresh_from_db()
    assert message.status == InboundStatus.DONE and Case.objects.count() == 1


def test_of_two_workers_exactly_one_claims_a_message(db):
    inbound.record(provider_id="gw-10", phone=PHONE, text="查询")
    first, second = inbound.claim(uuid.uuid4()), inbound.claim(uuid.uuid4())
    assert first is not None and second is None


# --- The fake gateway for developers -----------------------------------------------------------


def test_the_sms_reply_command_sends_a_text_and_prints_the_answer(users):
    case = case_in("accepted", users)
    out = StringIO()
    call_command("sms_reply", PHONE, case.number, stdout=out)
    assert "outcome: progress" in out.getvalue() and case.number in out.getvalue()


# --- Co-reporters (issue 21) ------------------------------------------------------------------


def test_a_co_reporter_rates_by_replying_to_the_completion_message(users):
    from cases import merging

    case = case_in("handling", users)
    merging.follow(case, phone="13900005678")
    case.refresh_from_db()
    services.complete(case, by=users["handler"], explanation="已修好", before=[jpeg()], after=[jpeg()])
    told = Message.objects.get(event__action="complete", recipient="13900005678")
    assert case.number in told.text
    reply = receive("2", phone="13900005678")
    case.refresh_from_db()
    assert reply.outcome == Outcome.RATED and case.state == State.CLOSED
    assert Rating.objects.get(case=case).phone == "13900005678"


def test_td_from_a_co_reporter_stops_the_followed_cases_messages(users):
    from cases import merging
    from cases.models import CoReporter

    case = case_in("accepted", users)
    merging.follow(case, phone="13900005678")
    reply = receive("TD", phone="13900005678")
    assert reply.outcome == Outcome.OPTED_OUT and CoReporter.objects.get().sms_opt_out
    case.refresh_from_db()
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert not Message.objects.filter(event__action="dispatch", recipient="13900005678").exists()
    assert Message.objects.filter(event__action="dispatch", recipient=case.phone).exists()
