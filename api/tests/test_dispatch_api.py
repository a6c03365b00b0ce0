"""The dispatch operations of the API: 改派, 派单异议, the ruling."""

from cases.models import Case
from tests.support.data import case_in

from .conftest import post_json


def test_intake_reassigns_over_the_api(client, users, token_for):
    case = case_in("dispatched", users)
    response = post_json(
        client,
        f"/api/v1/cases/{case.number}/reassign",
        {"department": "municipal", "reason": "路灯属市政设施"},
        headers=token_for("intake"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["event"]["action"] == "reassign"
    assert body["department"]["code"] == "municipal"
    assert Case.objects.get(pk=case.pk).department.code == "municipal"


def test_reassign_refusals(client, users, token_for):
    case = case_in("dispatched", users)
    url = f"/api/v1/cases/{case.number}/reassign"
    same = post_json(client, url, {"department": "property", "reason": "x"}, headers=token_for("intake"))
    assert same.status_code == 422 and "department" in same.json()["errors"]
    unknown = post_json(client, url, {"department": "nosuch", "reason": "x"}, headers=token_for("intake"))
    assert unknown.status_code == 422
    handler = post_json(client, url, {"department": "urban", "reason": "x"}, headers=token_for("handler"))
    assert handler.status_code == 403
    accepted = case_in("accepted", users)
    wrong = post_json(
        client,
        f"/api/v1/cases/{accepted.number}/reassign",
        {"department": "urban", "reason": "x"},
        headers=token_for("intake"),
    )
    assert wrong.status_code == 409
    assert Case.objects.get(pk=case.pk).version == case.version


def test_dispute_and_ruling_over_the_api(client, users, token_for):
    case = case_in("dispatched", users)
    url = f"/api/v1/cases/{case.number}/disputes"
    response = post_json(client, url, {"reason": "不属于本部门"}, headers=token_for("handler"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cites_item"] is False and body["status"] == "pending"
    again = post_json(client, url, {"reason": "再提一次"}, headers=token_for("handler"))
    assert again.status_code == 409
    ruling_url = f"/api/v1/disputes/{body['id']}/ruling"
    bad = post_json(client, ruling_url, {"upheld": False, "note": "x"}, headers=token_for("supervisor"))
    assert bad.status_code == 422  # accepted, but no department named and no item cited
    by_intake = post_json(client, ruling_url, {"upheld": True, "note": "x"}, headers=token_for("intake"))
    assert by_intake.status_code == 403
    ruled = post_json(
        client,
        ruling_url,
        {"upheld": False, "department": "urban", "note": "归城管"},
        headers=token_for("supervisor"),
    )
    assert ruled.status_code == 200, ruled.content
    assert ruled.json()["department"]["code"] == "urban"
    twice = post_json(client, ruling_url, {"upheld": True, "note": "x"}, headers=token_for("supervisor"))
    assert twice.status_code == 409
    missing = post_json(
        client,
        "/api/v1/disputes/999999/ruling",
        {"upheld": True, "note": "x"},
        headers=token_for("supervisor"),
    )
    assert missing.status_code == 404
    assert Case.objects.get(pk=case.pk).department.code == "urban"
