"""并单 and 拆分 over the API; a merged case's public progress names its parent and nothing else of it."""

from cases.models import Case
from tests.support.data import case_in

from .conftest import post_json


def test_intake_merges_and_unmerges_over_the_api(client, users, token_for):
    parent = case_in("dispatched", users, name="欧阳秀英", phone="13511112222", address="3栋502室")
    child = case_in("accepted", users, phone="13900005678")
    response = post_json(
        client, f"/api/v1/cases/{child.number}/merge", {"into": parent.number}, headers=token_for("intake")
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["event"]["action"] == "merge" and body["merged_into"] == parent.number
    assert body["state"] == "merged"
    public = client.get(f"/api/v1/cases/{child.number}")
    assert public.status_code == 200 and public.json()["merged_into"] == parent.number
    for secret in ("欧阳", "13511112222", "502"):
        assert secret not in public.content.decode()
    response = post_json(
        client,
        f"/api/v1/cases/{child.number}/unmerge",
        {"reason": "不是同一件事"},
        headers=token_for("intake"),
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "accepted" and response.json()["merged_into"] is None


def test_merge_refusals(client, users, token_for):
    parent = case_in("accepted", users)
    child = case_in("dispatched", users)
    url = f"/api/v1/cases/{child.number}/merge"
    assert post_json(client, url, {"into": parent.number}).status_code == 401
    assert post_json(client, url, {"into": parent.number}, headers=token_for("handler")).status_code == 403
    itself = post_json(client, url, {"into": child.number}, headers=token_for("intake"))
    assert itself.status_code == 422 and "into" in itself.json()["errors"]
    nosuch = post_json(client, url, {"into": "20990101-9999"}, headers=token_for("intake"))
    assert nosuch.status_code == 422
    closed = case_in("closed", users)
    assert post_json(client, url, {"into": closed.number}, headers=token_for("intake")).status_code == 422
    bad = post_json(client, url, {"into": parent.number, "extra": 1}, headers=token_for("intake"))
    assert bad.status_code == 422
    missing = post_json(
        client, "/api/v1/cases/20990101-9999/merge", {"into": parent.number}, headers=token_for("intake")
    )
    assert missing.status_code == 404
    from_closed = post_json(
        client, f"/api/v1/cases/{closed.number}/merge", {"into": parent.number}, headers=token_for("intake")
    )
    assert from_closed.status_code == 409
    unmerge = post_json(
        client, f"/api/v1/cases/{child.number}/unmerge", {"reason": "x"}, headers=token_for("intake")
    )
    assert unmerge.status_code == 409
    assert Case.objects.get(pk=child.pk).version == child.version


def test_the_openapi_document_lists_merge_and_unmerge(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/cases/{number}/merge"]
    assert "post" in paths["/api/v1/cases/{number}/unmerge"]
