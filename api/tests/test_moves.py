from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.errors import Conflict
from cases.models import Case, Channel, Department
from tests.support.data import case_in, jpeg, submit

from .conftest import post_json


def move(client, case, action, headers, data=None):
    return post_json(client, f"/api/v1/cases/{case.number}/{action}", data, headers=headers)


def state_of(case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


def test_intake_accepts_a_new_case(client, users, token_for):
    case = submit()
    response = move(client, case, "accept", token_for("intake"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "accepted"
    assert body["stage"] == "accepted"
    assert body["event"]["action"] == "accept"
    assert body["event"]["actor"] == "张三"
    assert body["stages"][1]["reached"] is True
    assert "13800001234" not in response.content.decode()
    assert state_of(case) == "accepted"


def test_accepting_twice_is_a_conflict(client, users, token_for):
    case = case_in("accepted", users)
    response = move(client, case, "accept", token_for("intake"))
    assert response.status_code == 409
    assert response.json()["detail"]
    assert case.events.count() == 2


def test_a_lost_race_is_a_conflict(client, users, token_for, monkeypatch):
    case = submit()

    def lose(*args, **kwargs):
        raise Conflict("此诉求刚刚已被其他人更新")

    monkeypatch.setattr(services, "accept", lose)
    response = move(client, case, "accept", token_for("intake"))
    assert response.status_code == 409
    assert response.json()["detail"] == "此诉求刚刚已被其他人更新"


def test_intake_rejects_with_a_reason(client, users, token_for):
    case = submit()
    response = move(client, case, "reject", token_for("intake"), {"reason": "不属于街道受理范围"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "rejected"
    assert body["rejected_reason"] == "不属于街道受理范围"


def test_reject_needs_a_reason(client, users, token_for):
    case = submit()
    response = move(client, case, "reject", token_for("intake"), {"reason": "  "})
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]
    missing = move(client, case, "reject", token_for("intake"), {})
    assert missing.status_code == 422
    assert "reason" in missing.json()["errors"]
    assert state_of(case) == "submitted"


def test_intake_dispatches_to_a_department(client, users, token_for):
    case = case_in("accepted", users)
    response = move(client, case, "dispatch", token_for("intake"), {"department": "property"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "dispatched"
    assert body["department"] == {"code": "property", "name": "物业科"}
    assert body["stages"][2]["actor"] == "物业科"


def test_dispatch_to_an_unknown_department_is_refused(client, users, token_for):
    case = case_in("accepted", users)
    response = move(client, case, "dispatch", token_for("intake"), {"department": "nasa"})
    assert response.status_code == 422
    assert "nasa" in response.json()["errors"]["department"][0]
    assert state_of(case) == "accepted"


def test_dispatch_of_a_case_never_accepted_is_a_conflict(client, users, token_for):
    case = submit()
    response = move(client, case, "dispatch", token_for("intake"), {"department": "property"})
    assert response.status_code == 409
    assert state_of(case) == "submitted"


def test_the_handler_returns_a_case(client, users, token_for):
    case = case_in("dispatched", users)
    response = move(client, case, "return", token_for("handler"), {"reason": "不属于物业范围"})
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "accepted"
    assert body["department"] is None
    assert body["event"]["note"] == "不属于物业范围"


def test_the_handler_starts_with_an_appointment(client, users, token_for):
    case = case_in("dispatched", users)
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = move(client, case, "start", token_for("handler"), {"appointment_at": at.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "handling"
    assert body["appointment_at"] is not None
    assert Case.objects.get(pk=case.pk).appointment_at == at


def test_start_needs_no_body(client, users, token_for):
    case = case_in("dispatched", users)
    url = f"/api/v1/cases/{case.number}/start"
    response = client.post(url, "", content_type="application/json", headers=token_for("handler"))
    assert response.status_code == 200, response.content
    assert response.json()["appointment_at"] is None


def test_start_refuses_an_appointment_in_the_past(client, users, token_for):
    case = case_in("dispatched", users)
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = move(client, case, "start", token_for("handler"), {"appointment_at": past})
    assert response.status_code == 422
    assert "appointment_at" in response.json()["errors"]
    bad = move(client, case, "start", token_for("handler"), {"appointment_at": "明天上午"})
    assert bad.status_code == 422
    assert state_of(case) == "dispatched"


def complete(client, case, headers, **files):
    return client.post(
        f"/api/v1/cases/{case.number}/complete", {"explanation": "已更换水龙头", **files}, headers=headers
    )


def test_the_handler_completes_with_photos(client, users, token_for):
    case = case_in("handling", users)
    response = complete(
        client, case, token_for("handler"), before=[jpeg("b1.jpg"), jpeg("b2.jpg")], after=[jpeg("a.jpg")]
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "completed"
    assert body["resolution"]["explanation"] == "已更换水龙头"
    assert len(body["resolution"]["before"]) == 2
    assert len(body["resolution"]["after"]) == 1


def test_complete_is_refused_without_before_and_after_photos(client, users, token_for):
    case = case_in("handling", users)
    response = complete(client, case, token_for("handler"))
    assert response.status_code == 422
    assert {"before", "after"} <= set(response.json()["errors"])
    only_after = complete(client, case, token_for("handler"), after=[jpeg()])
    assert only_after.status_code == 422
    assert "before" in only_after.json()["errors"]
    assert state_of(case) == "handling"


def test_complete_refuses_a_file_that_is_not_an_image(client, users, token_for):
    case = case_in("handling", users)
    fake = SimpleUploadedFile("a.png", b"<html>hello</html>", content_type="image/png")
    response = complete(client, case, token_for("handler"), before=[jpeg()], after=[fake])
    assert response.status_code == 422
    assert "after" in response.json()["errors"]
    assert state_of(case) == "handling"


def test_complete_from_the_wrong_stage_is_a_conflict(client, users, token_for):
    case = case_in("dispatched", users)
    response = complete(client, case, token_for("handler"), before=[jpeg()], after=[jpeg()])
    assert response.status_code == 409


def test_a_volunteer_may_not_accept(client, users, token_for):
    # A case the volunteer submitted at the help desk: visible to them, but accepting is intake's job.
    case = submit(channel=Channel.HELP_DESK, by=users["volunteer"])
    response = move(client, case, "accept", token_for("volunteer"))
    assert response.status_code == 403
    assert response.json()["detail"]
    assert state_of(case) == "submitted"


def test_a_supervisor_may_not_accept(client, users, token_for):
    case = submit()
    assert move(client, case, "accept", token_for("supervisor")).status_code == 403


def test_a_handler_cannot_see_another_departments_case(client, users, token_for):
    case = case_in("accepted", users)
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="urban"))
    response = move(client, case, "start", token_for("handler"))
    assert response.status_code == 404
    assert state_of(case) == "dispatched"


@pytest.mark.parametrize("action", ["accept", "reject", "dispatch", "return", "start", "complete"])
def test_moves_need_a_token(client, users, action):
    case = submit()
    response = move(client, case, action, {}, {"reason": "x", "department": "property"})
    assert response.status_code == 401
    assert state_of(case) == "submitted"


def test_a_move_on_an_unknown_case_is_404(client, users, token_for):
    response = post_json(client, "/api/v1/cases/20990101-0001/accept", headers=token_for("intake"))
    assert response.status_code == 404
