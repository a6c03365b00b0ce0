from cases.testing import case_in

from .helpers import text


def test_switching_to_english_shows_english_pages(client, users):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = text(client.get("/"))
    assert '<html lang="en">' in page
    assert "Check progress" in page
    assert "Submit a request" in page
    assert "查询办理进度" not in page


def test_the_progress_page_in_english_names_the_stages_in_english(client, users):
    case = case_in("dispatched", users)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = text(client.get(f"/cases/{case.number}"))
    assert "Dispatched to a department" in page
    assert "派单给责任部门" not in page


def test_chinese_is_the_default(client, users):
    page = text(client.get("/"))
    assert '<html lang="zh-Hans">' in page
    assert "查询办理进度" in page
