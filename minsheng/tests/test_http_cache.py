"""HTTP caching of the public lookups: validators, 304s, and nothing personal ever cacheable."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from tests.support.data import case_in
from web.elder import MODE_COOKIE

# The three public lookups of one case: the API, Open311 (both formats) and the resident's page.
LOOKUPS = ["/api/v1/cases/{}", "/open311/v2/requests/{}.json", "/open311/v2/requests/{}.xml", "/cases/{}"]


def directives(response) -> set[str]:
    return {d.strip() for d in response.get("Cache-Control", "").split(",") if d.strip()}


def shared(response) -> bool:
    """Whether a shared cache (nginx in front) may keep this answer."""
    found = directives(response)
    return "public" in found or any(d.startswith("s-maxage") for d in found)


@pytest.mark.parametrize("path", LOOKUPS)
def test_an_anonymous_lookup_carries_validators_and_may_be_kept_a_moment_by_a_shared_cache(users, path):
    case = case_in("dispatched", users)
    response = Client().get(path.format(case.number))
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and case.number in response["ETag"]
    assert response["Last-Modified"].endswith("GMT")
    assert directives(response) == {"public", "max-age=0", "s-maxage=2"}
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    assert not response.cookies


@pytest.mark.parametrize("path", LOOKUPS)
def test_a_matching_validator_is_answered_304_from_the_version_alone(users, path):
    case = case_in("dispatched", users)
    client = Client()
    first = client.get(path.format(case.number))
    with CaptureQueriesContext(connection) as queries:
        again = client.get(path.format(case.number), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert shared(again)
    # Only the case's version is read: nothing rendered, no stored body read.
    assert len(queries) == 1
    by_date = client.get(path.format(case.number), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304


@pytest.mark.parametrize("path", LOOKUPS)
def test_a_stage_change_changes_the_validator_at_once(users, path):
    case = case_in("dispatched", users)
    client = Client()
    first = client.get(path.format(case.number))
    services.start(case, by=users["handler"])
    again = client.get(path.format(case.number), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "现场办理" in again.content.decode() or "handling" in again.content.decode()


def test_each_language_and_elder_size_has_its_own_validator(users):
    case = case_in("dispatched", users)
    client = Client()
    chinese = client.get(f"/cases/{case.number}")
    english = client.get(f"/cases/{case.number}", HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[MODE_COOKIE] = "2"
    elder = client.get(f"/cases/{case.number}")
    assert len({chinese["ETag"], english["ETag"], elder["ETag"]}) == 3
    # A validator of one variant never matches another.
    assert client.get(f"/cases/{case.number}", HTTP_IF_NONE_MATCH=chinese["ETag"]).status_code == 200


@pytest.mark.parametrize("path", LOOKUPS)
def test_a_signed_in_visitor_never_gets_a_cacheable_answer(users, path):
    case = case_in("dispatched", users)
    client = Client()
    client.force_login(users["intake"])
    response = client.get(path.format(case.number))
    assert response.status_code == 200
    assert not shared(response)
    assert "private" in directives(response)


def test_an_api_token_makes_the_answer_private(users):
    case = case_in("dispatched", users)
    response = Client().get(f"/api/v1/cases/{case.number}", HTTP_AUTHORIZATION="Bearer whatever")
    assert not shared(response)


def test_a_page_with_the_rating_form_is_personal_has_no_validator_and_is_never_shared(users):
    case = case_in("completed", users)
    client = Client()
    for _ in range(2):  # built, then served from the store
        response = client.get(f"/cases/{case.number}")
        assert 'name="csrfmiddlewaretoken"' in response.content.decode()
        assert not shared(response)
        assert "ETag" not in response
    assert settings.CSRF_COOKIE_NAME in response.cookies or settings.CSRF_COOKIE_NAME in client.cookies


def test_an_answer_that_sets_a_cookie_is_never_shared(users):
    case = case_in("dispatched", users)
    response = Client().get(f"/cases/{case.number}?mode=elder")
    assert MODE_COOKIE in response.cookies
    assert not shared(response)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/staff/",
        "/desk/",
        "/api/v1/queue",
        "/cases/20991231-9999",
        "/api/v1/cases/20991231-9999",
        "/open311/v2/requests/20991231-9999.json",
    ],
)
def test_every_other_answer_is_private(users, path):
    client = Client()
    client.force_login(users["volunteer"])
    assert not shared(client.get(path))
    assert not shared(Client().get(path))
