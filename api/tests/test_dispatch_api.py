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
