"""Per-address rate limits on public lookups, submissions, sign-in code checks and staff sign-in."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case
from operations.demo import DEMO_PASSWORD
from tests.support.data import submit
from web.elder import MODE_COOKIE
from web.tests.helpers import submission

OPEN311 = "/open311/v2"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-27T{clock}").replace(tzinfo=SHANGHAI)


def open311_form(**overrides):
    data = {
        "service_code": "infrastructure",
        "address_string": "3栋2单元5楼",
        "description": "楼道灯坏了一个星期。",
        "first_name": "桂兰",
        "last_name": "张",
        "phone": "13800001234",
        "attribute[community]": "zhuzhi",
    }
    data.update(overrides)
    return data


def api_submission():
    return {
        "category": "infrastructure",
        "community": "zhuzhi",
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "13800001234",
    }


def exhaust(call, allowed: int):
    """Make `allowed` requests that must pass, then return the next one's response."""
    for i in range(allowed):
        response = call()
        assert response.status_code != 429, f"request {i + 1} of {allowed} was refused"
    return call()


def assert_page_refusal(response, word: str):
    page = response.content.decode()
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "请稍后再试" in page and word in page
    assert "秒后再试" in page  # says when


# --- lookups ---------------------------------------------------------------------------------------


def test_the_progress_page_is_refused_past_the_limit_with_a_page_that_says_when(client, users, limits):
    case = submit()
    response = exhaust(lambda: client.get(f"/cases/{case.number}"), 3)
    assert_page_refusal(response, "查询太频繁")
    assert response["Cache-Control"] == "no-store"


def test_unknown_numbers_count_too(client, users, limits):
    response = exhaust(lambda: client.get("/cases/20261127-9999"), 3)
    assert response.status_code == 429


def test_the_lookup_box_and_the_confirmation_page_share_the_lookup_limit(client, users, limits):
    case = submit()
    client.get(f"/cases/lookup?number={case.number}")
    client.get(f"/cases/{case.number}/submitted")
    client.get(f"/cases/{case.number}")
    assert client.get(f"/cases/lookup?number={case.number}").status_code == 429
    assert client.get(f"/cases/{case.number}/submitted").status_code == 429


def test_the_refusal_page_is_in_elder_mode_for_elder_mode_users(client, users, limits):
    case = submit()
    client.cookies[MODE_COOKIE] = "1"
    response = exhaust(lambda: client.get(f"/cases/{case.number}"), 3)
    page = response.content.decode()
    assert response.status_code == 429
    assert "web/elder.css" in page and 'class="elder' in page


def test_the_refusal_page_speaks_english_when_asked(client, users, limits):
    case = submit()
    response = exhaust(lambda: client.get(f"/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en"), 3)
    page = response.content.decode()
    assert response.status_code == 429
    assert "Please try again later" in page and "Please try again in" in page


def test_the_api_lookup_answers_429_in_json(client, users, limits):
    case = submit()
    response = exhaust(lambda: client.get(f"/api/v1/cases/{case.number}"), 3)
    assert response.status_code == 429
    body = response.json()
    assert "查询太频繁" in body["detail"] and 0 < body["retry_after"] <= 60
    assert response["Retry-After"] == str(body["retry_after"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_lookups_answer_429_in_the_open311_error_format(client, users, limits, fmt):
    case = submit()
    response = exhaust(lambda: client.get(f"{OPEN311}/requests/{case.number}.{fmt}"), 3)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    if fmt == "json":
        [error] = response.json()
        assert error["code"] == 429 and "查询太频繁" in error["description"]
    else:
        text = response.content.decode()
        assert "<errors><error><code>429</code><description>" in text


def test_the_open311_list_counts_as_a_lookup(client, users, limits):
    response = exhaust(lambda: client.get(f"{OPEN311}/requests.json"), 3)
    assert response.status_code == 429 and response.json()[0]["code"] == 429


def test_walking_sequential_case_numbers_is_throttled_and_never_shows_personal_data(client, users, settings):
    """With the production default (60 a minute), a scraper walking numbers is stopped at the 61st."""
    settings.RATE_LIMITS_ENABLED = True
    settings.TRUSTED_PROXY_COUNT = 0
    assert settings.MINSHENG_RATE_LIMITS["lookup"] == "60/m"
    cases = [submit(name="张桂兰", phone=f"1380000{i:04d}", address=f"{i}栋2单元5楼") for i in range(5)]
    day = cases[0].number.split("-")[0]
    statuses = []
    # One instant for the whole walk: real time going on could cross into the next minute's window.
    with time_machine.travel(timezone.now(), tick=False):
        for seq in range(1, 81):
            for url in (f"/cases/{day}-{seq:04d}", f"/api/v1/cases/{day}-{seq:04d}"):
                response = client.get(url)
                statuses.append(response.status_code)
                body = response.content.decode()
                for case in cases:
                    assert case.phone not in body and case.address not in body and "张桂兰" not in body
    assert statuses[:60].count(200) == 10  # the five real cases, page and API, before the limit
    assert set(statuses[:60]) == {200, 404}
    assert set(statuses[60:]) == {429}


def test_the_window_passes_and_lookups_work_again(client, users, limits):
    case = submit()
    with time_machine.travel(at("10:00:05"), tick=False):
        assert exhaust(lambda: client.get(f"/cases/{case.number}"), 3).status_code == 429
    with time_machine.travel(at("10:01:00"), tick=False):
        assert client.get(f"/cases/{case.number}").status_code == 200


def test_another_address_is_not_affected(client, users, limits):
    case = submit()
    exhaust(lambda: client.get(f"/cases/{case.number}", REMOTE_ADDR="203.0.113.7"), 3)
    assert client.get(f"/cases/{case.number}", REMOTE_ADDR="203.0.113.8").status_code == 200


def test_a_spoofed_forwarded_header_does_not_help_behind_one_proxy(client, users, limits, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    case = submit()
    for i in range(3):  # the client writes a new address each time; nginx appends the one it saw
        forwarded = f"198.51.100.{i}, 203.0.113.7"
        assert client.get(f"/cases/{case.number}", HTTP_X_FORWARDED_FOR=forwarded).status_code == 200
    refused = client.get(f"/cases/{case.number}", HTTP_X_FORWARDED_FOR="198.51.100.99, 203.0.113.7")
    assert refused.status_code == 429
    # Another real client behind the same proxy is counted apart.
    assert client.get(f"/cases/{case.number}", HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 200


def test_without_a_proxy_a_forwarded_header_is_ignored(client, users, limits):
    case = submit()
    for i in range(3):
        client.get(f"/cases/{case.number}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert client.get(f"/cases/{case.number}", HTTP_X_FORWARDED_FOR="198.51.100.200").status_code == 429


# --- submissions ----------------------------------------------------------------------------------


def test_the_web_form_refuses_a_third_submission_in_a_minute_and_creates_nothing(client, users, limits):
    response = exhaust(lambda: client.post("/cases/new", submission(not_same="1")), 2)
    assert_page_refusal(response, "提交太频繁")
    assert Case.objects.count() == 2


def test_the_elder_flow_counts_its_submitting_screens(client, users, limits):
    limits["submit"] = "1/m"
    client.post("/elder/", {"category": "infrastructure", "description": "楼道灯不亮了"})
    client.post("/elder/where", {"community": "zhuzhi", "building": "3", "unit": "2", "floor": "5"})
    response = client.post("/elder/check", {"name": "张桂兰", "phone": "13800001234"})
    assert response.status_code == 429  # the first screen (it may store a voice note) and the last
    assert "提交太频繁" in response.content.decode()
    assert not Case.objects.exists()
    assert client.get("/elder/check").status_code == 200  # reading a screen is not submitting


def test_the_api_refuses_anonymous_submissions_past_the_limit(client, users, limits):
    post = lambda: client.post("/api/v1/cases", api_submission(), content_type="application/json")  # noqa: E731
    response = exhaust(post, 2)
    assert response.status_code == 429 and "提交太频繁" in response.json()["detail"]
    assert Case.objects.count() == 2


def test_staff_submitting_with_a_token_are_not_throttled(client, users, limits):
    token = client.post(
        "/api/v1/auth/token",
        {"username": "intake", "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    for _ in range(4):
        response = client.post(
            "/api/v1/cases",
            {**api_submission(), "channel": "phone"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201
    made_up = client.post(
        "/api/v1/cases",
        api_submission(),
        content_type="application/json",
        headers={"Authorization": "Bearer made-up"},
    )
    assert made_up.status_code == 401 and Case.objects.count() == 4


def test_open311_submissions_are_limited_in_the_open311_format(client, users, limits):
    response = exhaust(lambda: client.post(f"{OPEN311}/requests.xml", open311_form()), 2)
    assert response.status_code == 429 and "<code>429</code>" in response.content.decode()
    assert Case.objects.count() == 2


def test_lookups_and_submissions_are_counted_apart(client, users, limits):
    case = submit()
    exhaust(lambda: client.get(f"/cases/{case.number}"), 3)
    assert client.post("/cases/new", submission(not_same="1")).status_code == 302


# --- sign-in -------------------------------------------------------------------------------------


def test_the_staff_login_form_is_limited_per_address(client, users, limits):
    response = exhaust(lambda: client.post("/staff/login", {"username": "x", "password": "y"}), 2)
    assert_page_refusal(response, "登录尝试太频繁")
    assert client.get("/staff/login").status_code == 200  # showing the form costs nothing


def test_the_admin_login_form_is_limited_per_address(client, users, limits):
    response = exhaust(lambda: client.post("/admin/login/", {"username": "x", "password": "y"}), 2)
    assert response.status_code == 429 and "登录尝试太频繁" in response.content.decode()


def test_the_api_token_endpoint_is_limited_per_address(client, users, limits):
    def post():
        body = {"username": "x", "password": "y"}
        return client.post("/api/v1/auth/token", body, content_type="application/json")

    response = exhaust(post, 2)
    assert response.status_code == 429 and "登录尝试太频繁" in response.json()["detail"]


def test_sign_in_code_checks_are_limited_per_address(client, db, limits):
    client.post("/me/sign-in", {"phone": "13900000001"})
    response = exhaust(lambda: client.post("/me/sign-in/code", {"code": "000000"}), 2)
    assert_page_refusal(response, "验证码尝试次数太多")


def test_asking_for_too_many_codes_says_when_to_try_again(client, db, settings):
    settings.RESIDENT_CODES_PER_PHONE_PER_HOUR = 1
    with time_machine.travel(at("10:00:00"), tick=False):
        assert client.post("/me/sign-in", {"phone": "13900000001"}).status_code == 302
    with time_machine.travel(at("10:20:00"), tick=False):
        response = client.post("/me/sign-in", {"phone": "13900000001"})
    assert response.status_code == 429
    assert 40 * 60 <= int(response["Retry-After"]) <= 40 * 60 + 1


def test_sign_in_codes_are_limited_per_ipv6_64_not_per_address(client, db, settings):
    """A client rotating addresses inside its /64 gets no more SMS codes than one address would."""
    settings.RESIDENT_CODES_PER_IP_PER_HOUR = 3
    for n in range(1, 4):
        response = client.post("/me/sign-in", {"phone": f"1390000000{n}"}, REMOTE_ADDR=f"2001:db8:7:7::{n}")
        assert response.status_code == 302
    response = client.post("/me/sign-in", {"phone": "13900000009"}, REMOTE_ADDR="2001:db8:7:7:abcd::1")
    assert response.status_code == 429
    assert (
        client.post("/me/sign-in", {"phone": "13900000009"}, REMOTE_ADDR="2001:db8:7:8::1").status_code == 302
    )


# --- switches and logging -----------------------------------------------------------------------


def test_one_limit_can_be_turned_off(client, users, limits):
    limits["lookup"] = "off"
    case = submit()
    for _ in range(6):
        assert client.get(f"/cases/{case.number}").status_code == 200


def test_all_limits_can_be_turned_off(client, users, limits, settings):
    settings.RATE_LIMITS_ENABLED = False
    case = submit()
    for _ in range(6):
        assert client.get(f"/api/v1/cases/{case.number}").status_code == 200


def test_every_refusal_is_logged_with_address_path_and_limit(client, users, limits, caplog):
    case = submit()
    with caplog.at_level(logging.INFO, logger="minsheng.security"):
        exhaust(lambda: client.get(f"/cases/{case.number}", REMOTE_ADDR="203.0.113.9"), 3)
        client.get(f"/api/v1/cases/{case.number}", REMOTE_ADDR="203.0.113.9")
    records = [r for r in caplog.records if r.name == "minsheng.security"]
    assert len(records) == 2
    first, second = (r.getMessage() for r in records)
    assert "limit=lookup" in first and "address=203.0.113.9" in first
    assert f"path=/cases/{case.number}" in first
    assert records[0].levelno == logging.WARNING and records[1].levelno == logging.INFO
    assert f"path=/api/v1/cases/{case.number}" in second


def test_a_refused_sign_in_code_request_is_logged(client, db, settings, caplog):
    settings.RESIDENT_CODES_PER_IP_PER_HOUR = 1
    client.post("/me/sign-in", {"phone": "13900000001"})
    with caplog.at_level(logging.INFO, logger="minsheng.security"):
        client.post("/me/sign-in", {"phone": "13900000002"})
    assert any("limit=otp_request_address" in r.getMessage() for r in caplog.records)


def test_the_window_is_counted_from_the_clock(client, users, limits):
    """Fixed windows: the count starts again at the next full minute (documented in docs/security.md)."""
    case = submit()
    with time_machine.travel(at("10:00:59"), tick=False):
        response = exhaust(lambda: client.get(f"/cases/{case.number}"), 3)
    assert response["Retry-After"] == "1"


def test_a_forwarded_entry_too_long_to_be_an_address_counts_as_the_socket_and_is_not_remembered(rf, settings):
    from security import client

    settings.TRUSTED_PROXY_COUNT = 1
    before = client._parsed.cache_info().currsize
    for i in range(50):
        request = rf.get("/", HTTP_X_FORWARDED_FOR=f"{'9' * 5000}{i}", REMOTE_ADDR="127.0.0.1")
        assert client.client_ip(request) == "127.0.0.1"
    # At most the socket's address was added: none of the 5,000-character entries.
    assert client._parsed.cache_info().currsize <= before + 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR=" ::ffff:203.0.113.9 ", REMOTE_ADDR="127.0.0.1")
    assert client.client_ip(request) == "203.0.113.9"
