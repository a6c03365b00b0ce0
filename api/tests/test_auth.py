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
