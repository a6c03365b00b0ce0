"""Text through the REST API and Open311: any Unicode is stored unchanged; NUL, other control
characters, lone surrogates and the bidirectional overrides are refused with a 4xx naming the field,
before any query (PostgreSQL cannot store NUL: a NUL reaching it is a 500); names also refuse the
other invisible characters (zero-width joiners); over-long text is refused with a clear message."""

import json
import xml.etree.ElementTree as ET

import pytest

from cases.models import Case
from tests.support.data import API_SUBMISSION

from .conftest import post_json

# Each of these is already in NFC, so "unchanged" is byte for byte.
UNICODE = {
    "emoji": "水管爆了😱👨‍👩‍👧 👍🏽",
    "cjk-extension-b": "𠀀𪚥𠮷家门口",
    "rtl": "العنوان\u200f עברית",
    "combining": "x\u0301\u0302 Z\u0335\u0321a\u0337l\u0336g\u0338o",
    "tab-and-newlines": "第一行\r\n第二行\t缩进",
}
BAD = {
    "nul": "漏水\x00",
    "bell": "漏水\x07",
    "escape": "\x1b[31m漏水",
    "delete": "漏水\x7f",
    "c1-control": "漏水\x85",
    "lone-surrogate": "漏水\ud800",
    "bidi-override": "\u202e漏水\u202c",
}
# Invisible in a name: two different names that look the same in a staff list.
INVISIBLE_IN_NAMES = ("emoji", "rtl")
FIELDS = API_SUBMISSION


def _json(data) -> str:
    # json.dumps writes "\u0000" and "\ud800" escapes, as a client's JSON library would.
    return json.dumps(data)


@pytest.mark.parametrize("text", UNICODE.values(), ids=UNICODE.keys())
@pytest.mark.parametrize("field", ["description", "address", "name"])
def test_any_unicode_is_stored_unchanged(client, users, field, text):
    value = text[:50] if field == "name" else text
    response = client.post("/api/v1/cases", _json({**FIELDS, field: value}), content_type="application/json")
    if field == "name" and text in [UNICODE[k] for k in INVISIBLE_IN_NAMES]:
        assert response.status_code == 422 and "name" in response.json()["errors"]
        assert not Case.objects.exists()
        return
    assert response.status_code == 201, response.content
    assert getattr(Case.objects.get(), field) == value.strip()


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
@pytest.mark.parametrize(
    "field", ["category", "community", "address", "description", "name", "phone", "email", "age_band"]
)
def test_control_characters_are_refused_before_the_database(client, users, field, text):
    response = client.post("/api/v1/cases", _json({**FIELDS, field: text}), content_type="application/json")
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in body["errors"]
    assert not Case.objects.exists()


def test_the_message_says_what_is_wrong(client, users):
    response = client.post(
        "/api/v1/cases", _json({**FIELDS, "description": "漏水\x00"}), content_type="application/json"
    )
    assert response.json()["errors"]["description"] == ["包含无法识别的控制字符(如 NUL),请删除后重试。"]


@pytest.mark.parametrize("field", ["category", "description", "name"])
def test_a_nul_in_a_multipart_field_is_a_400_before_anything_is_read(client, users, field):
    response = client.post("/api/v1/cases", {**FIELDS, field: "漏水\x00"})
    assert response.status_code == 400
    assert field in response.json()["detail"] and "NUL" in response.json()["detail"]
    assert not Case.objects.exists()


def test_other_control_characters_in_multipart_are_a_422_naming_the_field(client, users):
    response = client.post("/api/v1/cases", {**FIELDS, "description": "漏水\x07"})
    assert response.status_code == 422
    assert "description" in response.json()["errors"]


@pytest.mark.parametrize(
    "field, limit", [("description", 4000), ("address", 200), ("name", 50), ("email", 254)]
)
def test_over_long_text_is_refused_with_the_limit(client, users, field, limit):
    value = "长" * (limit + 1) if field != "email" else "a" * 250 + "@b.cn"
    response = client.post("/api/v1/cases", _json({**FIELDS, field: value}), content_type="application/json")
    assert response.status_code == 422
    message = " ".join(response.json()["errors"][field])
    assert str(limit) in message or "格式不正确" in message
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/api/v1/cases/20240101-0001%00", "/api/v1/cases?phone=138%00", "/api/v1/categories?x=%00"],
)
def test_a_nul_in_the_url_is_a_400(client, users, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


# A username with a direction override is just a wrong username (401), not a malformed request.
CONTROL = {name: text for name, text in BAD.items() if name != "bidi-override"}


@pytest.mark.parametrize("text", CONTROL.values(), ids=CONTROL.keys())
def test_the_token_endpoint_refuses_control_characters(client, users, text):
    response = post_json(client, "/api/v1/auth/token", {"username": f"intake{text}", "password": "x"})
    assert response.status_code == 422


@pytest.mark.parametrize("text", BAD.values(), ids=BAD.keys())
def test_staff_moves_refuse_control_characters(client, users, token_for, text):
    from tests.support.data import submit

    case = submit()
    response = post_json(
        client, f"/api/v1/cases/{case.number}/reject", {"reason": f"重复{text}"}, headers=token_for("intake")
    )
    assert response.status_code == 422
    case.refresh_from_db()
    assert case.state == "submitted"


# Open311 GeoReport v2 -----------------------------------------------------------------------

OPEN311 = {
    "service_code": "infrastructure",
    "attribute[community]": "zhuzhi",
    "address_string": "3栋2单元5楼",
    "description": "楼道灯坏了",
    "last_name": "张",
    "first_name": "桂兰",
    "phone": "13800001234",
}


@pytest.mark.parametrize("text", UNICODE.values(), ids=UNICODE.keys())
def test_open311_stores_any_unicode_unchanged(client, users, text):
    response = client.post("/open311/v2/requests.json", {**OPEN311, "description": text})
    assert response.status_code == 200, response.content
    assert Case.objects.get().description == text


@pytest.mark.parametrize("text", [BAD["nul"], BAD["escape"]], ids=["nul", "escape"])
@pytest.mark.parametrize("field", [*OPEN311, "email", "lat", "attribute[age_band]"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_open311_refuses_control_characters_in_its_own_error_format(client, users, field, text, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}", {**OPEN311, field: text})
    assert response.status_code == 400
    if fmt == "json":
        description = response.json()[0]["description"]
    else:
        description = ET.fromstring(response.content).find("error/description").text
    assert field in description and "控制字符" in description
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/open311/v2/requests.json?service_request_id=a%00",
        "/open311/v2/requests.json?service_code=a%00",
        "/open311/v2/requests/a%00.json",
        "/open311/v2/services/a%00.xml",
    ],
)
def test_open311_lookups_refuse_a_nul(client, users, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


def test_open311_refuses_an_over_long_description(client, users):
    response = client.post("/open311/v2/requests.json", {**OPEN311, "description": "长" * 4001})
    assert response.status_code == 400
    assert "4000" in response.json()[0]["description"]
    assert not Case.objects.exists()
