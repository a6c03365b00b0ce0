"""Staff accounts: sessions end after a working day, and passwords pass Django's validators."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import get_default_password_validators
from django.utils import timezone

from operations.demo import DEMO_PASSWORD

# The user admin has the staff profile inline: its (empty) formset comes with every add.
INLINE = {
    "staff_profile-TOTAL_FORMS": "0",
    "staff_profile-INITIAL_FORMS": "0",
    "staff_profile-MIN_NUM_FORMS": "0",
    "staff_profile-MAX_NUM_FORMS": "1",
}


def new_user(username: str, password: str) -> dict:
    return {
        "username": username,
        "usable_password": "true",
        "password1": password,
        "password2": password,
        **INLINE,
    }


def test_a_staff_session_ends_eight_hours_after_sign_in_even_when_used(client, users, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600 and not settings.SESSION_SAVE_EVERY_REQUEST
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        response = client.post("/staff/login", {"username": "intake", "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 8 * 3600
    with time_machine.travel(start + timedelta(hours=7, minutes=50), tick=False):
        assert client.get("/staff/").status_code == 200  # working, which does not extend the session
    with time_machine.travel(start + timedelta(hours=8, minutes=1), tick=False):
        response = client.get("/staff/")
        assert response.status_code == 302 and response.url.startswith("/staff/login")


def test_the_password_validators_are_configured():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.parametrize(
    "password, why",
    [
        ("abc123", "too short"),
        ("password123", "too common"),
        ("73829104658", "entirely numeric"),
        ("wangxiaoming2", "too similar to the username"),
    ],
)
def test_the_admin_refuses_a_weak_password_for_a_new_account(client, users, password, why):
    client.force_login(users["admin"])
    response = client.post("/admin/auth/user/add/", new_user("wangxiaoming", password))
    assert response.status_code == 200, why  # the form again, with the validator's message
    assert not User.objects.filter(username="wangxiaoming").exists()
    assert response.context["adminform"].form.errors["password2"]


def test_the_admin_accepts_a_strong_password(client, users):
    client.force_login(users["admin"])
    strong = "lamp-river-quiet-7"
    response = client.post("/admin/auth/user/add/", new_user("wangxiaoming", strong))
    assert response.status_code == 302
    assert User.objects.get(username="wangxiaoming").check_password(strong)


def test_the_admin_refuses_to_change_a_staff_password_to_a_weak_one(client, users):
    client.force_login(users["admin"])
    intake = users["intake"]
    url = f"/admin/auth/user/{intake.pk}/password/"
    response = client.post(url, {"usable_password": "true", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    intake.refresh_from_db()
    assert intake.check_password(DEMO_PASSWORD)
