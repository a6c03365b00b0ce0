"""Recording an appointment at the desk (/desk/cases/<number>/appointment)."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Case, Department
from tests.support.data import case_in, jpeg

from .helpers import text


def _when(days=1, hour=9):
    at = timezone.localtime() + timedelta(days=days)
    return at.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_a_volunteer_records_the_appointment_and_the_resident_sees_it(client, users):
    case = case_in("dispatched", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    at = _when()
    response = client.post(
        f"/desk/cases/{case.number}/appointment", {"appointment_at": at.strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).appointment_at == at
    assert at.strftime("%Y-%m-%d %H:%M") in text(client.get(f"/cases/{case.number}"))
    assert "维修人员明天上午9点上门" in text(client.get(f"/desk/cases/{case.number}"))


def test_an_appointment_in_the_past_is_refused(client, users):
    case = case_in("handling", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    response = client.post(
        f"/desk/cases/{case.number}/appointment",
        {"appointment_at": _when(days=-2).strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 400
    assert "不能早于现在" in text(response)
    assert Case.objects.get(pk=case.pk).appointment_at is None


def test_an_appointment_before_dispatch_is_refused(client, users):
    case = case_in("accepted", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    response = client.post(
        f"/desk/cases/{case.number}/appointment", {"appointment_at": _when().strftime("%Y-%m-%dT%H:%M")}
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).appointment_at is None


def test_the_staff_page_does_not_let_a_volunteer_accept_dispatch_or_complete(client, users):
    case = case_in("submitted", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "受理此诉求" not in page
    assert "竹枝社区数字化代办岗" in page  # the desk is shown to staff
    filled = {
        "accept": {},
        "dispatch": {"dispatch-department": Department.objects.get(code="property").pk},
        "complete": {"complete-explanation": "已修好", "complete-before": jpeg(), "complete-after": jpeg()},
    }
    for action, data in filled.items():
        assert client.post(f"/staff/cases/{case.number}/{action}", data).status_code == 403
    assert Case.objects.get(pk=case.pk).state == "submitted"
