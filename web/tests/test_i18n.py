from tests.support.data import case_in

from .helpers import text


def test_switching_to_english_shows_english_pages(client, users):
    response = client.get("/language", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = text(client.get("/"))
    assert '<html lang="en">' in page
    assert "Check progress" in page
    assert "Submit a request" in page
    assert "查询办理进度" not in page


def test_the_progress_page_in_english_names_the_stages_in_english(client, users):
    case = case_in("dispatched", users)
    client.get("/language", {"language": "en", "next": f"/cases/{case.number}"})
    page = text(client.get(f"/cases/{case.number}"))
    assert "Dispatched to a department" in page
    assert "派单给责任部门" not in page


def test_chinese_is_the_default(client, users):
    page = text(client.get("/"))
    assert '<html lang="zh-Hans">' in page
    assert "查询办理进度" in page


def test_the_switch_is_a_link_back_to_the_same_page(client, users):
    case = case_in("dispatched", users)
    page = text(client.get(f"/cases/{case.number}"))
    link = f'href="/language?language=en&amp;next=/cases/{case.number}"'
    assert link in page and 'hreflang="en"' in page
    response = client.get("/language", {"language": "en", "next": f"/cases/{case.number}"})
    assert response["Location"] == f"/cases/{case.number}"
    assert response.cookies["django_language"].value == "en"
    assert "no-store" in response["Cache-Control"]  # the cookie is never served to someone else
    back = text(client.get(f"/cases/{case.number}"))
    assert '<html lang="en">' in back and 'href="/language?language=zh-hans&amp;next=' in back


def test_an_unknown_language_is_refused_and_changes_nothing(client, users):
    for code in ("fr", "", "en;drop", "zh-hans\n"):
        response = client.get("/language", {"language": code, "next": "/"})
        assert response.status_code == 400, code
        assert "不支持这种语言" in text(response)
        assert "django_language" not in response.cookies
    assert '<html lang="zh-Hans">' in text(client.get("/"))


def test_it_never_sends_anyone_to_another_site(client, users):
    for unsafe in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""):
        response = client.get("/language", {"language": "en", "next": unsafe})
        assert response.status_code == 302 and response["Location"] == "/", unsafe


def test_an_anonymous_progress_page_sets_no_csrf_cookie_unless_it_has_a_form(client, users):
    dispatched = case_in("dispatched", users)
    for _ in range(2):  # built, then served from the stored rendering
        response = client.get(f"/cases/{dispatched.number}")
        assert response.status_code == 200
        assert "csrftoken" not in response.cookies
        assert "csrfmiddlewaretoken" not in text(response)
    completed = case_in("completed", users)
    response = client.get(f"/cases/{completed.number}")
    assert "csrftoken" in response.cookies  # the rating form needs it
    assert 'name="csrfmiddlewaretoken"' in text(response)


def test_a_page_stored_before_the_link_can_still_switch_with_the_old_form(client, users):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in text(client.get("/"))


def test_the_refusal_is_in_the_visitors_language(client, users):
    response = client.get("/language", {"language": "fr"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This language is not offered here." in text(response)
