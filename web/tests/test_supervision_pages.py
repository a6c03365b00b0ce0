"""The supervisor's page (督办), a handler's extension request and a supervisor's escalation."""

from datetime import timedelta

from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Department, Extension
from tests.support.data import case_in

from .helpers import text

FMT = "%Y-%m-%dT%H:%M"


def test_only_supervisors_open_the_supervision_page(client, users):
    assert client.get("/staff/supervision").status_code == 302
    for who in ("intake", "handler", "volunteer"):
        client.force_login(users[who])
        assert client.get("/staff/supervision").status_code == 403


def test_the_page_lists_overdue_escalated_and_repeatedly_returned_cases(client, users):
    late = case_in("dispatched", users)
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=2))
    bounced = case_in("dispatched", users)
    for _i in range(2):
        services.return_case(bounced, by=users["handler"], reason="不归本部门")
        if _i == 0:
            services.dispatch(bounced, by=users["intake"], department=Department.objects.get(code="property"))
    client.force_login(users["supervisor"])
    page = text(client.get("/staff/supervision"))
    assert late.number in page and "待督办" in page
    assert bounced.number in page and "多次退单" in page
    client.post(f"/staff/cases/{late.number}/escalate", {"escalate-note": ""})
    assert "已督办" in text(client.get("/staff/supervision"))


def test_a_supervisor_sees_the_queue_link_and_others_do_not(client, users):
    client.force_login(users["supervisor"])
    assert 'href="/staff/supervision"' in text(client.get("/staff/"))
    client.force_login(users["intake"])
    assert 'href="/staff/supervision"' not in text(client.get("/staff/"))


def test_a_handler_requests_an_extension_and_the_supervisor_approves_it(client, users):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert f'action="/staff/cases/{case.number}/extension"' in page
    new_due = timezone.localtime(case.due_at + timedelta(days=3)).replace(second=0, microsecond=0)
    response = client.post(
        f"/staff/cases/{case.number}/extension",
        {"extension-new_due_at": new_due.strftime(FMT), "extension-reason": "需要等配件"},
    )
    assert response.status_code == 302
    assert "待审批" in text(client.get(f"/staff/cases/{case.number}"))
    extension = Extension.objects.get()
    client.force_login(users["supervisor"])
    assert "需要等配件" in text(client.get("/staff/supervision"))
    response = client.post(f"/staff/supervision/extensions/{extension.pk}/approve")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.due_at == new_due
    public = text(client.get(f"/cases/{case.number}"))
    assert "申请延期至" in public


def test_a_refusal_keeps_the_deadline(client, users):
    case = case_in("handling", users)
    before = case.due_at
    client.force_login(users["handler"])
    client.post(
        f"/staff/cases/{case.number}/extension",
        {
            "extension-new_due_at": timezone.localtime(before + timedelta(days=2)).strftime(FMT),
            "extension-reason": "人手不够",
        },
    )
    client.force_login(users["supervisor"])
    client.post(f"/staff/supervision/extensions/{Extension.objects.get().pk}/refuse")
    assert Case.objects.get(pk=case.pk).due_at == before
    assert Extension.objects.get().status == "refused"
    # Deciding again is explained, not applied.
    page = text(
        client.post(f"/staff/supervision/extensions/{Extension.objects.get().pk}/approve", follow=True)
    )
    assert "已经审批过了" in page
    assert Case.objects.get(pk=case.pk).due_at == before


def test_a_bad_extension_request_is_explained_on_the_case_page(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    response = client.post(
        f"/staff/cases/{case.number}/extension", {"extension-new_due_at": "明天", "extension-reason": ""}
    )
    assert response.status_code == 400
    page = text(response)
    assert 'role="alert"' in page and "请填写延期原因" in page
    assert not Extension.objects.exists()


def test_intake_cannot_request_an_extension(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/cases/{case.number}/extension",
        {
            "extension-new_due_at": timezone.localtime(case.due_at + timedelta(days=2)).strftime(FMT),
            "extension-reason": "x",
        },
    )
    assert response.status_code == 403
    assert not Extension.objects.exists()


def test_escalation_by_hand_is_staff_only_in_the_timeline(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["supervisor"])
    response = client.post(f"/staff/cases/{case.number}/escalate", {"escalate-note": "请今天上门"})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=case, action="escalate").exists()
    assert "请今天上门" in text(client.get(f"/staff/cases/{case.number}"))
    client.logout()
    assert "请今天上门" not in text(client.get(f"/cases/{case.number}"))


def test_a_handler_cannot_escalate(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    assert client.post(f"/staff/cases/{case.number}/escalate", {}).status_code == 403
    assert not CaseEvent.objects.filter(case=case, action="escalate").exists()


def test_the_queue_flags_due_soon_and_overdue(client, users):
    soon = case_in("dispatched", users)
    late = case_in("dispatched", users)
    Case.objects.filter(pk=soon.pk).update(due_at=timezone.now() + timedelta(minutes=20))
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(minutes=20))
    client.force_login(users["handler"])
    page = text(client.get("/staff/"))
    assert "即将到期" in page and "已超时" in page
