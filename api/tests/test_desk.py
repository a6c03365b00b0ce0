"""The help-desk operations of the API: on-behalf submission, lookup by phone, appointment, follow-ups."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cases.models import Case, FollowUp, HelpDesk, PersonalDataAccess, Rating
from tests.support.data import case_in, jpeg, submit

from .conftest import post_json


def _case_fields(**overrides):
    data = {
        "category": "infrastructure",
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "13800001234",
        "age_band": "60_plus",
        "consent": True,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def other_volunteer(users):
    user = User.objects.create_user("xiaoli", password="minsheng-demo", first_name="小李")
    user.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(user)
    return user


# --- POST /cases with a token -------------------------------------------------------------------


def test_a_volunteer_submits_for_a_resident_at_their_desk(client, users, token_for):
    response = post_json(client, "/api/v1/cases", _case_fields(), headers=token_for("volunteer"))
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    assert case.channel == "help_desk" and case.desk.code == "zhuzhi-desk"
    assert case.community.code == "zhuzhi"  # the desk's community by default
    assert case.submitted_by == users["volunteer"] and case.age_band == "60_plus"
    events = client.get(f"/api/v1/cases/{case.number}").json()["events"]
    assert events[0]["note"] == "由竹枝社区代办岗志愿者小王代为提交"


def test_a_volunteer_may_submit_with_photos_in_multipart(client, users, token_for):
    data = {**_case_fields(consent="true"), "photos": [jpeg()]}
    response = client.post("/api/v1/cases", data, headers=token_for("volunteer"))
    assert response.status_code == 201, response.content
    assert Case.objects.get().attachments.count() == 1


def test_consent_must_be_true(client, users, token_for):
    response = post_json(client, "/api/v1/cases", _case_fields(consent=False), headers=token_for("volunteer"))
    assert response.status_code == 422
    assert "consent" in response.json()["errors"]
    assert not Case.objects.exists()


def test_an_unknown_desk_is_refused(client, users, token_for):
    response = post_json(
        client, "/api/v1/cases", _case_fields(desk="nowhere"), headers=token_for("volunteer")
    )
    assert response.status_code == 422
    assert response.json()["errors"]["desk"] == ["没有代码为“nowhere”的代办岗。"]
    assert not Case.objects.exists()


def test_another_desk_is_refused(client, users, token_for):
    response = post_json(
        client, "/api/v1/cases", _case_fields(desk="mingliang-desk"), headers=token_for("volunteer")
    )
    assert response.status_code == 422
    assert "desk" in response.json()["errors"]


def test_an_invalid_phone_is_refused(client, users, token_for):
    response = post_json(client, "/api/v1/cases", _case_fields(phone="123"), headers=token_for("volunteer"))
    assert response.status_code == 422
    assert "phone" in response.json()["errors"]
    assert not Case.objects.exists()


def test_no_phone_is_fine_at_a_desk(client, users, token_for):
    response = post_json(client, "/api/v1/cases", _case_fields(phone=None), headers=token_for("volunteer"))
    assert response.status_code == 201
    assert Case.objects.get().phone == ""


@pytest.mark.parametrize("channel", ["phone", "walk_in"])
def test_intake_registers_calls_and_visits(channel, client, users, token_for):
    fields = _case_fields(channel=channel, consent=None, community="zhuzhi")
    response = post_json(client, "/api/v1/cases", fields, headers=token_for("intake"))
    assert response.status_code == 201, response.content
    assert Case.objects.get().channel == channel


def test_intake_must_say_which_channel(client, users, token_for):
    fields = _case_fields(consent=None, community="zhuzhi")
    response = post_json(client, "/api/v1/cases", fields, headers=token_for("intake"))
    assert response.status_code == 422
    assert "channel" in response.json()["errors"]


def test_a_volunteer_cannot_register_a_phone_call(client, users, token_for):
    response = post_json(
        client,
        "/api/v1/cases",
        _case_fields(channel="phone", community="zhuzhi"),
        headers=token_for("volunteer"),
    )
    assert response.status_code == 403
    assert not Case.objects.exists()


def test_a_handler_token_cannot_submit_on_behalf(client, users, token_for):
    response = post_json(client, "/api/v1/cases", _case_fields(), headers=token_for("handler"))
    assert response.status_code == 403


def test_a_bad_token_is_a_401_not_an_anonymous_submission(client, users):
    response = post_json(
        client, "/api/v1/cases", _case_fields(), headers={"Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 401
    assert not Case.objects.exists()


def test_anonymous_submission_is_unchanged(client, users):
    fields = _case_fields(consent=None, community="zhuzhi")
    response = post_json(client, "/api/v1/cases", fields)
    assert response.status_code == 201
    case = Case.objects.get()
    assert case.channel == "online" and case.desk is None and case.submitted_by is None
    # The on-behalf fields are not part of the public form.
    response = post_json(client, "/api/v1/cases", {**fields, "consent": True})
    assert response.status_code == 422


# --- POST /phone-lookup ---------------------------------------------------------------------------


def test_a_volunteer_finds_a_residents_cases_by_full_phone_newest_first(
    client, users, token_for, other_volunteer
):
    older = case_in("dispatched", users, phone="13500005555")
    newer = submit(phone="13500005555")
    submit(phone="13500005556")
    response = post_json(
        client, "/api/v1/phone-lookup", {"phone": "13500005555"}, headers=token_for("xiaoli")
    )
    assert response.status_code == 200
    rows = response.json()
    assert [r["number"] for r in rows] == [newer.number, older.number]
    assert rows[1]["progress"] == "您的诉求已经派给物业科,他们会尽快和您联系。"
    assert rows[0]["phone"] == "13500005555"
    assert PersonalDataAccess.objects.filter(user=other_volunteer, via="phone_lookup").count() == 2


def test_lookup_by_phone_needs_a_token_and_a_valid_number(client, users, token_for):
    submit()
    assert post_json(client, "/api/v1/phone-lookup", {"phone": "13800001234"}).status_code == 401
    response = post_json(client, "/api/v1/phone-lookup", {"phone": "1380000"}, headers=token_for("volunteer"))
    assert response.status_code == 422 and "phone" in response.json()["errors"]
    assert post_json(client, "/api/v1/phone-lookup", {}, headers=token_for("volunteer")).status_code == 422
    assert not PersonalDataAccess.objects.exists()


def test_a_phone_number_in_the_url_finds_nothing(client, users, token_for):
    """The number must never travel in a URL, where every access log would keep it."""
    submit()
    response = client.get("/api/v1/cases", {"phone": "13800001234"}, headers=token_for("volunteer"))
    assert response.status_code == 405
    assert "13800001234" not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


# --- appointment ------------------------------------------------------------------------------


def test_a_volunteer_records_an_appointment(client, users, token_for):
    case = case_in("dispatched", users, channel="help_desk", by=users["volunteer"])
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = post_json(
        client,
        f"/api/v1/cases/{case.number}/appointment",
        {"appointment_at": at.isoformat()},
        headers=token_for("volunteer"),
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=case.pk).appointment_at == at
    assert response.json()["event"]["action"] == "appoint"


def test_an_appointment_on_another_desks_case_is_a_404(client, users, token_for, other_volunteer):
    case = case_in("dispatched", users, channel="help_desk", by=users["volunteer"])
    at = timezone.now() + timedelta(days=1)
    response = post_json(
        client,
        f"/api/v1/cases/{case.number}/appointment",
        {"appointment_at": at.isoformat()},
        headers=token_for("xiaoli"),
    )
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).appointment_at is None


# --- follow-ups -------------------------------------------------------------------------------


def _follow_up(client, case, token, **data):
    return post_json(client, f"/api/v1/cases/{case.number}/follow-ups", data, headers=token)


def test_a_follow_up_with_a_score_records_the_rating_by_phone(client, users, token_for):
    case = case_in("completed", users, channel="help_desk", by=users["volunteer"])
    token = token_for("volunteer")
    assert _follow_up(client, case, token, reached=False).json()["follow_up"]["attempt"] == 1
    response = _follow_up(client, case, token, reached=True, solved=True, score="satisfied", note="满意")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["follow_up"]["attempt"] == 2
    assert body["follow_up"]["rating"]["label"] == "满意" and body["follow_up"]["via"] == "follow_up"
    assert body["state"] == "closed"
    rating = Rating.objects.get(case=case)
    assert rating.via == "follow_up" and rating.recorded_by == users["volunteer"]


def test_a_second_rating_is_a_409(client, users, token_for):
    case = case_in("completed", users, channel="help_desk", by=users["volunteer"])
    token = token_for("volunteer")
    assert _follow_up(client, case, token, reached=True, score="satisfied").status_code == 201
    response = _follow_up(client, case, token, reached=True, score="dissatisfied")
    assert response.status_code == 409
    assert "已经评价过" in response.json()["detail"]
    assert Rating.objects.count() == 1 and FollowUp.objects.count() == 1


def test_a_follow_up_before_completion_is_a_409(client, users, token_for):
    case = case_in("handling", users, channel="help_desk", by=users["volunteer"])
    response = _follow_up(client, case, token_for("volunteer"), reached=True)
    assert response.status_code == 409
    assert not FollowUp.objects.exists()


def test_a_follow_up_needs_reached(client, users, token_for):
    case = case_in("completed", users, channel="help_desk", by=users["volunteer"])
    response = _follow_up(client, case, token_for("volunteer"), score="satisfied")
    assert response.status_code == 422
    assert "reached" in response.json()["errors"]


def test_a_volunteer_cannot_accept_through_the_api(client, users, token_for):
    case = submit(channel="help_desk", by=users["volunteer"])
    response = post_json(client, f"/api/v1/cases/{case.number}/accept", headers=token_for("volunteer"))
    assert response.status_code == 403
