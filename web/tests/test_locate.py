"""确定社区: intake gives a case that came by SMS without a community (待定位) its community and category."""

from cases import locating
from cases.models import Case, CaseEvent, Category, Community, Department
from tests.support.data import case_in

from .helpers import text


def _unlocated(users):
    case = case_in("accepted", users)
    Case.objects.filter(pk=case.pk).update(
        to_locate=True, community=locating.placeholder_community(), category=locating.placeholder_category()
    )
    return Case.objects.get(pk=case.pk)


def test_intake_locates_a_case_and_can_then_dispatch_it(client, users):
    case = _unlocated(users)
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "确定社区" in page and 'name="locate-community"' in page
    property_dept = Department.objects.get(code="property")
    refused = client.post(f"/staff/cases/{case.number}/dispatch", {"dispatch-department": property_dept.pk})
    assert refused.status_code == 400 and "请先确定社区再派单" in text(refused)
    zhuzhi = Community.objects.get(code="zhuzhi")
    infra = Category.objects.get(code="infrastructure")
    response = client.post(
        f"/staff/cases/{case.number}/locate", {"locate-community": zhuzhi.pk, "locate-category": infra.pk}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.community, case.category, case.to_locate) == (zhuzhi, infra, False)
    event = CaseEvent.objects.filter(case=case, action="locate").get()
    assert event.actor == users["intake"] and not event.is_public
    response = client.post(f"/staff/cases/{case.number}/dispatch", {"dispatch-department": property_dept.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "dispatched"


def test_the_placeholder_community_cannot_be_chosen_and_nothing_changes(client, users):
    case = _unlocated(users)
    version = case.version
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/cases/{case.number}/locate",
        {"locate-community": case.community_id, "locate-category": case.category_id},
    )
    assert response.status_code == 400
    page = text(response)
    assert "请选择所在社区。" in page and "请选择诉求类型。" in page
    case.refresh_from_db()
    assert case.to_locate and case.version == version


def test_a_handler_cannot_locate(client, users):
    case = _unlocated(users)
    client.force_login(users["handler"])
    zhuzhi = Community.objects.get(code="zhuzhi")
    response = client.post(f"/staff/cases/{case.number}/locate", {"locate-community": zhuzhi.pk})
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.to_locate
