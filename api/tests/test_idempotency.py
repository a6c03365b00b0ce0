"""The Idempotency-Key header on POST /api/v1/cases and Open311 POST requests."""

import json

import pytest

from cases.models import Attachment, Case, SubmissionKey
from tests.support.data import jpeg

from .conftest import post_json
from .test_submit import URL, valid

KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"
OPEN311 = "/open311/v2/requests.json"


def keyed(client, data, key=KEY, **headers):
    return post_json(client, URL, data, headers={"Idempotency-Key": key, **headers})


def test_a_retry_with_the_same_key_and_body_answers_with_the_same_case(client, users):
    first = keyed(client, valid())
    again = keyed(client, valid())
    assert first.status_code == again.status_code == 201, again.content
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    case = Case.objects.get()
    assert case.events.count() == 1


def test_the_same_key_with_another_body_is_a_422_and_changes_nothing(client, users):
    number = keyed(client, valid()).json()["number"]
    response = keyed(client, valid(description="完全不同的另一件事。"))
    assert response.status_code == 422
    body = response.json()
    assert "幂等键" in body["detail"] and "Idempotency-Key" in body["errors"]
    assert number not in response.content.decode()  # anonymous clients share one key space
    assert Case.objects.count() == 1


def test_without_a_key_each_request_is_a_new_case(client, users):
    assert post_json(client, URL, valid()).status_code == 201
    assert post_json(client, URL, valid()).status_code == 201
    assert Case.objects.count() == 2 and not SubmissionKey.objects.exists()


def test_a_key_written_as_a_structured_field_string_is_the_same_key(client, users):
    first = keyed(client, valid(), key=f'"{KEY}"')
    again = keyed(client, valid())
    assert again.json()["number"] == first.json()["number"] and Case.objects.count() == 1


@pytest.mark.parametrize(
    "key", ["", "too-short", "k" * 129, "with spaces in the middle", "中文中文中文中文中文中文中文中文"]
)
def test_a_malformed_key_is_a_400_and_nothing_is_created(client, users, key):
    response = post_json(client, URL, valid(), headers={"Idempotency-Key": key.encode().decode("latin-1")})
    assert response.status_code == 400, response.content
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Case.objects.exists()


def test_bad_input_does_not_use_up_the_key(client, users):
    assert keyed(client, valid(phone="123")).status_code == 422
    response = keyed(client, valid())
    assert response.status_code == 201 and "Idempotent-Replayed" not in response


def test_json_whitespace_and_key_order_do_not_matter(client, users):
    data = valid()
    first = keyed(client, data)
    reordered = json.dumps(dict(reversed(list(data.items()))), indent=2, ensure_ascii=True)
    again = client.post(URL, reordered, content_type="application/json", headers={"Idempotency-Key": KEY})
    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]


def test_photos_count_in_the_body(client, users):
    def post(photo):
        return client.post(URL, {**valid(), "photos": [photo]}, headers={"Idempotency-Key": KEY})

    first = post(jpeg("a.jpg", colour=(200, 0, 0)))
    again = post(jpeg("renamed.jpg", colour=(200, 0, 0)))  # same bytes, another name: a retry
    assert again.status_code == 201 and again.json()["number"] == first.json()["number"]
    other = post(jpeg("a.jpg", colour=(0, 0, 200)))
    assert other.status_code == 422
    assert Case.objects.count() == 1 and Attachment.objects.count() == 1


def test_keys_of_a_volunteer_are_theirs_alone(client, users, token_for):
    volunteer = token_for("volunteer")
    mine = keyed(client, valid(consent=True), **volunteer)
    again = keyed(client, valid(consent=True), **volunteer)
    public = keyed(client, valid())
    assert mine.status_code == again.status_code == public.status_code == 201
    assert mine.json()["number"] == again.json()["number"] != public.json()["number"]
    assert Case.objects.count() == 2
    assert Case.objects.get(number=mine.json()["number"]).channel == "help_desk"


def test_the_openapi_document_describes_the_header(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


# ---------------------------------------------------------------------------------------------
# Open311


def open311(client, key=KEY, **overrides):
    data = {
        "service_code": "infrastructure",
        "attribute[community]": "zhuzhi",
        "address_string": "3栋2单元5楼",
        "description": "楼道灯不亮",
        "last_name": "张",
        "first_name": "桂兰",
        "phone": "13800001234",
    }
    data.update(overrides)
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(OPEN311, data, headers=headers)


def test_open311_replays_a_retried_request(client, users):
    first = open311(client)
    again = open311(client)
    assert first.status_code == again.status_code == 200
    number = first.json()[0]["service_request_id"]
    assert again.json()[0]["service_request_id"] == number
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1


def test_open311_refuses_a_reused_key_and_a_malformed_one(client, users):
    open311(client)
    reused = open311(client, description="另一件事")
    assert reused.status_code == 422 and "幂等键" in reused.json()[0]["description"]
    bad = open311(client, key="nope")
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()[0]["description"]
    assert Case.objects.count() == 1
    assert open311(client, key=None).status_code == 200 and Case.objects.count() == 2
