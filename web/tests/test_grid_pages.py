"""The grid worker's page (/grid/): cases by building, camera inputs, start and a completion that a
resent form cannot double."""

import re

from cases import services
from cases.models import Case, Community, Department, PersonalDataAccess
from tests.support.data import case_in, jpeg

from .helpers import text


def station_case(users, address="竹枝小区3栋2单元5楼", **more):
    case = case_in("accepted", users, address=address, community=Community.objects.get(code="zhuzhi"), **more)
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="zhuzhi-station"))
    return Case.objects.get(pk=case.pk)


def test_the_page_lists_the_grid_workers_cases_by_building_and_logs_the_view(client, users):
    mine = station_case(users)
    other = station_case(users, address="5栋")
    client.force_login(users["grid"])
    page = text(client.get("/grid/"))
    assert "3栋" in page and mine.number in page and other.number not in page
    assert mine.name in page and f'href="tel:{mine.phone}"' in page
    assert PersonalDataAccess.objects.filter(user=users["grid"], case=mine, via="grid_page").exists()
    assert f'action="/grid/cases/{mine.number}/start"' in page


def test_other_staff_are_refused_and_anonymous_visitors_sent_to_sign_in(client, users):
    client.force_login(users["handler"])
    assert client.get("/grid/").status_code == 403
    client.logout()
    response = client.get("/grid/")
    assert response.status_code == 302 and "/staff/login" in response["Location"]


def test_start_then_complete_with_camera_photos(client, users):
    case = station_case(users)
    client.force_login(users["grid"])
    assert client.post(f"/grid/cases/{case.number}/start").status_code == 302
    page = text(client.get("/grid/"))
    assert 'accept="image/*"' in page and 'capture="environment"' in page
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    data = {
        "idempotency_key": key,
        f"c{case.pk}-explanation": "已清运。",
        f"c{case.pk}-before": [jpeg("b.jpg")],
        f"c{case.pk}-after": [jpeg("a.jpg")],
    }
    first = client.post(f"/grid/cases/{case.number}/complete", data)
    assert first.status_code == 302
    # The connection dropped before the answer: the phone sends the same form again.
    data[f"c{case.pk}-before"], data[f"c{case.pk}-after"] = [jpeg("b.jpg")], [jpeg("a.jpg")]
    again = client.post(f"/grid/cases/{case.number}/complete", data, follow=True)
    assert again.status_code == 200 and "已经办结(刚才的提交已经收到)" in text(again)
    case = Case.objects.get(pk=case.pk)
    assert case.state == "completed" and case.resolutions.count() == 1
    assert case.events.filter(action="complete").count() == 1


def test_a_completion_without_photos_is_refused_and_changes_nothing(client, users):
    case = station_case(users)
    services.start(case, by=users["grid"])
    client.force_login(users["grid"])
    response = client.post(f"/grid/cases/{case.number}/complete", {f"c{case.pk}-explanation": "好了"})
    assert response.status_code == 400 and "请上传至少一张办理前的照片" in text(response)
    assert Case.objects.get(pk=case.pk).state == "handling"


def test_another_buildings_case_is_not_found(client, users):
    theirs = station_case(users, address="4栋")
    client.force_login(users["grid"])
    response = client.post(f"/grid/cases/{theirs.number}/start")
    assert response.status_code == 404
    assert Case.objects.get(pk=theirs.pk).state == "dispatched"


def test_the_station_handler_assigns_a_grid_worker_on_the_case_page(client, users):
    case = station_case(users)
    client.force_login(users["station"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "指派网格员" in page
    response = client.post(f"/staff/cases/{case.number}/grid", {"grid-worker": users["grid2"].pk})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).grid_worker == users["grid2"]
    bad = client.post(f"/staff/cases/{case.number}/grid", {"grid-worker": users["handler"].pk})
    assert bad.status_code == 400


def test_dispatch_offers_the_cases_own_station_only(client, users):
    zhuzhi = case_in("accepted", users)
    baidi = case_in("accepted", users, community=Community.objects.get(code="baidi"))
    client.force_login(users["intake"])
    assert "竹枝社区工作站" in text(client.get(f"/staff/cases/{zhuzhi.number}"))
    assert "竹枝社区工作站" not in text(client.get(f"/staff/cases/{baidi.number}"))
