"""The elder-mode switch (长辈版 / 大字版): a cookie, ?mode= links and the A / A+ / A++ text size."""

from tests.support.data import submit
from web.elder import MODE_COOKIE

from .helpers import text


def test_every_public_page_offers_the_switch(client, users):
    case = submit()
    for url in ("/", f"/cases/{case.number}", f"/cases/{case.number}/submitted", "/staff/login"):
        page = text(client.get(url))
        assert "长辈版 / 大字版" in page, url
        assert "elder.css" not in page, url


def test_the_mode_link_turns_elder_mode_on_and_the_cookie_keeps_it(client, users):
    case = submit()
    response = client.get(f"/cases/{case.number}?mode=elder")
    assert response.cookies[MODE_COOKIE].value == "1"
    page = text(response)
    assert 'class="elder elder--size-1' in page and "web/elder.css" in page
    assert "切换到标准版" in page

    again = text(client.get(f"/cases/{case.number}"))
    assert "web/elder.css" in again


def test_standard_mode_link_turns_it_off(client, users):
    client.get("/?mode=elder")
    response = client.get("/?mode=standard")
    assert response.cookies[MODE_COOKIE].value == ""
    assert "web/elder.css" not in text(client.get("/"))


def test_text_size_links_go_up_to_a_plus_plus_and_are_remembered(client, users):
    client.get("/?mode=elder")
    page = text(client.get("/"))
    assert "?size=2" in page and "?size=3" in page and "A++" in page
    response = client.get("/?size=3")
    assert response.cookies[MODE_COOKIE].value == "3"
    assert "elder--size-3" in text(client.get("/cases/lookup?number=x"))


def test_a_nonsense_size_or_cookie_is_ignored(client, users):
    response = client.get("/?size=99")
    assert MODE_COOKIE not in response.cookies
    client.cookies[MODE_COOKIE] = "<script>"
    page = text(client.get("/"))
    assert "web/elder.css" not in page and "<script>" not in page


def test_switch_link_keeps_the_page_and_its_query(client, users):
    page = text(client.get("/cases/lookup?number=20240101-0001"))
    assert "/cases/lookup?number=20240101-0001&amp;mode=elder" in page


def test_the_home_page_in_elder_mode_is_the_first_screen_of_the_simpler_flow(client, users):
    page = text(client.get("/?mode=elder"))
    assert "您遇到了什么问题?" in page
    assert 'action="/elder/"' in page and 'action="/cases/lookup"' in page
    assert 'action="/cases/new"' not in page


def test_the_progress_page_in_elder_mode_says_it_in_plain_words(client, users):
    case = submit()
    page = text(client.get(f"/cases/{case.number}?mode=elder"))
    assert 'class="plain-progress"' in page
    assert "您的诉求已经提交成功,正在等待工作人员受理。" in page
    standard = text(client.get(f"/cases/{case.number}?mode=standard"))
    assert 'class="plain-progress"' not in standard


def test_confirmation_and_progress_carry_the_text_to_read_aloud_digit_by_digit(client, users):
    case = submit()
    page = text(client.get(f"/cases/{case.number}/submitted"))
    day, seq = case.number.split("-")
    assert "data-read-aloud" in page
    assert " ".join(day) + "," + " ".join(seq) in page
    assert "data-read-aloud" in text(client.get(f"/cases/{case.number}"))
    assert "web/voice.js" in page and "<script>" not in page
