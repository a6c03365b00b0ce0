"""Content-Security-Policy: every page carries it, and no page needs 'unsafe-inline' to work.

Browsers enforce the header (tests/e2e run the voice, read-aloud and elder-mode scripts under it);
here every main page is fetched and its HTML checked for what the policy would block: an inline
<script> without a nonce, an on…="" handler, a style="" attribute or a <style> element.
"""

from html.parser import HTMLParser

import pytest

from residents.views import SESSION_PHONE
from tests.support.data import case_in, submit
from web.elder import MODE_COOKIE


class InlineFinder(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would refuse to run or apply."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script" and "src" not in attributes and "nonce" not in attributes:
            kind = (attributes.get("type") or "text/javascript").lower()
            # JSON data blocks (json_script, Swagger's settings) are not run: the policy allows them.
            if kind not in ("application/json", "application/ld+json"):
                self._in_inline_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def pages(client, users):
    """(who, url) for the main pages of every role; returns a function fetching one as that role."""
    completed = case_in("completed", users)
    desk_case = submit(channel="help_desk", by=users["volunteer"])
    urls = {
        "anonymous": [
            "/",
            "/?mode=elder",
            "/elder/",
            f"/cases/{completed.number}",
            f"/cases/{completed.number}?mode=elder",
            f"/cases/{completed.number}/submitted",
            "/cases/lookup?number=20000101-0001",  # the home page with an error, 404
            "/staff/login",
            "/me/sign-in",
            "/admin/login/",
        ],
        "resident": ["/me/"],
        "intake": ["/staff/", f"/staff/cases/{completed.number}"],
        "handler": ["/staff/", f"/staff/cases/{completed.number}"],
        "volunteer": [
            "/desk/",
            "/desk/new",
            "/desk/lookup",
            "/desk/follow-ups",
            f"/desk/cases/{desk_case.number}",
            f"/cases/{desk_case.number}/receipt",
        ],
        "supervisor": ["/staff/supervision", "/supervisor/dashboard", "/supervisor/cases"],
        "admin": [
            "/admin/",
            "/admin/cases/case/",
            f"/admin/cases/case/{completed.pk}/change/",
            "/api/v1/docs",
        ],
    }

    def fetch(who: str, url: str):
        client.logout()
        client.cookies.pop(MODE_COOKIE, None)
        if who == "resident":
            session = client.session
            session[SESSION_PHONE] = completed.phone
            session.save()
        elif who != "anonymous":
            client.force_login(users[who])
        return client.get(url)

    return [(who, url) for who, group in urls.items() for url in group], fetch


def test_every_main_page_has_a_strict_policy_and_nothing_inline(pages):
    listed, fetch = pages
    checked = 0
    for who, url in listed:
        response = fetch(who, url)
        assert response.status_code in (200, 404), (who, url, response.status_code)
        directives = policy(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert inline_problems(response.content.decode()) == [], (who, url)
        checked += 1
    assert checked == len(listed) >= 25


def test_the_elder_pages_are_checked_in_elder_mode(client, users):
    client.get("/?mode=elder")
    response = client.get("/")
    assert 'class="elder' in response.content.decode()
    assert inline_problems(response.content.decode()) == []
    assert "Content-Security-Policy" in response


def test_the_429_page_has_the_policy_too(client, users, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "1/m"}
    client.get("/cases/20261127-0001")
    response = client.get("/cases/20261127-0001")
    assert response.status_code == 429
    assert policy(response)["script-src"] == ["'self'"]
    assert inline_problems(response.content.decode()) == []


def test_the_api_answers_carry_the_policy(client, users):
    response = client.get("/api/v1/categories")
    assert policy(response)["default-src"] == ["'self'"]


@pytest.mark.parametrize(
    "html, found",
    [
        ("<script>alert(1)</script>", True),
        ('<script nonce="abc">alert(1)</script>', False),
        ('<script src="/static/web/voice.js"></script>', False),
        ('<script type="application/json" id="x">{"a": 1}</script>', False),
        ('<button onclick="go()">x</button>', True),
        ('<p style="color:red">x</p>', True),
        ("<style>p{}</style>", True),
        ('<a href="javascript:go()">x</a>', True),
        ('<svg><rect class="bar" width="3"></rect></svg>', False),
    ],
)
def test_the_finder_finds_what_the_policy_would_block(html, found):
    assert bool(inline_problems(html)) is found
