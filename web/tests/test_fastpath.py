"""web.fastpath serves a stored progress page exactly as the full stack would, and nothing else."""

import pytest
import time_machine
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from cases import services
from cases.testing import case_in
from web.elder import MODE_COOKIE

FAST = "web.fastpath.StoredProgressPageMiddleware"
# Headers that differ between any two responses whatever served them.
VOLATILE = {"Date"}


def full_stack():
    return override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != FAST])


class Unreachable:
    """A middleware standing for the rest of the stack: the fast path must not get here."""

    def __init__(self, get_response):
        pass

    def __call__(self, request):
        raise AssertionError(f"{request.path} went through the full stack")


def fast_only():
    stack = ["django.middleware.security.SecurityMiddleware", FAST, f"{__name__}.Unreachable"]
    return override_settings(MIDDLEWARE=stack)


def visitor(language="zh-hans", size=None, **extra):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=True, **extra)
    if size is not None:
        client.cookies[MODE_COOKIE] = str(size)
    return client


def headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("size", [None, 1, 3, "nonsense"])
def test_a_stored_page_is_served_as_the_full_stack_serves_it(users, language, size):
    case = case_in("dispatched", users)
    path = f"/cases/{case.number}"
    with full_stack():
        first = visitor(language, size).get(path)  # renders and stores the page
        slow = visitor(language, size).get(path)  # the stored page, through the whole stack
    with fast_only():
        fast = visitor(language, size).get(path)
    assert first.status_code == slow.status_code == fast.status_code == 200
    assert fast.content == slow.content == first.content
    assert headers(fast) == headers(slow)
    assert "frame-ancestors 'none'" in fast.headers["Content-Security-Policy"]
    assert fast.cookies.keys() == slow.cookies.keys() == set()
    if size in (1, 3):
        assert f'<body class="elder elder--size-{size} '.encode() in fast.content
    else:
        assert b'<body class="elder' not in fast.content


def test_elder_mode_and_language_each_get_their_own_stored_page(users):
    case = case_in("dispatched", users)
    path = f"/cases/{case.number}"
    bodies = {}
    for language in ("zh-hans", "en"):
        for size in (None, 2):
            visitor(language, size).get(path)  # stores it (first visit: full stack)
            with fast_only():
                bodies[language, size] = visitor(language, size).get(path).content
    assert len(set(bodies.values())) == 4
    assert "办理进度".encode() in bodies["zh-hans", None]
    assert b'lang="en"' in bodies["en", None]


def test_the_first_visit_after_a_change_goes_through_the_full_stack_and_shows_it(users):
    case = case_in("dispatched", users)
    path = f"/cases/{case.number}"
    visitor().get(path)
    with fast_only():
        assert visitor().get(path).status_code == 200
    services.start(case, by=users["handler"])
    with fast_only(), pytest.raises(AssertionError, match="full stack"):
        visitor().get(path)  # the stored page is of the old version: never served
    page = visitor().get(path).content.decode()
    assert "现场办理" in page and page.count('aria-current="step"') == 1
    with fast_only():
        assert visitor().get(path).content.decode() == page


@pytest.mark.parametrize(
    "cookie",
    [settings.SESSION_COOKIE_NAME, "messages"],
)
def test_a_session_or_a_pending_message_gets_the_full_stack(users, cookie):
    case = case_in("dispatched", users)
    path = f"/cases/{case.number}"
    visitor().get(path)
    with fast_only():
        client = visitor()
        client.cookies[cookie] = "x"
        with pytest.raises(AssertionError, match="full stack"):
            client.get(path)


def test_query_strings_other_methods_and_unknown_numbers_get_the_full_stack(users):
    case = case_in("dispatched", users)
    path = f"/cases/{case.number}"
    visitor().get(path)
    with fast_only():
        for call in (
            lambda c: c.get(path + "?mode=elder"),
            lambda c: c.head(path),
            lambda c: c.post(path),
            lambda c: c.get("/cases/20991231-9999"),
            lambda c: c.get("/cases/not-a-number"),
        ):
            with pytest.raises(AssertionError, match="full stack"):
                call(visitor())
    # … which answers them as before.
    assert visitor().get("/cases/20991231-9999").status_code == 404
    assert visitor().post(path).status_code == 405


def test_a_page_with_the_rating_form_gets_the_full_stack_and_its_own_token(users):
    case = case_in("completed", users)
    path = f"/cases/{case.number}"
    visitor().get(path)
    with fast_only(), pytest.raises(AssertionError, match="full stack"):
        visitor().get(path)
    page = visitor().get(path)
    assert "csrftoken" in page.cookies
    assert b'name="csrfmiddlewaretoken" value="__' not in page.content


def test_the_lookup_limit_counts_each_page_once_and_refuses_on_either_path(client, users, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "3/m"}
    stored = case_in("dispatched", users)
    # One instant for the whole test: real time going on could cross into the next minute's window.
    with time_machine.travel(timezone.now(), tick=False):
        _count_and_refuse(client, stored)


def _count_and_refuse(client, stored):
    # First visit (counted here, then rendered by the view, which must not count it again), stored
    # page (served here), unknown number (handed on).
    assert client.get(f"/cases/{stored.number}").status_code == 200
    assert client.get(f"/cases/{stored.number}").status_code == 200
    assert client.get("/cases/20991231-9999").status_code == 404
    refused = client.get(f"/cases/{stored.number}")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "查询太频繁" in refused.content.decode()
    # The same page the full stack gives (elder mode, the visitor's language: a page for people).
    with full_stack():
        again = client.get(f"/cases/{stored.number}")
    assert again.status_code == 429
    assert again.content == refused.content
