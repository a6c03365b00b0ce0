"""Dispatching from the staff case page with the responsibility list (派单目录)."""

import re

from cases.models import Department
from operations.demo import load_responsibilities
from tests.support.data import case_in, submit

from .helpers import text


def _options(page: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}".*?</select>', page, re.S).group(0)
    return re.findall(r"<option value=\"(\d*)\"[^>]*>([^<]*)</option>", select)


def test_the_dispatch_form_offers_the_listed_department_first_and_shows_the_item(client, users):
    load_responsibilities()
    case = case_in("accepted", users, description="小区门口的路灯不亮了")
    client.force_login(users["intake"])
    page = client.get(f"/staff/cases/{case.number}").content.decode()
    options = _options(page, "dispatch-department")
    municipal = Department.objects.get(code="municipal")
    assert options[1] == (str(municipal.pk), "市政科")  # after the empty choice
    assert re.search(rf'<option value="{municipal.pk}" selected>', page)
    assert "派单目录:小区外市政道路的路灯" in page


def test_without_a_listed_entry_the_form_says_so(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    assert "派单目录中没有适用于此诉求的事项" in text(client.get(f"/staff/cases/{case.number}"))


def test_dispatch_still_takes_any_department(client, users):
    load_responsibilities()
    case = submit()
    client.force_login(users["intake"])
    client.post(f"/staff/cases/{case.number}/accept")
    urban = Department.objects.get(code="urban")
    response = client.post(f"/staff/cases/{case.number}/dispatch", {"dispatch-department": urban.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.department == urban


def test_intake_reassigns_from_the_case_page(client, users):
    case = case_in("handling", users)
    client.force_login(users["intake"])
    page = client.get(f"/staff/cases/{case.number}").content.decode()
    options = _options(page, "reassign-department")
    property_dept = Department.objects.get(code="property")
    assert str(property_dept.pk) not in [value for value, _label in options]  # not the one that has it
    municipal = Department.objects.get(code="municipal")
    response = client.post(
        f"/staff/cases/{case.number}/reassign",
        {"reassign-department": municipal.pk, "reassign-reason": "路灯属市政设施"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.department == municipal and case.state == "dispatched"
    client.logout()
    public = text(client.get(f"/cases/{case.number}"))
    assert "改派" in public and "由物业科改派给市政科" in public


def test_reassigning_without_a_reason_shows_the_error_and_changes_nothing(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["intake"])
    urban = Department.objects.get(code="urban")
    response = client.post(f"/staff/cases/{case.number}/reassign", {"reassign-department": urban.pk})
    assert response.status_code == 400
    assert "请填写原因" in text(response)
    case.refresh_from_db()
    assert case.department.code == "property"


def test_dispute_and_ruling_from_the_pages(client, users):
    from cases.models import Dispute, ResponsibilityItem

    load_responsibilities()
    case = case_in("dispatched", users, description="小区外人行道的路灯不亮")
    item = ResponsibilityItem.objects.get(keywords__contains="路灯")
    client.force_login(users["handler"])
    response = client.post(
        f"/staff/cases/{case.number}/dispute", {"dispute-item": item.pk, "dispute-reason": "路灯属市政设施"}
    )
    assert response.status_code == 302
    client.logout()
    assert "正在确认责任部门" in text(client.get(f"/cases/{case.number}"))
    client.force_login(users["supervisor"])
    overview = text(client.get("/staff/supervision"))
    assert "待裁定的派单异议" in overview and case.number in overview
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "路灯属市政设施" in page
    missing_note = client.post(f"/staff/cases/{case.number}/rule", {"rule-upheld": "0"})
    assert missing_note.status_code == 400 and "请填写裁定意见" in text(missing_note)
    response = client.post(f"/staff/cases/{case.number}/rule", {"rule-upheld": "0", "rule-note": "归市政科"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.department.code == "municipal" and case.state == "dispatched"
    assert Dispute.objects.get().status == "accepted"
    again = client.post(f"/staff/cases/{case.number}/rule", {"rule-upheld": "1", "rule-note": "再裁"})
    assert again.status_code in (403, 409)
    assert Dispute.objects.get().status == "accepted"
