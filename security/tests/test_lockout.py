"""Staff and admin sign-in: lock-out after repeated wrong passwords (django-axes), per username + address."""

import logging
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.utils import timezone

from operations.demo import DEMO_PASSWORD

LOGIN = "/staff/login"


def login(client, password, username="intake", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail(client, times, username="intake", **extra):
    for _ in range(times):
        response = login(client, "wrong-password", username, **extra)
        assert response.status_code in (200, 429)
    return response


def test_five_wrong_passwords_lock_the_account_on_that_address(client, users, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert login(client, "wrong").status_code == 200  # the form again, with its error
    response = login(client, "wrong")
    page = response.content.decode()
    assert response.status_code == 429
    assert "已被暂时锁定" in page and "15 分钟后再试" in page
    assert response["Retry-After"] == str(15 * 60)
    # Now even the right password is refused, and nobody is signed in.
    response = login(client, DEMO_PASSWORD)
    assert response.status_code == 429
    assert client.get("/staff/").status_code == 302


def test_the_same_username_from_another_address_can_still_sign_in(client, users):
    fail(client, 5, REMOTE_ADDR="203.0.113.5")
    response = login(client, DEMO_PASSWORD, REMOTE_ADDR="203.0.113.6")
    assert response.status_code == 302 and response.url == "/staff/"


def test_another_username_from_the_locked_address_is_not_affected(client, users):
    fail(client, 5, username="handler")
    assert login(client, DEMO_PASSWORD, username="intake").status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, users):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, 5)
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert login(client, DEMO_PASSWORD).status_code == 429  # and this try restarts the wait
    with time_machine.travel(start + timedelta(minutes=14 + 16), tick=False):
        assert login(client, DEMO_PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_count(client, users):
    fail(client, 4)
    assert login(client, DEMO_PASSWORD).status_code == 302
    client.post("/staff/logout")
    fail(client, 4)
    assert login(client, DEMO_PASSWORD).status_code == 302


def test_a_spoofed_forwarded_header_does_not_escape_the_lock(client, users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        login(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7")
    response = login(client, DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77, 203.0.113.7")
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


def test_the_admin_login_locks_out_too(client, users):
    for _ in range(5):
        response = client.post("/admin/login/", {"username": "admin", "password": "wrong"})
    assert response.status_code == 429 and "已被暂时锁定" in response.content.decode()
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_the_api_token_endpoint_locks_out_in_json(client, users):
    def token(password):
        body = {"username": "intake", "password": password}
        return client.post("/api/v1/auth/token", body, content_type="application/json")

    for _ in range(4):
        assert token("wrong").status_code == 401
    response = token("wrong")
    assert response.status_code == 429
    assert "已被暂时锁定" in response.json()["detail"] and response["Retry-After"] == str(15 * 60)
    assert token(DEMO_PASSWORD).status_code == 429


def test_a_lock_out_is_logged_with_address_path_and_username(client, users, caplog):
    with caplog.at_level(logging.INFO, logger="minsheng.security"):
        fail(client, 5, REMOTE_ADDR="203.0.113.9")
    [record] = [r for r in caplog.records if r.name == "minsheng.security"]
    message = record.getMessage()
    assert "limit=login-lockout" in message and "address=203.0.113.9" in message
    assert "path=/staff/login" in message and "username=intake" in message


@pytest.mark.parametrize("limit", [3, 7])
def test_the_failure_limit_is_a_setting(client, users, settings, limit):
    settings.AXES_FAILURE_LIMIT = limit
    for _ in range(limit - 1):
        assert login(client, "wrong").status_code == 200
    assert login(client, "wrong").status_code == 429


def test_rotating_addresses_inside_one_ipv6_64_does_not_reset_the_lock(client, users):
    """One home or phone gets a whole /64: each wrong try from a fresh address in it still counts."""
    for n in range(1, 6):
        login(client, "wrong", REMOTE_ADDR=f"2001:db8:1:2::{n:x}")
    response = login(client, DEMO_PASSWORD, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert response.status_code == 429
    # Another /64 is another client.
    assert login(client, DEMO_PASSWORD, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302
