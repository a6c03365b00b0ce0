"""主办 / 协办 over the API: dispatch with `co_departments`, and co-handlers' contributions."""

from django.contrib.auth.models import Group, User

from cases import roles
from cases.models import Case, CoHandling, Department, StaffProfile
from operations.demo import DEMO_PASSWORD
from tests.support.data import case_in, jpeg

from .conftest import post_json


def urban_handler():
    user = User.objects.create_user("urban-api", password=DEMO_PASSWORD, first_name="王五")
    user.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=user, department=Department.objects.get(code="urban"))
    return user


def dispatch(client, case, token_for, **body):
    return post_json(
        client,
        f"/api/v1/cases/{case.number}/dispatch",
        {"department": "property", **body},
        headers=token_for("intake"),
    )


def test_dispatch_takes_co_departments_and_the_progress_shows_them(client, users, token_for):
    case = case_in("accepted", users)
    response = dispatch(client, case, token_for, co_departments=["urban", "municipal"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["department"]["code"] == "property"
    assert [c["code"] for c in body["co_departments"]] == ["urban", "municipal"]
    assert body["event"]["note"] == "协办部门:城管科、市政科"
    public = client.get(f"/api/v1/cases/{case.number}").json()
    assert [(c["name"], c["reported"]) for c in public["co_departments"]] == [
        ("城管科", False),
        ("市政科", False),
    ]


def test_dispatch_refuses_the_lead_as_a_co_department_and_unknown_codes(client, users, token_for):
    case = case_in("accepted", users)
    lead = dispatch(client, case, token_for, co_departments=["property"])
    assert lead.status_code == 422 and "co_departments" in lead.json()["errors"]
    unknown = dispatch(client, case, token_for, co_departments=["nosuch"])
    assert unknown.status_code == 422 and "nosuch" in unknown.json()["errors"]["co_departments"][0]
    case.refresh_from_db()
    assert case.state == "accepted" and not CoHandling.objects.exists()


def test_a_co_handler_contributes_once_with_json_or_multipart(client, users, token_for):
    urban_handler()
    case = case_in("accepted", users)
    dispatch(client, case, token_for, co_departments=["urban"])
    url = f"/api/v1/cases/{case.number}/contributions"
    empty = post_json(client, url, {"note": ""}, headers=token_for("urban-api"))
    assert empty.status_code == 422 and "note" in empty.json()["errors"]
    extra = post_json(client, url, {"note": "好", "photos": "x"}, headers=token_for("urban-api"))
    assert extra.status_code == 422
    lead = post_json(client, url, {"note": "我是主办"}, headers=token_for("handler"))
    assert lead.status_code == 403
    response = client.post(
        url, {"note": "已清理占道杂物。", "photos": [jpeg("a.jpg")]}, headers=token_for("urban-api")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["event"]["action"] == "contribute" and body["event"]["note"] == "协办部门城管科已办理"
    assert body["co_departments"][0]["reported"] is True
    row = CoHandling.objects.get(case=case)
    assert row.note == "已清理占道杂物。" and row.attachments.count() == 1
    again = post_json(client, url, {"note": "再报一次"}, headers=token_for("urban-api"))
    assert again.status_code == 409 and "不能重复报告" in again.json()["detail"]


def test_complete_over_the_api_waits_for_the_co_handlers(client, users, token_for):
    case = case_in("accepted", users)
    dispatch(client, case, token_for, co_departments=["urban"])
    post_json(client, f"/api/v1/cases/{case.number}/start", headers=token_for("handler"))
    response = client.post(
        f"/api/v1/cases/{case.number}/complete",
        {"explanation": "修好了", "before": [jpeg()], "after": [jpeg()]},
        headers=token_for("handler"),
    )
    assert response.status_code == 422
    assert "城管科" in str(response.json())
    assert Case.objects.get(pk=case.pk).state == "handling"


def test_a_case_one_may_not_see_is_a_404(client, users, token_for):
    urban_handler()
    case = case_in("dispatched", users)  # no co-handlers
    response = post_json(
        client, f"/api/v1/cases/{case.number}/contributions", {"note": "x"}, headers=token_for("urban-api")
    )
    assert response.status_code == 404


def test_the_operation_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/cases/{number}/contributions"]["post"]
    assert {"201", "403", "404", "409", "422"} <= set(operation["responses"])
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    dispatch_body = spec["components"]["schemas"]["DispatchIn"]["properties"]
    assert "co_departments" in dispatch_body
