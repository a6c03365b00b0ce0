"""api.fastpath answers public lookups exactly as the full stack would."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

from cases import services
from cases.testing import case_in

FAST = "api.fastpath.PublicLookupMiddleware"
HEADERS = (
    "Content-Type",
    "Content-Language",
    "Vary",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Content-Security-Policy-Report-Only",
)


def full_stack():
    return override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != FAST])


def paths(case):
    return [
        f"/api/v1/cases/{case.number}",
        f"/open311/v2/requests/{case.number}.json",
        f"/open311/v2/requests/{case.number}.xml",
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_fast_answer_is_the_full_stacks_answer(users, language):
    case = case_in("completed", users)
    for path in paths(case):
        fast = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
        with full_stack():
            slow = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert fast.status_code == slow.status_code == 200
        assert fast.content == slow.content
        assert "frame-ancestors 'none'" in fast.headers["Content-Security-Policy"]
        for header in HEADERS:
            assert fast.headers.get(header) == slow.headers.get(header), (path, header)


class Unreachable:
    """A middleware standing for the rest of the stack: the fast path must not get here."""

    def __init__(self, get_response):
        pass

    def __call__(self, request):
        raise AssertionError(f"{request.path} went through the full stack")


def test_a_known_case_is_answered_without_the_rest_of_the_stack(users):
    case = case_in("dispatched", users)
    stack = ["django.middleware.security.SecurityMiddleware", FAST, f"{__name__}.Unreachable"]
    with override_settings(MIDDLEWARE=stack):
        client = Client(raise_request_exception=True)
        for path in paths(case):
            assert client.get(path).status_code == 200
        with pytest.raises(AssertionError, match="full stack"):
            client.get("/api/v1/cases/20991231-9999")


def test_a_change_shows_at_once_on_the_fast_path(client, users):
    case = case_in("dispatched", users)
    assert client.get(paths(case)[0]).json()["stage"] == "dispatched"
    services.start(case, by=users["handler"])
    assert client.get(paths(case)[0]).json()["stage"] == "handling"
    assert b"<status>open</status>" in client.get(paths(case)[2]).content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/20991231-9999",
        "/api/v1/cases/20991231-9999?x=1",
        "/open311/v2/requests/20991231-9999.json",
        "/open311/v2/requests/20991231-9999.xml",
    ],
)
def test_unknown_numbers_get_the_usual_404_from_the_full_stack(client, users, path):
    fast = client.get(path)
    with full_stack():
        slow = Client().get(path)
    assert fast.status_code == slow.status_code == 404
    assert fast.content == slow.content


def test_other_methods_and_query_strings_go_through_the_full_stack(client, users):
    case = case_in("dispatched", users)
    assert client.post(paths(case)[1]).status_code == 405
    assert client.get(paths(case)[1] + "?jurisdiction_id=x").status_code in (200, 400)


def test_the_lookup_limit_counts_each_request_once_on_either_path(client, users, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "3/m"}
    case = case_in("dispatched", users)
    # Known (answered by the fast path), unknown (handed on to the view, which must not count again).
    assert client.get(paths(case)[0]).status_code == 200
    assert client.get("/api/v1/cases/20991231-9999").status_code == 404
    assert client.get("/open311/v2/requests/20991231-9999.json").status_code == 404
    refused = client.get(paths(case)[0])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert client.get(paths(case)[2]).status_code == 429
