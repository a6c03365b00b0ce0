"""Posting the staff action forms: each move, its refusals, and that refusals change nothing."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Attachment, Case, Department
from tests.support.data import case_in, jpeg, submit

from .helpers import text


def post(client, case, action, data=None):
    return client.post(f"/staff/cases/{case.number}/{action}", data or {})


def state_of(case) -> str:
    return Case.objects.values_list("state", flat=True).get(pk=case.pk)


def test_intake_accepts_a_new_case(client, users):
    case = submit()
    client.force_login(users["intake"])
    response = post(client, case, "accept")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{case.number}"
    assert state_of(case) == "accepted"
    page = text(client.get(response["Location"]))
    assert "已受理。" in page
    assert "责任人:张三" in page


def test_intake_rejects_with_a_reason_the_public_then_sees(client, users):
    case = submit()
    client.force_login(users["intake"])
    post(client, case, "reject", {"reject-reason": "不属于街道受理范围"})
    assert state_of(case) == "rejected"
    client.logout()
    assert "原因:不属于街道受理范围" in text(client.get(f"/cases/{case.number}"))


def test_a_rejection_without_a_reason_is_refused(client, users):
    case = submit()
    client.force_login(users["intake"])
    response = post(client, case, "reject", {"reject-reason": "  "})
    assert response.status_code == 400
    assert "请填写原因" in text(response)
    assert state_of(case) == "submitted"


def test_intake_dispatches_to_a_department(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    department = Department.objects.get(code="property")
    response = post(client, case, "dispatch", {"dispatch-department": department.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "dispatched"
    assert case.department == department


def test_dispatch_without_a_department_is_refused(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    response = post(client, case, "dispatch", {"dispatch-department": ""})
    assert response.status_code == 400
    assert "请选择责任部门" in text(response)
    assert state_of(case) == "accepted"


def test_a_move_from_the_wrong_stage_is_a_409_that_explains_and_changes_nothing(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    response = post(client, case, "accept")
    assert response.status_code == 409
    assert "此诉求刚刚已被其他人更新" in text(response)
    assert state_of(case) == "accepted"
    assert case.events.filter(action="accept").count() == 1


def test_a_handler_returns_a_case_to_intake(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    response = post(client, case, "return", {"return-reason": "不属于物业科职责"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "accepted"
    assert case.department is None


def test_a_handler_starts_with_an_appointment(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    at = timezone.localtime(timezone.now() + timedelta(days=1)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    response = post(client, case, "start", {"start-appointment_at": at.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "handling"
    assert case.appointment_at == at


def test_a_handler_starts_without_an_appointment(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    assert post(client, case, "start", {"start-appointment_at": ""}).status_code == 302
    assert state_of(case) == "handling"


def test_an_appointment_in_the_past_is_refused(client, users):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    response = post(client, case, "appointment", {"appointment-appointment_at": "2020-01-01T09:00"})
    assert response.status_code == 400
    assert "预约时间不能早于现在" in text(response)


def test_a_handler_completes_with_explanation_and_photos(client, users):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    response = post(
        client,
        case,
        "complete",
        {
            "complete-explanation": "已更换水龙头",
            "complete-before": [jpeg("b.jpg")],
            "complete-after": [jpeg("a.jpg")],
        },
    )
    assert response.status_code == 302
    assert state_of(case) == "completed"
    assert Attachment.objects.filter(case=case, kind="before").count() == 1
    assert Attachment.objects.filter(case=case, kind="after").count() == 1
    assert "已更换水龙头" in text(client.get(f"/cases/{case.number}"))


def test_completion_without_photos_is_refused(client, users):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    response = post(client, case, "complete", {"complete-explanation": "已更换水龙头"})
    assert response.status_code == 400
    page = text(response)
    assert "请上传至少一张办理前的照片" in page
    assert "请上传至少一张办理后的照片" in page
    assert state_of(case) == "handling"


def test_completion_with_a_non_image_is_refused(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_in("handling", users)
    client.force_login(users["handler"])
    fake = SimpleUploadedFile("before.jpg", b"<html>not a photo</html>", "image/jpeg")
    response = post(
        client,
        case,
        "complete",
        {"complete-explanation": "已修好", "complete-before": [fake], "complete-after": [jpeg("a.jpg")]},
    )
    assert response.status_code == 400
    assert "不是可识别的照片" in text(response)
    assert state_of(case) == "handling"
    assert not Attachment.objects.filter(case=case).exists()


def test_intake_may_not_complete_a_case(client, users):
    case = case_in("handling", users)
    client.force_login(users["intake"])
    response = post(
        client,
        case,
        "complete",
        {"complete-explanation": "已修好", "complete-before": [jpeg()], "complete-after": [jpeg()]},
    )
    assert response.status_code == 403
    assert state_of(case) == "handling"


def test_a_handler_of_another_department_cannot_move_the_case(client, users, other_handler):
    case = case_in("dispatched", users)
    client.force_login(other_handler)
    assert post(client, case, "start").status_code == 404
    assert state_of(case) == "dispatched"


def test_a_volunteer_cannot_accept(client, users):
    case = submit(channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    assert post(client, case, "accept").status_code == 403
    assert state_of(case) == "submitted"


def test_an_unknown_action_is_a_404(client, users):
    case = submit()
    client.force_login(users["intake"])
    assert post(client, case, "delete").status_code == 404


def test_every_staff_action_has_a_heading_and_a_button():
    """The case page reads each form's words from one table (web.views.ACTION_TEXT)."""
    from web.views import ACTION_TEXT, STAFF_ACTIONS

    assert set(ACTION_TEXT) == set(STAFF_ACTIONS)
    assert all(str(heading) and str(button) for heading, button, _secondary in ACTION_TEXT.values())
