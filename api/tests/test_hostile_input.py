"""Anonymous input that used to be a 500 (issue 26, item 5): now a 400 in the caller's own format,
and nothing changed. Each test is an attacker's request."""

import xml.etree.ElementTree as ET

import pytest

from api import open311, rest
from cases.models import Case, Rating
from tests.support.data import case_in

OPEN311 = "/open311/v2"


def open311_error(response, fmt: str) -> str:
    if fmt == "json":
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return str(response.json()[0]["code"])
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content).findtext("error/code") or ""


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "params",
    [
        {"page_size": "²"},  # superscript two passes str.isdigit()
        {"page_size": "１０"},  # full-width digits
        {"page": "9" * 20},
        {"page": "10001"},
        {"start_date": "0001-01-01T00:00:00Z"},
        {"end_date": "9999-12-31T23:59:59Z"},
        {"start_date": "9999-12-31"},
        {"end_date": "0001-01-01"},
        {"start_date": "2026-11-01T00:00:00+99:00"},
        {"start_date": "2026-02-30T00:00:00Z"},
    ],
    ids=lambda p: next(iter(p.items()))[0] + "=" + next(iter(p.values()))[:12],
)
def test_the_open311_list_refuses_unbounded_arguments_in_its_own_format(client, users, fmt, params):
    response = client.get(f"{OPEN311}/requests.{fmt}", params)
    assert response.status_code == 400
    assert open311_error(response, fmt) == "400"


def test_open311_answers_an_oversized_form_in_its_own_format(client, users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        f"{OPEN311}/requests.json", {"service_code": "infrastructure", "description": "漏" * 2000}
    )
    assert response.status_code == 413
    assert open311_error(response, "json") == "413"
    assert not Case.objects.exists()


def test_open311_answers_an_unforeseen_error_in_its_own_format(client, users, monkeypatch):
    def broken(params):
        raise RuntimeError("a bug")

    monkeypatch.setattr(open311, "_query", broken)
    response = client.get(f"{OPEN311}/requests.xml")
    assert response.status_code == 500
    assert open311_error(response, "xml") == "500"
    assert b"a bug" not in response.content


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deeply_nested_json_is_a_400_and_creates_nothing(client, users, depth):
    body = '{"category": "infrastructure", "x": ' + "[" * depth + "]" * depth + "}"
    response = client.post("/api/v1/cases", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Case.objects.exists()


def test_deeply_nested_json_to_a_schema_endpoint_is_a_400(client, users):
    case = case_in("completed", users)
    body = '{"score": "satisfied", "phone_last4": "1234", "comment": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.post(f"/api/v1/cases/{case.number}/rating", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Rating.objects.exists()


def test_brackets_inside_strings_are_not_nesting(client, users):
    case = case_in("completed", users)
    body = '{"score": "satisfied", "phone_last4": "1234", "comment": "' + "[" * 100 + '\\"{"}'
    response = client.post(f"/api/v1/cases/{case.number}/rating", body, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_api_answers_an_unforeseen_error_in_json(client, users, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(rest.selectors, "public_progress", broken)
    case = case_in("completed", users)
    response = client.get(f"/api/v1/cases/{case.number}")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"] and "a bug" not in response.content.decode()
