"""Type and priority on every case the API returns; classify, mark and sign-off over the API."""

from django.contrib.auth.models import Group, User

from cases import classifying
from cases.models import Case, UnreasonableMark
from tests.support.data import case_in, submit

from .conftest import post_json


def test_every_case_answer_carries_type_and_priority(client, users, token_for):
    case = case_in("accepted", users)
    classifying.classify(case, by=users["intake"], request_type="enquiry", priority="high")
    public = client.get(f"/api/v1/cases/{case.number}").json()
    assert (public["type"], public["type_label"], public["priority"], public["priority_label"]) == (
        "enquiry",
        "咨询",
        "high",
        "重点",
    )
    queue = client.get("/api/v1/queue", headers=token_for("intake")).json()
    row = next(r for r in queue if r["number"] == case.number)
    assert (row["type"], row["priority"]) == ("enquiry", "high")
    created = post_json(
        client,
        "/api/v1/cases",
        {
            "category": "infrastructure",
            "community": "zhuzhi",
            "address": "3栋",
            "description": "楼道灯坏了",
            "name": "张三",
            "phone": "13800001234",
        },
    ).json()
    assert (created["type"], created["priority"]) == ("help", "normal")


def test_intake_classifies_over_the_api_and_an_urgent_case_leads_the_queue(client, users, token_for):
    older = submit(description="门禁坏了")
    case = submit(description="水管爆了,水漫进屋里")
    headers = token_for("intake")
    suggested = client.get(f"/api/v1/cases/{case.number}/classify", headers=headers).json()
    assert suggested["priority"] == "urgent" and "水管爆" in suggested["because"]
    response = post_json(
        client,
        f"/api/v1/cases/{case.number}/classify",
        {"type": "help", "priority": "urgent"},
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "urgent" and response.json()["event"]["action"] == "classify"
    numbers = [r["number"] for r in client.get("/api/v1/queue", headers=headers).json()]
    assert numbers.index(case.number) < numbers.index(older.number)


def test_classify_refusals(client, users, token_for):
    case = case_in("dispatched", users)
    url = f"/api/v1/cases/{case.number}/classify"
    unknown = post_json(client, url, {"type": "help", "priority": "asap"}, headers=token_for("intake"))
    assert unknown.status_code == 422 and "priority" in unknown.json()["errors"]
    same = post_json(client, url, {"type": "help", "priority": "normal"}, headers=token_for("intake"))
    assert same.status_code == 422
    handler = post_json(client, url, {"type": "help", "priority": "urgent"}, headers=token_for("handler"))
    assert handler.status_code == 403
    closed = case_in("closed", users)
    late = post_json(
        client,
        f"/api/v1/cases/{closed.number}/classify",
        {"type": "help", "priority": "urgent"},
        headers=token_for("intake"),
    )
    assert late.status_code == 409
    missing = post_json(
        client,
        "/api/v1/cases/20990101-0001/classify",
        {"type": "help", "priority": "urgent"},
        headers=token_for("intake"),
    )
    assert missing.status_code == 404
    assert Case.objects.get(pk=case.pk).priority == "normal"


def test_mark_and_sign_off_over_the_api(client, users, token_for):
    case = case_in("handling", users)
    reasons = client.get("/api/v1/unreasonable-reasons", headers=token_for("intake")).json()
    assert {"code": "malicious", "name": "恶意诉求"} in reasons
    url = f"/api/v1/cases/{case.number}/unreasonable"
    no_reason = post_json(client, url, {"kind": "unreasonable"}, headers=token_for("intake"))
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"]
    bad_code = post_json(
        client, url, {"kind": "unreasonable", "reason": "nosuch"}, headers=token_for("intake")
    )
    assert bad_code.status_code == 422
    assert not UnreasonableMark.objects.filter(case=case).exists()
    marked = post_json(
        client, url, {"kind": "unreasonable", "reason": "malicious"}, headers=token_for("intake")
    )
    assert marked.status_code == 201, marked.content
    assert marked.json()["status"] == "pending" and marked.json()["reason"]["code"] == "malicious"
    again = post_json(
        client, url, {"kind": "unreasonable", "reason": "malicious"}, headers=token_for("intake")
    )
    assert again.status_code == 409
    by_intake = post_json(client, f"{url}/sign-off", {}, headers=token_for("intake"))
    assert by_intake.status_code == 403
    signed = post_json(client, f"{url}/sign-off", {"note": "属实"}, headers=token_for("supervisor"))
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed_off" and signed.json()["excluded_from_rates"] is True
    twice = post_json(client, f"{url}/decline", {"note": "不成立"}, headers=token_for("supervisor"))
    assert twice.status_code == 409


def test_signing_off_ones_own_mark_over_the_api_is_refused(client, users, token_for):
    both = User.objects.create_user("intake_supervisor", password="minsheng-demo", first_name="周一")
    both.groups.add(Group.objects.get(name="intake"), Group.objects.get(name="supervisor"))
    case = case_in("handling", users)
    headers = token_for("intake_supervisor")
    url = f"/api/v1/cases/{case.number}/unreasonable"
    assert (
        post_json(client, url, {"kind": "unreasonable", "reason": "pestering"}, headers=headers).status_code
        == 201
    )
    own = post_json(client, f"{url}/sign-off", {}, headers=headers)
    assert own.status_code == 403 and "不能确认自己作出的" in own.json()["detail"]
    assert UnreasonableMark.objects.get(case=case).status == "pending"
