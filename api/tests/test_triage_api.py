"""POST /api/v1/triage: suggested categories and likely duplicates, anonymous or with a staff token."""

import pytest

from cases import services, submission
from cases.models import Case, Department
from triage.lexicon import load_lexicon

from .conftest import post_json

URL = "/api/v1/triage"
NAME = "欧阳桂兰"
PHONE = "13912345678"
ADDRESS = "竹枝路17号3栋2单元501室"


@pytest.fixture
def lexicon(users):
    load_lexicon()
    return users


@pytest.fixture
def reported(lexicon):
    """A resident's case, submitted through the one submission service: 3栋2单元's stairwell light."""
    return submission.submit(
        category="infrastructure",
        community="zhuzhi",
        address=ADDRESS,
        description="3栋2单元楼道灯不亮了,晚上上楼黑黢黢的,老人差点摔倒。",
        name=NAME,
        phone=PHONE,
    ).case


def ask(client, headers=None, **body):
    return post_json(client, URL, body, headers=headers or {})


def test_a_neighbours_report_of_the_same_light_finds_the_case(client, reported):
    response = ask(client, description="楼道的灯不亮了,黑得很", community="zhuzhi", address="3栋2单元")
    assert response.status_code == 200
    data = response.json()
    assert [d["number"] for d in data["duplicates"]] == [reported.number]
    duplicate = data["duplicates"][0]
    assert duplicate["score"] >= 0.5
    assert "同一楼栋单元" in duplicate["reasons"]
    assert data["categories"][0]["code"] == "infrastructure"
    assert data["categories"][0]["reasons"]  # the words that decided it
    assert {"code", "name", "score", "reasons"} <= set(data["categories"][0])


def test_anonymous_callers_see_only_the_number_score_and_reasons(client, reported):
    response = ask(client, description="楼道灯不亮了", community="zhuzhi", address="3栋2单元5楼", phone=PHONE)
    assert response.status_code == 200
    body = response.content.decode()
    (duplicate,) = response.json()["duplicates"]
    assert set(duplicate) == {"number", "score", "reasons"}
    for private in (NAME, PHONE, ADDRESS, "竹枝路17号", "黑黢黢", "老人差点摔倒"):
        assert private not in body
    # The phone is not compared for the public: same answer as without it, and no 同一电话.
    assert "同一电话" not in duplicate["reasons"]
    without = ask(client, description="楼道灯不亮了", community="zhuzhi", address="3栋2单元5楼").json()
    assert without["duplicates"][0]["score"] == duplicate["score"]


def test_staff_see_the_stage_and_category_of_the_cases_they_may_open(client, reported, token_for):
    headers = token_for("intake")
    response = ask(
        client, headers, description="楼道灯不亮了", community="zhuzhi", address="3栋2单元", phone=PHONE
    )
    assert response.status_code == 200
    (duplicate,) = response.json()["duplicates"]
    assert duplicate["number"] == reported.number
    assert duplicate["category"]["code"] == "infrastructure"
    assert duplicate["community"] == {"code": "zhuzhi", "name": "竹枝社区"}
    assert duplicate["stage"] == "submitted"
    assert duplicate["state"] == "submitted"
    assert "同一电话" in duplicate["reasons"]
    assert PHONE not in response.content.decode() and NAME not in response.content.decode()


def test_a_handler_gets_only_public_fields_of_a_case_of_another_department(
    client, reported, users, token_for
):
    # Dispatched to 城管科: the handler of 物业科 may not open it.
    services.accept(reported, by=users["intake"])
    services.dispatch(reported, by=users["intake"], department=Department.objects.get(code="urban"))
    response = ask(
        client,
        token_for("handler"),
        description="楼道灯不亮了",
        community="zhuzhi",
        address="3栋2单元",
        phone=PHONE,
    )
    assert response.status_code == 200
    (duplicate,) = response.json()["duplicates"]
    assert set(duplicate) == {"number", "score", "reasons"}
    assert "同一电话" not in duplicate["reasons"]


def test_anonymous_lookups_are_rate_limited_and_staff_are_not(client, reported, settings, token_for):
    headers = token_for("intake")
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "2/m"}
    for _ in range(2):
        assert ask(client, description="楼道灯不亮", community="zhuzhi").status_code == 200
    refused = ask(client, description="楼道灯不亮", community="zhuzhi")
    assert refused.status_code == 429
    assert refused["Retry-After"]
    assert refused.json()["detail"]
    assert ask(client, headers, description="楼道灯不亮", community="zhuzhi").status_code == 200


def test_an_empty_description_is_a_422_on_the_field(client, lexicon):
    for description in ("", "   "):
        response = ask(client, description=description, community="zhuzhi")
        assert response.status_code == 422
        data = response.json()
        assert "description" in data["errors"]
        assert data["detail"]
    assert ask(client, community="zhuzhi").status_code == 422  # missing


def test_four_thousand_emoji_get_empty_suggestions_and_more_a_422(client, reported):
    response = ask(client, description="😀" * 4000, community="zhuzhi", address="3栋2单元")
    assert response.status_code == 200
    assert response.json() == {"categories": [], "preselect": "", "duplicates": []}
    too_long = ask(client, description="灯" * 4001, community="zhuzhi")
    assert too_long.status_code == 422
    assert "description" in too_long.json()["errors"]


def test_an_unknown_community_is_a_clear_422(client, reported):
    response = ask(client, description="楼道灯不亮了", community="nowhere")
    assert response.status_code == 422
    assert response.json()["errors"]["community"] == ["没有代码为“nowhere”的社区。"]


def test_without_a_community_categories_are_suggested_and_no_duplicates(client, reported):
    data = ask(client, description="楼道灯不亮了").json()
    assert data["duplicates"] == []
    assert data["categories"][0]["code"] == "infrastructure"


@pytest.mark.parametrize(
    "body",
    [
        {"description": 42},
        {"description": "楼道灯不亮", "category": "infrastructure"},  # an unknown field
        {"description": "楼道灯\x00不亮"},
    ],
)
def test_malformed_input_is_a_422_never_a_500(client, lexicon, body):
    response = ask(client, **body)
    assert response.status_code == 422
    assert response.json()["errors"]


def test_a_bad_token_is_a_401_not_an_anonymous_answer(client, lexicon):
    response = ask(client, {"Authorization": "Bearer nope"}, description="楼道灯不亮")
    assert response.status_code == 401


def test_it_changes_nothing(client, reported):
    before = Case.objects.count()
    ask(client, description="楼道灯不亮了", community="zhuzhi", address="3栋2单元")
    assert Case.objects.count() == before


def test_it_is_in_the_openapi_document(client, db):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/triage"]["post"]
    assert {"200", "422", "429"} <= set(operation["responses"])


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"description": null}'])
def test_a_body_that_is_not_a_json_object_gets_the_apis_error_not_a_500(client, lexicon, raw):
    response = client.post(URL, raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
