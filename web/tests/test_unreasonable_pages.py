"""不合理诉求 on the staff pages: intake's mark, the supervision page's list, sign-off and refusal, and
the dashboard's own line and definition."""

from django.contrib.auth.models import Group, User

from cases import fairness
from cases.models import Case, UnreasonableMark, UnreasonableReason
from tests.support.data import case_in

from .helpers import text


def _reason():
    return UnreasonableReason.objects.get(code="malicious")


def test_intake_marks_a_case_and_the_supervisor_signs_it_off_from_the_supervision_page(client, users):
    case = case_in("handling", users)
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert 'name="mark_unreasonable-reason"' in page and "恶意诉求" in page
    response = client.post(
        f"/staff/cases/{case.number}/mark_unreasonable",
        {"mark_unreasonable-kind": "unreasonable", "mark_unreasonable-reason": _reason().pk},
    )
    assert response.status_code == 302
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "待确认" in page and 'name="mark_unreasonable-reason"' not in page  # one pending mark
    client.force_login(users["supervisor"])
    overview = text(client.get("/staff/supervision"))
    assert "待确认的不合理诉求" in overview and case.number in overview
    assert 'name="sign_off-note"' in text(client.get(f"/staff/cases/{case.number}"))
    response = client.post(f"/staff/cases/{case.number}/sign_off", {"sign_off-note": "属实"})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).excluded_from_rates
    assert case.number not in text(client.get("/staff/supervision"))


def test_a_mark_without_a_reason_is_refused_beside_the_field(client, users):
    case = case_in("accepted", users)
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/cases/{case.number}/mark_unreasonable", {"mark_unreasonable-kind": "unreasonable"}
    )
    assert response.status_code == 400 and "请从列表中选择不合理诉求的原因" in text(response)
    assert not UnreasonableMark.objects.filter(case=case).exists()


def test_the_marker_is_offered_no_sign_off_and_a_post_is_refused(client, users):
    both = User.objects.create_user("intake_supervisor", first_name="周一")
    both.groups.add(Group.objects.get(name="intake"), Group.objects.get(name="supervisor"))
    case = case_in("handling", users)
    fairness.mark(case, by=both, kind="unreasonable", reason=_reason())
    client.force_login(both)
    assert 'name="sign_off-note"' not in text(client.get(f"/staff/cases/{case.number}"))
    response = client.post(f"/staff/cases/{case.number}/sign_off", {"sign_off-note": ""})
    assert response.status_code == 403 and "不能确认自己作出的" in text(response)
    assert UnreasonableMark.objects.get(case=case).status == "pending"


def test_a_second_sign_off_is_told_the_mark_was_already_decided(client, users):
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    fairness.sign_off(case, by=users["supervisor"])
    client.force_login(users["supervisor"])
    response = client.post(
        f"/staff/cases/{case.number}/decline_sign_off", {"decline_sign_off-note": "不成立"}
    )
    assert response.status_code == 409
    assert UnreasonableMark.objects.get(case=case).status == "signed_off"


def test_declining_needs_a_reason(client, users):
    case = case_in("handling", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    client.force_login(users["supervisor"])
    response = client.post(f"/staff/cases/{case.number}/decline_sign_off", {"decline_sign_off-note": ""})
    assert response.status_code == 400 and "请填写不确认的理由" in text(response)
    assert UnreasonableMark.objects.get(case=case).status == "pending"


def test_the_dashboard_counts_signed_off_cases_on_their_own_line_and_says_what_is_excluded(client, users):
    case = case_in("closed", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    fairness.sign_off(case, by=users["supervisor"])
    client.force_login(users["supervisor"])
    page = text(client.get("/supervisor/dashboard"))
    assert "不合理诉求(已确认,不计入考核)" in page and "metric=excluded" in page
    assert "不计入解决率、满意率和按时办结率,分子和分母都不计" in page
    listed = text(client.get("/supervisor/cases?metric=excluded"))
    assert case.number in listed


def test_the_export_has_type_priority_and_the_exclusion(client, users):
    case = case_in("closed", users)
    fairness.mark(case, by=users["intake"], kind="unreasonable", reason=_reason())
    fairness.sign_off(case, by=users["supervisor"])
    client.force_login(users["supervisor"])
    response = client.get("/supervisor/cases.csv")
    lines = b"".join(response.streaming_content if response.streaming else [response.content]).decode(
        "utf-8-sig"
    )
    header, row = lines.splitlines()[:2]
    assert header.split(",")[-3:] == ["诉求性质", "紧急程度", "不计入考核"]
    assert row.split(",")[-3:] == ["求助", "常规", "是"]
