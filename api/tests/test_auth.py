import hashlib
from datetime import timedelta

import time_machine
from django.utils import timezone

from api.models import ApiToken
from operations.demo import DEMO_PASSWORD

from .conftest import post_json

URL = "/api/v1/auth/token"


def test_it_issues_a_token_and_stores_only_its_digest(client, users):
    response = post_json(client, URL, {"username": "intake", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) >= 32
    row = ApiToken.objects.get(user=users["intake"])
    assert row.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.key_hash


def test_it_refuses_a_wrong_password(client, users):
    response = post_json(client, URL, {"username": "intake", "password": "wrong"})
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_it_refuses_an_inactive_user(client, users):
    users["intake"].is_active = False
    users["intake"].save()
    response = post_json(client, URL, {"username": "intake", "password": DEMO_PASSWORD})
    assert response.status_code == 401


def test_it_stops_answering_after_many_failures(client, users):
    for _ in range(10):
        post_json(client, URL, {"username": "intake", "password": "wrong"})
    response = post_json(client, URL, {"username": "intake", "password": DEMO_PASSWORD})
    assert response.status_code == 429


def test_a_token_of_a_deactivated_user_stops_working(client, users, token_for):
    headers = token_for("intake")
    assert client.get("/api/v1/queue", headers=headers).status_code == 200
    users["intake"].is_active = False
    users["intake"].save()
    assert client.get("/api/v1/queue", headers=headers).status_code == 401


def test_staff_calls_need_a_token(client, users):
    response = client.get("/api/v1/queue")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()
    bad = client.get("/api/v1/queue", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, users, token_for):
    headers = token_for("intake")
    client.get("/api/v1/queue", headers=headers)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/queue", headers=headers)
    assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        client.get("/api/v1/queue", headers=headers)
    assert ApiToken.objects.get().last_used_at > first


def test_a_revoked_token_no_longer_works(client, users, token_for):
    headers = token_for("intake")
    assert client.delete(URL, headers=headers).status_code == 204
    assert client.get("/api/v1/queue", headers=headers).status_code == 401


# --- lifetime: tokens expire, and die with a password change, deactivation or a role change ----


def test_a_token_says_when_it_expires_and_stops_working_then(client, users, settings):
    issued_at = timezone.now()
    with time_machine.travel(issued_at, tick=False):
        response = post_json(client, URL, {"username": "intake", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    assert response.json()["expires_at"]
    assert ApiToken.objects.get().expires_at == issued_at + timedelta(hours=settings.API_TOKEN_HOURS)
    with time_machine.travel(issued_at + timedelta(hours=settings.API_TOKEN_HOURS, seconds=-60), tick=False):
        assert client.get("/api/v1/queue", headers=headers).status_code == 200
    with time_machine.travel(issued_at + timedelta(hours=settings.API_TOKEN_HOURS, seconds=1), tick=False):
        assert client.get("/api/v1/queue", headers=headers).status_code == 401


def test_a_password_change_kills_the_accounts_tokens(client, users, token_for):
    headers = token_for("intake")
    assert client.get("/api/v1/queue", headers=headers).status_code == 200
    users["intake"].set_password("a-new-long-passphrase-2026")
    users["intake"].save()
    assert client.get("/api/v1/queue", headers=headers).status_code == 401


def test_a_role_change_kills_the_accounts_tokens(client, users, token_for):
    from django.contrib.auth.models import Group

    headers = token_for("intake")
    other = token_for("handler")
    users["intake"].groups.remove(Group.objects.get(name="intake"))
    assert client.get("/api/v1/queue", headers=headers).status_code == 401
    assert not ApiToken.objects.filter(user=users["intake"]).exists()
    # From the group's side too (the admin's group page), and only for that group's members.
    Group.objects.get(name="supervisor").user_set.add(users["handler"])
    assert client.get("/api/v1/queue", headers=other).status_code == 401


def test_deactivation_deletes_the_tokens(client, users, token_for):
    token_for("intake")
    users["intake"].is_active = False
    users["intake"].save()
    assert not ApiToken.objects.exists()


def test_the_admin_lists_tokens_and_revokes_them_but_never_adds_one(client, users, token_for):
    headers = token_for("intake")
    token_for("handler")
    admin_user = users["admin"]
    client.force_login(admin_user)
    page = client.get("/admin/api/apitoken/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "intake" in body and "handler" in body
    assert client.get("/admin/api/apitoken/add/").status_code == 403
    row = ApiToken.objects.get(user=users["intake"])
    response = client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [row.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=users["intake"]).exists()
    assert ApiToken.objects.filter(user=users["handler"]).exists()
    client.logout()
    assert client.get("/api/v1/queue", headers=headers).status_code == 401
