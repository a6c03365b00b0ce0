"""A NUL byte in an identifier (a code, a username, a case number) is a clean 4xx, never a 500.

PostgreSQL refuses NUL in text, so a lookup that passes one straight to the database fails with a
server error there while SQLite answers "not found". Found by the fuzz test on PostgreSQL.
"""

import pytest

from operations.demo import DEMO_PASSWORD

NUL = "\x00"


@pytest.fixture
def token(client, users):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "intake", "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def _json(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    "call",
    [
        lambda c, t: _json(c, "/api/v1/auth/token", {"username": f"intake{NUL}", "password": "x"}),
        lambda c, t: _json(
            c,
            "/api/v1/cases",
            {
                "category": f"infra{NUL}",
                "community": f"zhuzhi{NUL}",
                "address": "3栋",
                "description": "灯坏了",
                "name": "张三",
                "phone": "13800001234",
            },
        ),
        lambda c, t: c.get(f"/api/v1/cases/2026{NUL}"),
        lambda c, t: _json(c, "/api/v1/phone-lookup", {"phone": f"138{NUL}"}, **t),
        lambda c, t: c.get(f"/open311/v2/services/infra{NUL}.json"),
        lambda c, t: c.get(f"/open311/v2/requests/2026{NUL}.json"),
        lambda c, t: c.get("/open311/v2/requests.json", {"service_code": f"a{NUL}"}),
        lambda c, t: c.get("/open311/v2/requests.json", {"service_request_id": f"2026{NUL}"}),
        lambda c, t: c.post("/open311/v2/requests.json", {"service_code": f"infrastructure{NUL}"}),
        lambda c, t: c.post(
            "/open311/v2/requests.json",
            {"service_code": "infrastructure", "attribute[community]": f"zhuzhi{NUL}", "address_string": "x"},
        ),
        lambda c, t: c.get(f"/cases/lookup?number=2026{NUL}"),
    ],
)
def test_a_nul_byte_is_a_clean_refusal(client, token, call):
    response = call(client, token)
    assert 400 <= response.status_code < 500, response.content[:300]
