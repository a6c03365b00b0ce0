"""Text through the web forms: any Unicode is kept and shown unchanged, always escaped; NUL and
other control characters are refused with a clear message and nothing saved."""

import html

import pytest

from cases.models import Case, CaseEvent
from tests.support.data import case_in, submit

from .helpers import submission, text

UNICODE = "水管爆了😱👨‍👩‍👧 𠀀𪚥𠮷 العنوان\u200f x\u0301\u0302"
HOSTILE = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'


def test_any_unicode_is_kept_and_shown_unchanged(client, users):
    response = client.post(
        "/cases/new", submission(photos=[], description=UNICODE, address=UNICODE, name="𠮷野家")
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.description, case.address, case.name) == (UNICODE, UNICODE, "𠮷野家")
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert UNICODE in page and "𠮷野家" in page


def test_a_direction_override_is_refused_with_a_clear_page_and_nothing_saved(client, users):
    """U+202E shows the rest of a line reversed: in a staff list, "王小" would pass for "小王"."""
    response = client.post("/cases/new", submission(photos=[], name="王小\u202e"))
    assert response.status_code == 400
    assert "控制字符" in html.unescape(text(response))
    assert not Case.objects.exists()


def test_a_nul_is_refused_with_a_clear_page_and_nothing_saved(client, users):
    response = client.post("/cases/new", submission(photos=[], description="漏水\x00严重"))
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert "description" in page and "控制字符" in page
    assert not Case.objects.exists()


def test_a_nul_in_the_address_bar_is_a_clear_400(client, users):
    for url in ("/cases/lookup?number=2024%00", "/cases/2024%00", "/desk/lookup?phone=%00"):
        response = client.get(url)
        assert response.status_code == 400
        assert "控制字符" in html.unescape(text(response))


@pytest.mark.parametrize("bad", ["\x07", "\x1b[31m", "\x7f", "\x85"])
@pytest.mark.parametrize("field", ["description", "address", "name"])
def test_other_control_characters_are_a_form_error(client, users, field, bad):
    response = client.post("/cases/new", submission(photos=[], **{field: f"漏{bad}水"}))
    assert response.status_code == 400
    assert "包含无法识别的控制字符" in html.unescape(text(response))
    assert not Case.objects.exists()


@pytest.mark.parametrize("field, limit", [("description", 4000), ("address", 200), ("name", 50)])
def test_over_long_text_is_a_form_error_with_the_limit(client, users, field, limit):
    response = client.post("/cases/new", submission(photos=[], **{field: "长" * (limit + 1)}))
    assert response.status_code == 400
    assert f"不能超过 {limit} 个字" in html.unescape(text(response))
    assert not Case.objects.exists()


def test_markup_typed_by_a_resident_is_refused_not_stored(client, users):
    response = client.post("/cases/new", submission(photos=[], description=HOSTILE))
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_markup_that_got_into_the_database_is_always_escaped(client, users):
    # Forms refuse markup, but rows also come from imports, the admin and older versions.
    case = case_in("completed", users)
    Case.objects.filter(pk=case.pk).update(description=HOSTILE, address=HOSTILE, name=HOSTILE[:29])
    CaseEvent.objects.filter(case=case).update(public_note=HOSTILE)
    other = submit()
    Case.objects.filter(pk=other.pk).update(description=HOSTILE, address=HOSTILE, name=HOSTILE[:29])
    pages = [text(client.get(f"/cases/{case.number}"))]
    client.force_login(users["intake"])
    pages += [text(client.get(f"/staff/cases/{n}")) for n in (case.number, other.number)]
    pages.append(text(client.get("/staff/")))
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in pages[1]


def test_a_nul_in_a_cookie_or_an_urlencoded_body_is_a_clear_400(client, users):
    assert client.get("/", HTTP_COOKIE="theme=a\x00b").status_code == 400
    response = client.post(
        "/api/v1/cases", "name=%E5%BC%A0%00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    # A JSON body is the API schemas' to check (422 naming the field), not this net's.
    assert client.get("/", HTTP_COOKIE="theme=dark").status_code == 200
