"""The personal-data access log (个人信息查看记录): every view is written, supervisors read it."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from cases.models import PersonalDataAccess
from tests.support.data import case_in, submit

from .helpers import text


def test_every_staff_role_viewing_a_case_page_is_logged(client, users):
    case = case_in("dispatched", users)
    for who in ("intake", "handler", "supervisor"):
        client.force_login(users[who])
        assert client.get(f"/staff/cases/{case.number}").status_code == 200
        assert PersonalDataAccess.objects.filter(user=users[who], case=case, via="staff_case").count() == 1


def test_a_refused_move_that_shows_the_page_again_is_logged_too(client, users):
    case = case_in("submitted", users)
    client.force_login(users["intake"])
    response = client.post(f"/staff/cases/{case.number}/reject", {"reject-reason": ""})
    assert response.status_code == 400 and case.phone in text(response)
    assert PersonalDataAccess.objects.filter(user=users["intake"], case=case).exists()


def test_the_api_queue_logs_each_case_it_returns(client, users, settings):
    from operations.demo import DEMO_PASSWORD

    cases = [submit(phone="13900000001"), submit(phone="13900000002")]
    token = client.post(
        "/api/v1/auth/token",
        {"username": "intake", "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    response = client.get("/api/v1/queue", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert {row["phone"] for row in response.json()} == {"13900000001", "13900000002"}
    logged = PersonalDataAccess.objects.filter(user=users["intake"], via="api_queue")
    assert sorted(logged.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)


def test_a_personal_export_logs_one_row_per_case_and_a_plain_one_none(client, users):
    cases = [submit(phone="13900000001"), submit(phone="13900000002"), submit(phone="13900000003")]
    client.force_login(users["supervisor"])
    plain = client.get("/supervisor/cases.csv")
    b"".join(plain.streaming_content)
    assert not PersonalDataAccess.objects.exists()
    response = client.get("/supervisor/cases.csv?personal=1")
    assert b"13900000003" in b"".join(response.streaming_content)
    logged = PersonalDataAccess.objects.filter(user=users["supervisor"], via="export_csv")
    assert sorted(logged.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    client.get("/supervisor/cases.xlsx?personal=1")
    assert PersonalDataAccess.objects.filter(via="export_xlsx").count() == 3


def test_the_admin_case_page_is_logged(client, users):
    case = submit()
    client.force_login(users["admin"])
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    assert PersonalDataAccess.objects.filter(user=users["admin"], case=case, via="admin").count() == 1


def _views(users):
    first, second = submit(), submit(phone="13900000009")
    now = timezone.now()
    PersonalDataAccess.objects.create(user=users["volunteer"], case=first, via="desk_case", at=now)
    PersonalDataAccess.objects.create(
        user=users["intake"], case=second, via="staff_case", at=now - timedelta(days=3)
    )
    PersonalDataAccess.objects.create(user=users["handler"], case=second, via="api_queue", at=now)
    return first, second


def test_the_supervisor_reads_the_log_newest_first_with_filters(client, users):
    first, second = _views(users)
    client.force_login(users["supervisor"])
    page = text(client.get("/staff/supervision"))
    assert 'href="/staff/supervision/access-log"' in page

    response = client.get("/staff/supervision/access-log")
    page = text(response)
    assert response.status_code == 200 and "共 3 条记录" in page
    rows = page.split("<tbody>")[1]
    assert rows.index("代办岗诉求页") < rows.index("工作人员诉求页")  # newest first
    assert first.phone not in page and first.name not in page  # the log itself shows no personal data

    by_person = text(client.get("/staff/supervision/access-log?person=intake"))
    assert "共 1 条记录" in by_person and second.number in by_person
    by_name = text(client.get("/staff/supervision/access-log?person=小王"))
    assert "共 1 条记录" in by_name and first.number in by_name
    by_case = text(client.get(f"/staff/supervision/access-log?number={second.number}"))
    assert "共 2 条记录" in by_case
    by_via = text(client.get("/staff/supervision/access-log?via=api_queue"))
    assert "共 1 条记录" in by_via and "接口:待办列表" in by_via
    today = timezone.localdate().isoformat()
    by_day = text(client.get(f"/staff/supervision/access-log?start={today}&end={today}"))
    assert "共 2 条记录" in by_day


def test_bad_filters_are_explained_and_list_nothing(client, users):
    _views(users)
    client.force_login(users["supervisor"])
    for query in ("start=yesterday", "via=nonsense", "start=2026-05-02&end=2026-05-01"):
        response = client.get(f"/staff/supervision/access-log?{query}")
        assert response.status_code == 400, query
        page = text(response)
        assert "请修改以下内容" in page and "共 " not in page


def test_the_log_pages_through_many_rows(client, users):
    case = submit()
    with time_machine.travel(timezone.now()):
        PersonalDataAccess.objects.bulk_create(
            [PersonalDataAccess(user=users["intake"], case=case, via="staff_case", at=timezone.now())] * 150
        )
    client.force_login(users["supervisor"])
    page = text(client.get("/staff/supervision/access-log?person=intake"))
    assert "第 1 / 2 页" in page and "person=intake&amp;page=2" in page
    assert "第 2 / 2 页" in text(client.get("/staff/supervision/access-log?person=intake&page=2"))
