"""主办 / 协办 on the staff case page: dispatch with co-handlers, a co-handler's report, the lead's
completion waiting for it, a supervisor's waiver, and what the public progress shows."""

from cases import cohandling, services
from cases.models import Case, CoHandling, Department
from tests.support.data import case_in, jpeg

from .helpers import text


def dept(code):
    return Department.objects.get(code=code)


def co_case(users, state="dispatched"):
    case = case_in("accepted", users)
    services.dispatch(case, by=users["intake"], department=dept("property"), co_departments=[dept("urban")])
    if state == "handling":
        services.start(case, by=users["handler"])
    return Case.objects.get(pk=case.pk)


def test_intake_dispatches_with_co_handlers_from_the_case_page(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert 'name="dispatch-co_departments"' in page and 'type="checkbox"' in page
    response = client.post(
        f"/staff/cases/{case.number}/dispatch",
        {
            "dispatch-department": dept("property").pk,
            "dispatch-co_departments": [dept("urban").pk, dept("municipal").pk],
        },
    )
    assert response.status_code == 302
    assert sorted(CoHandling.objects.filter(case=case).values_list("department__code", flat=True)) == [
        "municipal",
        "urban",
    ]


def test_choosing_the_lead_as_a_co_handler_is_refused_on_the_page(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/cases/{case.number}/dispatch",
        {"dispatch-department": dept("property").pk, "dispatch-co_departments": [dept("property").pk]},
    )
    assert response.status_code == 400
    assert "主办部门物业科不能同时作为协办部门" in text(response)
    case.refresh_from_db()
    assert case.department is None and not CoHandling.objects.exists()


def test_a_co_handler_reports_from_its_queue(client, users, other_handler):
    case = co_case(users)
    client.force_login(other_handler)
    assert case.number in text(client.get("/staff/"))
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "报告协办情况" in page
    assert '/complete"' not in page and '/return"' not in page and '/dispute"' not in page
    response = client.post(
        f"/staff/cases/{case.number}/contribute",
        {"contribute-note": "已清理占道杂物。", "contribute-photos": [jpeg("a.jpg")]},
    )
    assert response.status_code == 302
    row = CoHandling.objects.get(case=case)
    assert row.is_reported and row.attachments.count() == 1
    # Reported: the form is gone; posting again is refused and changes nothing.
    assert '/contribute"' not in text(client.get(f"/staff/cases/{case.number}"))
    version = Case.objects.get(pk=case.pk).version
    again = client.post(f"/staff/cases/{case.number}/contribute", {"contribute-note": "再报一次"})
    assert again.status_code == 409 and "不能重复报告" in text(again)
    assert Case.objects.get(pk=case.pk).version == version


def test_the_lead_cannot_complete_before_the_co_handler_reported(client, users):
    case = co_case(users, state="handling")
    client.force_login(users["handler"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "尚未报告,主办部门暂不能办结" in page
    response = client.post(
        f"/staff/cases/{case.number}/complete",
        {
            "complete-explanation": "已修好",
            "complete-before": [jpeg("b.jpg")],
            "complete-after": [jpeg("a.jpg")],
        },
    )
    assert response.status_code == 400
    assert "以下协办部门还没有报告办理情况:城管科" in text(response)
    assert Case.objects.get(pk=case.pk).state == "handling"


def test_a_supervisor_waives_from_the_case_page(client, users):
    case = co_case(users, state="handling")
    row = CoHandling.objects.get(case=case)
    client.force_login(users["supervisor"])
    assert "免于协办报告" in text(client.get(f"/staff/cases/{case.number}"))
    empty = client.post(f"/staff/cases/{case.number}/waive", {"waive-co_handling": row.pk})
    assert empty.status_code == 400 and not CoHandling.objects.get(pk=row.pk).is_waived
    response = client.post(
        f"/staff/cases/{case.number}/waive", {"waive-co_handling": row.pk, "waive-reason": "已另行处理"}
    )
    assert response.status_code == 302
    assert CoHandling.objects.get(pk=row.pk).is_waived


def test_the_public_progress_shows_the_lead_and_the_co_handlers(client, users, other_handler):
    case = co_case(users)
    page = text(client.get(f"/cases/{case.number}"))
    assert "主办部门:物业科" in page and "城管科(办理中)" in page
    cohandling.contribute(Case.objects.get(pk=case.pk), by=other_handler, note="占道杂物已清理")
    page = text(client.get(f"/cases/{case.number}"))
    assert "城管科(已办理)" in page and "协办部门城管科已办理" in page
    assert "占道杂物已清理" not in page  # the co-handler's own words are for staff
