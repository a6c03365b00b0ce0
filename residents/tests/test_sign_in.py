"""Resident sign-in with a one-time SMS code: the happy path and every limit, through the pages."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notify.models import Message
from residents.models import SignInCode

PHONE = "13800001234"


def last_code(phone=PHONE) -> str:
    """The code as the resident reads it in the SMS (the outbox row, before the worker sends it)."""
    text = Message.objects.filter(recipient=phone, key__startswith="otp:").order_by("-id").first().text
    return re.search(r"验证码是(\d{6})", text).group(1)


def ask(client, phone=PHONE, **extra):
    return client.post("/me/sign-in", {"phone": phone}, **extra)


def enter(client, code):
    return client.post("/me/sign-in/code", {"code": code})


def test_a_resident_signs_in_with_a_code_sent_by_sms(client, db):
    response = ask(client, "+86 138 0000 1234")
    assert response.status_code == 302 and response["Location"] == "/me/sign-in/code"
    page = client.get("/me/sign-in/code").content.decode()
    assert "138****1234" in page
    response = enter(client, last_code())
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200


def test_the_code_is_six_random_digits_stored_only_as_a_hash(client, db):
    ask(client)
    code = last_code()
    row = SignInCode.objects.get()
    assert len(code) == 6 and code not in row.code_hash
    assert row.expires_at - row.created_at == timedelta(minutes=10)


@pytest.mark.parametrize(
    "phone", ["", "12345", "023-12345678", "1380000123x", "２３４５６７８９０１２", "10800001234"]
)
def test_bad_phone_numbers_are_explained_and_send_nothing(client, db, phone):
    response = ask(client, phone)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Message.objects.exists() and not SignInCode.objects.exists()


def test_a_code_works_only_once(client, db):
    ask(client)
    code = last_code()
    enter(client, code)
    client.post("/me/sign-out")
    client.session.save()
    session = client.session
    session["resident_pending_phone"] = PHONE
    session.save()
    response = enter(client, code)
    assert response.status_code == 400 and "已经用过" in response.content.decode()


def test_an_expired_code_is_refused(client, db):
    ask(client)
    code = last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        response = enter(client, code)
    assert response.status_code == 400 and "已过期" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_five_wrong_tries_kill_the_code(client, db):
    ask(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(4):
        response = enter(client, wrong)
        assert response.status_code == 400
        assert f"还可以再试 {4 - attempt} 次" in response.content.decode()
    response = enter(client, wrong)
    assert response.status_code == 429
    response = enter(client, code)  # even the right code is now refused
    assert response.status_code == 429 and "请重新获取" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_a_code_that_is_not_six_digits_is_explained_without_using_a_try(client, db):
    ask(client)
    for bad in ["12345", "abcdef", "１２３４５６"]:
        response = enter(client, bad)
        assert response.status_code == 400
    assert SignInCode.objects.get().wrong_tries == 0


def test_a_sixth_code_in_an_hour_is_refused(client, db):
    for _i in range(5):
        assert ask(client).status_code == 302
    response = ask(client)
    assert response.status_code == 429 and "一小时内最多获取 5 次" in response.content.decode()
    assert SignInCode.objects.count() == 5
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        assert ask(client).status_code == 302


def test_one_address_cannot_flood_many_numbers(client, db, settings):
    settings.RESIDENT_CODES_PER_IP_PER_HOUR = 3
    for i in range(3):
        assert ask(client, f"1390000000{i}").status_code == 302
    response = ask(client, "13900000009")
    assert response.status_code == 429 and "这台设备" in response.content.decode()
    # Another address is not affected.
    assert ask(client, "13900000009", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_behind_our_proxy_the_address_it_saw_counts(client, db, settings):
    settings.RESIDENT_CODES_PER_IP_PER_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 1
    ask(client, "13900000001", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert (
        ask(client, "13900000002", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="2.2.2.2").status_code == 302
    )
    assert SignInCode.objects.filter(ip="2.2.2.2").exists()
    # A client writing its own X-Forwarded-For gets it put left of what nginx saw: no new address.
    response = ask(client, "13900000003", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 2.2.2.2")
    assert response.status_code == 429 and response["Retry-After"].isdigit()


def test_without_a_proxy_the_forwarded_header_is_ignored(client, db, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    ask(client, "13900000003", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="3.3.3.3")
    assert SignInCode.objects.filter(ip="10.0.0.5").exists()


def test_the_code_page_without_asking_first_goes_back(client, db):
    response = client.get("/me/sign-in/code")
    assert response.status_code == 302 and response["Location"] == "/me/sign-in"
