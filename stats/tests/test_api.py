"""GET /api/v1/stats: access, filters and bad input."""

import time_machine

from tests.support.data import submit

from .conftest import local


def test_the_api_needs_a_supervisor_token(client, token_for):
    assert client.get("/api/v1/stats").status_code == 401
    for name in ("intake", "handler", "volunteer"):
        response = client.get("/api/v1/stats", headers=token_for(name))
        assert response.status_code == 403, name
        assert "督办领导" in response.json()["detail"]


def test_the_api_filters_by_codes_and_dates(client, token_for):
    with time_machine.travel(local(2026, 5, 10, 23, 59), tick=False):
        submit()
    headers = token_for("supervisor")
    data = client.get("/api/v1/stats?from=2026-05-10&to=2026-05-10", headers=headers).json()
    assert data["counts"]["received"] == 1
    assert data["period"] == {"from": "2026-05-10", "to": "2026-05-10", "time_zone": "Asia/Shanghai"}
    data = client.get("/api/v1/stats?from=2026-05-11&to=2026-05-11", headers=headers).json()
    assert data["counts"]["received"] == 0
    assert data["service"]["satisfaction_rate"] == {
        "numerator": 0,
        "denominator": 0,
        "value": None,
        "definition": data["service"]["satisfaction_rate"]["definition"],
    }
    data = client.get(
        "/api/v1/stats?from=2026-05-10&to=2026-05-10&community=mingliang", headers=headers
    ).json()
    assert data["counts"]["received"] == 0 and data["filters"]["community"] == "mingliang"


def test_bad_parameters_are_422_with_a_message(client, token_for):
    headers = token_for("supervisor")
    response = client.get("/api/v1/stats?community=nowhere", headers=headers)
    assert response.status_code == 422
    assert "community" in response.json()["errors"]
    response = client.get("/api/v1/stats?from=2026-05-02&to=2026-05-01", headers=headers)
    assert response.status_code == 422
    assert "开始日期不能晚于结束日期" in response.json()["detail"]
