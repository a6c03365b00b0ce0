import re

from cases.models import Category
from tests.support.data import submit

from .helpers import text


def test_it_shows_the_lookup_box_and_the_submission_form(client, users):
    response = client.get("/")
    page = text(response)
    assert response.status_code == 200
    assert 'action="/cases/lookup"' in page
    assert 'action="/cases/new"' in page and 'enctype="multipart/form-data"' in page
    assert 'type="file" name="photos"' in page and "multiple" in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert "夔北街道" in page and "民生诉求平台" in page


def test_it_lists_only_active_categories_with_their_description(client, users):
    Category.objects.filter(code="noise").update(is_active=False)
    page = text(client.get("/"))
    assert "基础设施维修(楼道灯、水龙头、水管、门窗等损坏)" in page
    assert "噪音扰民" not in page


def test_every_input_has_a_label(client, users):
    page = text(client.get("/"))
    for field in (
        "id_number",
        "id_community",
        "id_address",
        "id_description",
        "id_photos",
        "id_name",
        "id_phone",
    ):
        assert f'for="{field}"' in page, field
    assert 'for="id_category_0"' in page


def test_lookup_redirects_to_the_progress_page(client, users):
    case = submit()
    response = client.get("/cases/lookup", {"number": f"  {case.number} "})
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}"


def test_lookup_explains_an_unknown_number(client, users):
    response = client.get("/cases/lookup", {"number": "20240101-9999"})
    assert response.status_code == 404
    assert "没有找到编号为 20240101-9999 的诉求" in text(response)


def test_lookup_explains_a_malformed_number(client, users):
    response = client.get("/cases/lookup", {"number": "abc<"})
    page = text(response)
    assert response.status_code == 404
    assert "请核对编号" in page
    assert 'aria-invalid="true"' in page


def test_lookup_asks_for_a_number_when_empty(client, users):
    response = client.get("/cases/lookup", {"number": ""})
    assert "请输入诉求编号" in text(response)


def test_the_page_has_a_skip_link_and_a_language_switch(client, users):
    page = text(client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert 'href="#main"' in page
    assert 'href="/language?language=en&amp;next=/"' in page
    assert '<html lang="zh-Hans">' in page
    assert 'href="/staff/login"' in page


def test_pages_name_their_icon_and_favicon_ico_leads_to_it(client, users):
    page = text(client.get("/"))
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon is not None
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == icon.group(1)
    assert client.post("/favicon.ico").status_code == 405
