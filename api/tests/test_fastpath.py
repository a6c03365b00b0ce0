"""api.fastpath answers public lookups exactly as the full stack would."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.testing import API_SUBMISSION, case_in

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


# The shorter stack: anonymous submissions and the Open311 list (api.fastpath.LEAN_MIDDLEWARE).

SUBMISSION = API_SUBMISSION
OPEN311 = {
    "service_code": "infrastructure",
    "attribute[community]": "zhuzhi",
    "address_string": "3栋",
    "description": "楼道灯坏了",
    "first_name": "桂兰",
    "last_name": "张",
    "phone": "13800001234",
}


def lean_requests():
    """(name, client call) pairs: every kind of answer the shorter stack gives, good and bad."""
    json_post = "application/json"
    return [
        ("submit", lambda c: c.post("/api/v1/cases", SUBMISSION, content_type=json_post)),
        (
            "submit-invalid",
            lambda c: c.post("/api/v1/cases", {**SUBMISSION, "phone": "1"}, content_type=json_post),
        ),
        (
            "submit-unknown-code",
            lambda c: c.post("/api/v1/cases", {**SUBMISSION, "category": "x"}, content_type=json_post),
        ),
        ("submit-bad-json", lambda c: c.post("/api/v1/cases", "{", content_type=json_post)),
        ("submit-not-an-object", lambda c: c.post("/api/v1/cases", "[1]", content_type=json_post)),
        (
            "submit-nul",
            lambda c: c.post("/api/v1/cases", {**SUBMISSION, "name": "a\x00b"}, content_type=json_post),
        ),
        ("submit-wrong-type", lambda c: c.post("/api/v1/cases", "x", content_type="text/plain")),
        ("submit-form-nul", lambda c: c.post("/api/v1/cases", {**SUBMISSION, "name": "a\x00b"})),
        ("open311-submit", lambda c: c.post("/open311/v2/requests.json", OPEN311)),
        ("open311-submit-xml", lambda c: c.post("/open311/v2/requests.xml", OPEN311)),
        ("open311-submit-missing", lambda c: c.post("/open311/v2/requests.json", {"service_code": "x"})),
        ("open311-list", lambda c: c.get("/open311/v2/requests.json?page_size=5")),
        ("open311-list-xml", lambda c: c.get("/open311/v2/requests.xml")),
        ("open311-list-bad", lambda c: c.get("/open311/v2/requests.json?status=nonsense&page_size=x")),
    ]


def comparable(response) -> bytes:
    """The body with what differs between two submissions (number, times) blanked."""
    body = response.content
    body = re.sub(rb"\d{8}-\d{4,6}", b"N", body)
    return re.sub(rb"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)?", b"T", body)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_shorter_stack_answers_as_the_full_stack(users, language):
    case_in("completed", users)
    for name, call in lean_requests():
        lean = call(Client(HTTP_ACCEPT_LANGUAGE=language))
        with full_stack():
            full = call(Client(HTTP_ACCEPT_LANGUAGE=language))
        assert lean.status_code == full.status_code, name
        assert comparable(lean) == comparable(full), name
        for header in (*HEADERS, "Content-Length", "Retry-After"):
            assert lean.headers.get(header) == full.headers.get(header), (name, header)
        assert lean.cookies.keys() == full.cookies.keys(), name
    statuses = {name: call(Client()).status_code for name, call in lean_requests()}
    assert statuses == {
        "submit": 201,
        "submit-invalid": 422,
        "submit-unknown-code": 422,
        "submit-bad-json": 400,
        "submit-not-an-object": 400,
        "submit-nul": 422,  # named by the schema
        "submit-wrong-type": 415,
        "submit-form-nul": 400,  # minsheng.input_guard
        "open311-submit": 200,  # GeoReport v2 answers a created request with 200
        "open311-submit-xml": 200,
        "open311-submit-missing": 404,  # an unknown service code (logged as a refusal)
        "open311-list": 200,
        "open311-list-xml": 200,
        "open311-list-bad": 400,
    }


def test_only_anonymous_requests_without_cookies_take_the_shorter_stack(users):
    stack = ["django.middleware.security.SecurityMiddleware", FAST, f"{__name__}.Unreachable"]
    with override_settings(MIDDLEWARE=stack):
        client = Client(raise_request_exception=True)
        assert client.post("/api/v1/cases", SUBMISSION, content_type="application/json").status_code == 201
        assert client.post("/open311/v2/requests.json", OPEN311).status_code == 200
        assert client.get("/open311/v2/requests.json?page_size=5").status_code == 200
        # A browser's cookie (a session, a CSRF token) or a staff token: the whole stack.
        client.cookies["sessionid"] = "x"
        with pytest.raises(AssertionError, match="full stack"):
            client.post("/api/v1/cases", SUBMISSION, content_type="application/json")
        with pytest.raises(AssertionError, match="full stack"):
            Client().post(
                "/api/v1/cases", SUBMISSION, content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
            )
        # Other paths and methods: the whole stack.
        for call in (lambda c: c.get("/api/v1/categories"), lambda c: c.put("/api/v1/cases")):
            with pytest.raises(AssertionError, match="full stack"):
                call(Client())


def test_refusals_on_the_shorter_stack_are_logged(users, caplog):
    with caplog.at_level("INFO", logger="minsheng.security"):
        assert Client().post("/open311/v2/requests.json", {"service_code": "x"}).status_code == 404
    assert "refused who=anonymous what=POST /open311/v2/requests.json status=404" in caplog.text


def test_a_middleware_with_view_hooks_cannot_join_the_shorter_stack(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from api import fastpath

    monkeypatch.setattr(
        fastpath, "LEAN_MIDDLEWARE", [*fastpath.LEAN_MIDDLEWARE, "django.middleware.csrf.CsrfViewMiddleware"]
    )
    with pytest.raises(ImproperlyConfigured, match="CsrfViewMiddleware"):
        fastpath.PublicLookupMiddleware(lambda request: None)


def test_the_submission_limit_applies_on_the_shorter_stack(users, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "submit": "2/m"}
    client = Client()
    for _ in range(2):
        assert client.post("/api/v1/cases", SUBMISSION, content_type="application/json").status_code == 201
    refused = client.post("/api/v1/cases", SUBMISSION, content_type="application/json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "frame-ancestors 'none'" in refused.headers["Content-Security-Policy"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL: the read joins the hit")
@pytest.mark.parametrize("path", ["/api/v1/cases/{n}", "/open311/v2/requests/{n}.json"])
def test_on_postgresql_a_lookup_and_its_rate_limit_hit_are_one_statement(client, users, settings, path):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "1000/m"}
    case = case_in("dispatched", users)
    url = path.format(n=case.number)
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200 and again.content == first.content
    assert len(queries.captured_queries) == 1
    assert "security_ratecounter" in queries.captured_queries[0]["sql"]
    # A change is seen at once, and an unknown number still gets the full stack's 404.
    services.start(case, by=users["handler"])
    assert client.get(paths(case)[0]).json()["stage"] == "handling"
    assert client.get("/api/v1/cases/20991231-9999").status_code == 404


def test_a_read_for_another_lookup_is_never_served(users):
    # What the caller read is used only for the lookup it was read for (variant, language, number).
    from cases import public_cache

    case = case_in("dispatched", users)
    read = public_cache.lookup_read(case.number, "api")
    if not read.sql:
        pytest.skip("with Redis as the cache the rendering is read by its keys")
    wrong = (case.version, case.version, timezone.now(), "a body for something else")
    with public_cache.prefetched(read, None, wrong):
        body = public_cache.cached(case.number, "open311-json", lambda c: "built for open311")
    assert body == "built for open311"
