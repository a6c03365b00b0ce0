import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import CaseEvent
from tests.support.data import case_in


def get(client, case):
    return client.get(f"/api/v1/cases/{case.number}")


def test_it_shows_no_personal_data(client, users):
    case = case_in("completed", users, email="zhang@example.com")
    CaseEvent.objects.filter(case=case).update(private_note="内部:居民情绪激动")
    response = get(client, case)
    assert response.status_code == 200
    text = response.content.decode()
    secrets = ("13800001234", "138****1234", "张桂兰", "桂兰", "3栋2单元5楼", "zhang@example.com", "内部")
    for secret in secrets:
        assert secret not in text
    assert response.json()["resident"] == "张**"


def test_stages_of_a_dispatched_case(client, users):
    case = case_in("dispatched", users)
    body = get(client, case).json()
    assert body["stage"] == "dispatched"
    assert body["state"] == "dispatched"
    assert body["category"] == {"code": "infrastructure", "name": "基础设施维修"}
    assert body["community"] == {"code": "zhuzhi", "name": "竹枝社区"}
    stages = body["stages"]
    assert [s["key"] for s in stages] == ["submitted", "accepted", "dispatched", "handling", "completed"]
    assert [s["reached"] for s in stages] == [True, True, True, False, False]
    assert [s["current"] for s in stages] == [False, False, True, False, False]
    assert stages[1]["actor"] == "张三"
    assert stages[2]["actor"] == "物业科"
    assert stages[1]["at"].endswith("+08:00")
    assert stages[3]["at"] is None
    assert [e["action"] for e in body["events"]] == ["submit", "accept", "dispatch"]
    assert body["events"][2]["department"] == {"code": "property", "name": "物业科"}
    assert body["resolution"] is None


def test_a_completed_case_shows_its_resolution_and_photos(client, users):
    case = case_in("completed", users)
    body = get(client, case).json()
    assert body["stage"] == "completed"
    assert body["can_rate"] is True
    resolution = body["resolution"]
    assert resolution["explanation"] == "已修好"
    assert len(resolution["before"]) == 1
    assert len(resolution["after"]) == 1
    photo = resolution["after"][0]
    assert photo["full"].endswith(f"/media/attachments/{photo['id']}/full")
    assert photo["thumb"].endswith(f"/media/attachments/{photo['id']}/thumb")


def test_a_rejected_case_shows_the_reason(client, users):
    case = case_in("rejected", users)
    body = get(client, case).json()
    assert body["stage"] == "accepted"
    assert body["state"] == "rejected"
    assert body["rejected_reason"] == "不属于受理范围"
    assert body["stages"][1]["label"] == "不予受理"


@pytest.mark.parametrize("number", ["20990101-0001", "not-a-number", "2024"])
def test_unknown_or_malformed_numbers_are_404(client, users, number):
    response = client.get(f"/api/v1/cases/{number}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_a_repeated_lookup_is_served_from_the_store_in_two_queries(client, users):
    completed = case_in("completed", users)
    first = get(client, completed)
    with CaptureQueriesContext(connection) as queries:
        again = get(client, completed)
    # The case's version joined with the stored body: no events, photos or serialisation.
    assert len(queries) == 1
    assert again.json() == first.json()


def test_a_change_is_visible_at_once_despite_the_cache(client, users):
    case = case_in("dispatched", users)
    assert get(client, case).json()["stage"] == "dispatched"
    services.start(case, by=users["handler"])
    body = get(client, case).json()
    assert body["stage"] == "handling"
    assert body["stages"][3]["actor"] == "李四"
