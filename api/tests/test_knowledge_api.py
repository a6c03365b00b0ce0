"""GET /knowledge, GET /templates and POST /cases/{number}/answer."""

import pytest

from cases.models import Case, HelpDesk
from knowledge.demo import load_knowledge
from knowledge.models import Answer, Entry
from notify.models import Message
from tests.support.data import case_in, submit

from .conftest import post_json


@pytest.fixture
def base(users):
    load_knowledge(users["intake"])
    return {
        "elderly": Entry.objects.get(question="高龄津贴怎么申请?"),
        "draft": Entry.objects.get(status=Entry.Status.DRAFT),
    }


def test_anyone_searches_published_entries_in_their_own_words(client, base):
    response = client.get("/api/v1/knowledge", {"q": "老人补贴"})
    assert response.status_code == 200
    body = response.json()
    assert body[0]["question"] == "高龄津贴怎么申请?" and body[0]["score"] > 0.5
    assert body[0]["url"].endswith(f"/knowledge/{base['elderly'].pk}")
    assert all(row["status"] == "published" for row in client.get("/api/v1/knowledge").json())


def test_staff_who_keep_the_base_see_drafts_and_volunteers_do_not(client, base, token_for):
    question = base["draft"].question
    assert question in [
        r["question"] for r in client.get("/api/v1/knowledge", headers=token_for("intake")).json()
    ]
    assert question not in [
        r["question"] for r in client.get("/api/v1/knowledge", headers=token_for("volunteer")).json()
    ]
    assert question not in [r["question"] for r in client.get("/api/v1/knowledge").json()]


def test_bad_search_input_is_refused(client, base):
    assert client.get("/api/v1/knowledge", {"category": "nosuch"}).status_code == 422
    assert client.get("/api/v1/knowledge", {"q": "字" * 101}).status_code == 422
    assert client.get("/api/v1/knowledge", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_the_public_search_is_rate_limited(client, base, settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "lookup": "2/m"}
    codes = [client.get("/api/v1/knowledge", {"q": "低保"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_templates_for_a_move_and_category_filled_from_a_case(client, base, token_for, users):
    case = case_in("dispatched", users)
    response = client.get(
        "/api/v1/templates",
        {"action": "return", "category": "infrastructure", "case": case.number},
        headers=token_for("handler"),
    )
    assert response.status_code == 200
    rows = response.json()
    assert {r["action"] for r in rows} == {"return"}
    assert any(r["filled"] == f"经核实,诉求{case.number}不属于物业科的职责范围,请重新派单。" for r in rows)


def test_templates_are_for_staff_and_refuse_bad_filters(client, base, token_for):
    assert client.get("/api/v1/templates").status_code == 401
    assert (
        client.get("/api/v1/templates", {"action": "nosuch"}, headers=token_for("intake")).status_code == 422
    )
    assert (
        client.get("/api/v1/templates", {"case": "20240101-9999"}, headers=token_for("intake")).status_code
        == 404
    )


def test_intake_answers_a_case_from_an_entry(client, base, token_for):
    case = submit(description="老人补贴怎么申请")
    response = post_json(
        client,
        f"/api/v1/cases/{case.number}/answer",
        {"entry": base["elderly"].pk},
        headers=token_for("intake"),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "closed" and body["answer"] == base["elderly"].answer
    assert body["event"]["action"] == "answer"
    assert Message.objects.filter(case=case, text__contains="已答复").exists()
    # The public progress says so too.
    assert client.get(f"/api/v1/cases/{case.number}").json()["answer"] == base["elderly"].answer


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"entry": "draft"}, 422),
        ({"entry": 987654}, 422),
        ({"entry": "elderly", "text": "  "}, 422),
        ({"entry": "elderly", "extra": 1}, 422),
        ({}, 422),
    ],
)
def test_a_bad_answer_changes_nothing(client, base, token_for, payload, status):
    case = submit()
    if payload.get("entry") in ("draft", "elderly"):
        payload = {**payload, "entry": base[payload["entry"]].pk}
    response = post_json(client, f"/api/v1/cases/{case.number}/answer", payload, headers=token_for("intake"))
    assert response.status_code == status, response.content
    assert Case.objects.get(pk=case.pk).state == "submitted" and not Answer.objects.exists()


def test_answering_a_closed_case_is_a_conflict_and_roles_are_checked(client, base, token_for, users):
    case = submit()
    headers = token_for("intake")
    assert (
        post_json(
            client, f"/api/v1/cases/{case.number}/answer", {"entry": base["elderly"].pk}, headers=headers
        ).status_code
        == 200
    )
    again = post_json(
        client, f"/api/v1/cases/{case.number}/answer", {"entry": base["elderly"].pk}, headers=headers
    )
    assert again.status_code == 409
    other = submit()
    assert (
        post_json(
            client,
            f"/api/v1/cases/{other.number}/answer",
            {"entry": base["elderly"].pk},
            headers=token_for("supervisor"),
        ).status_code
        == 403
    )
    desk_case = submit(
        channel="help_desk", by=users["volunteer"], desk=HelpDesk.objects.get(code="zhuzhi-desk")
    )
    assert (
        post_json(
            client,
            f"/api/v1/cases/{desk_case.number}/answer",
            {"entry": base["elderly"].pk},
            headers=token_for("volunteer"),
        ).status_code
        == 200
    )
    assert Answer.objects.count() == 2


def test_the_openapi_document_describes_the_knowledge_operations(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "q" in {p["name"] for p in paths["/api/v1/knowledge"]["get"]["parameters"]}
    assert {"action", "category", "case"} <= {
        p["name"] for p in paths["/api/v1/templates"]["get"]["parameters"]
    }
    assert "post" in paths["/api/v1/cases/{number}/answer"]
