import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, Case
from tests.support.data import jpeg

from .conftest import post_json

URL = "/api/v1/cases"


def valid(**overrides):
    data = {
        "category": "infrastructure",
        "community": "zhuzhi",
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "138-0000-1234",
        "age_band": "60_plus",
    }
    data.update(overrides)
    return data


def test_it_accepts_json(client, users):
    response = post_json(client, URL, valid(email="zhang@example.com"))
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(number=body["number"])
    assert body["stage"] == "submitted"
    assert body["state"] == "submitted"
    assert body["url"].endswith(f"/cases/{case.number}")
    assert body["category"] == {"code": "infrastructure", "name": "基础设施维修"}
    assert case.phone == "13800001234"
    assert case.age_band == "60_plus"
    assert case.email == "zhang@example.com"
    assert case.events.get().action == "submit"


def test_it_accepts_multipart_with_photos(client, users):
    response = client.post(URL, {**valid(), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]})
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.attachments.filter(kind=Attachment.Kind.PHOTO).count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "no-such-thing"}, "category"),
        ({"community": "atlantis"}, "community"),
        ({"description": ""}, "description"),
        ({"description": "漏" * 4001}, "description"),
        ({"phone": "12345"}, "phone"),
        ({"description": "水管<script>alert(1)</script>漏水"}, "description"),
        ({"address": "<b>3栋</b>"}, "address"),
        ({"age_band": "old"}, "age_band"),
        ({"email": "not-an-email"}, "email"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_it_refuses_bad_input_and_saves_nothing(client, users, overrides, field):
    response = post_json(client, URL, valid(**overrides))
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"]
    assert body["detail"]
    assert not Case.objects.exists()


def test_an_unknown_code_is_named_in_the_message(client, users):
    response = post_json(client, URL, valid(category="no-such-thing"))
    assert "no-such-thing" in response.json()["errors"]["category"][0]


def test_all_problems_are_reported_at_once(client, users):
    response = post_json(client, URL, valid(category="nope", description="", phone="1"))
    assert set(response.json()["errors"]) == {"category", "description", "phone"}
    assert not Case.objects.exists()


def test_a_missing_field_is_reported_by_name(client, users):
    data = valid()
    del data["phone"]
    response = post_json(client, URL, data)
    assert response.status_code == 422
    assert "phone" in response.json()["errors"]


def test_it_refuses_a_file_that_is_not_an_image(client, users):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    response = client.post(URL, {**valid(), "photos": [fake]})
    assert response.status_code == 422
    assert "photos" in response.json()["errors"]
    assert not Case.objects.exists()
    assert not Attachment.objects.exists()


def test_unparsable_json_is_a_400(client, users):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]


def test_an_unsupported_content_type_is_a_415(client, users):
    response = client.post(URL, "category=x", content_type="text/plain")
    assert response.status_code == 415


def test_it_needs_no_csrf_token(users):
    from django.test import Client

    response = post_json(Client(enforce_csrf_checks=True), URL, valid())
    assert response.status_code == 201
