"""Open311 from any client (issue 23): no community code needed, trusted clients' api_key, and
FixMyStreet's servicerequestupdates — requests built as FixMyStreet's perllib/Open311.pm builds them."""

import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from api.models import Open311Client
from cases import access, selectors, services, workflow
from cases.models import Case, Community, Department
from tests.support.data import case_in

BASE = "/open311/v2"


def fms_post(client, **extra):
    """A POST requests.xml as FixMyStreet's Open311.pm sends it (form fields; no phone for a user
    without one; its own attributes; always lat/long; jurisdiction_id and api_key)."""
    params = {
        "jurisdiction_id": "kuibei",
        "api_key": "",
        "description": "楼道灯坏了\n\n三楼的灯一直不亮。\n\nhttps://fms.example.org/report/42\n",
        "service_code": "infrastructure",
        "first_name": "Gui",
        "last_name": "Lan Zhang",
        "email": "guilan@example.org",
        "lat": "31.0000",
        "long": "109.5000",
        "attribute[title]": "楼道灯坏了",
        "attribute[report_url]": "https://fms.example.org/report/42",
    }
    params.update(extra)
    return client.post(f"{BASE}/requests.xml", {k: v for k, v in params.items() if v is not None})


def request_id(response) -> str:
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    return root.find("request").findtext("service_request_id")


@pytest.fixture
def mapped(users):
    """竹枝社区 with its centre and an alias; 明良社区 with a boundary."""
    Community.objects.filter(code="zhuzhi").update(
        centre_lat=Decimal("31.000000"), centre_long=Decimal("109.500000"), aliases="朱枝路\n老粮站"
    )
    Community.objects.filter(code="mingliang").update(
        boundary="31.100,109.600\n31.100,109.700\n31.200,109.700\n31.200,109.600"
    )


def test_a_fixmystreet_request_gets_its_community_from_its_position(client, mapped):
    case = Case.objects.get(number=request_id(fms_post(client)))
    assert case.community.code == "zhuzhi" and not case.to_locate
    assert case.phone == "" and case.email == "guilan@example.org"  # the e-mail is the contact


def test_inside_a_boundary_wins(client, mapped):
    case = Case.objects.get(number=request_id(fms_post(client, lat="31.15", long="109.65")))
    assert case.community.code == "mingliang"


def test_the_address_names_the_community_by_an_alias(client, mapped):
    response = fms_post(client, lat=None, long=None, address_string="朱枝路12号3栋")
    case = Case.objects.get(number=request_id(response))
    assert case.community.code == "zhuzhi"


def test_without_a_community_it_lands_to_be_located_in_intakes_queue(client, users):
    response = fms_post(client, lat="40.0", long="116.4")  # far from every community
    case = Case.objects.get(number=request_id(response))
    assert case.to_locate and workflow.is_open(case)
    assert case in selectors.queue(users["intake"])
    services.accept(case, by=users["intake"])
    with pytest.raises(ValidationError, match="确定社区"):
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))


@pytest.mark.parametrize(
    "position",
    [{"lat": "31.0°", "long": "109.5"}, {"lat": "95", "long": "109.5"}, {"lat": "31.0", "long": None}],
)
def test_a_malformed_position_is_an_open311_error(client, users, position):
    response = fms_post(client, **position)
    assert response.status_code == 400
    root = ET.fromstring(response.content)
    assert root.tag == "errors" and root.find("error").findtext("code") == "400"
    assert not Case.objects.exists()


def test_a_trusted_clients_key_is_not_held_to_the_per_address_limit(client, users, settings):
    out = StringIO()
    call_command("open311_client", "12345热线平台", stdout=out)
    key = out.getvalue().split("api_key=")[1].strip()
    assert Open311Client.objects.get().key_hash != key  # only the digest is stored
    settings.RATE_LIMITS_ENABLED = True
    settings.MINSHENG_RATE_LIMITS = {**settings.MINSHENG_RATE_LIMITS, "submit": "2/m"}
    for _i in range(2):
        request_id(fms_post(client, api_key="not-a-key"))  # any other key: like no key
    assert fms_post(client, api_key="not-a-key").status_code == 429
    for _i in range(3):
        request_id(fms_post(client, api_key=key))
    assert Open311Client.objects.get().last_used_at is not None
    Open311Client.objects.update(is_active=False)
    assert fms_post(client, api_key=key).status_code == 429


def updates(client, fmt="xml", **params):
    return client.get(f"{BASE}/servicerequestupdates.{fmt}", params)


def test_servicerequestupdates_lists_public_events_without_personal_data(client, users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    start = (timezone.now() - timedelta(minutes=5)).isoformat()
    case = case_in("completed", users, name="张桂兰", address="竹枝路8号3栋2单元", phone="13800001234")
    end = (timezone.now() + timedelta(minutes=5)).isoformat()
    response = updates(client, start_date=start, end_date=end, jurisdiction_id="kuibei", api_key="")
    assert response.status_code == 200
    body = response.content.decode()
    assert "张桂兰" not in body and "13800001234" not in body and "竹枝路8号" not in body
    root = ET.fromstring(response.content)
    assert root.tag == "service_request_updates"
    items = root.findall("request_update")
    assert [i.findtext("service_request_id") for i in items] == [case.number] * len(items)
    assert {c.tag for c in items[0]} == {
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    }
    # accept, dispatch, start, complete: the submission is not an update.
    assert len(items) == 4
    assert [i.findtext("status") for i in items] == ["open", "open", "open", "closed"]
    last = items[-1]
    assert last.findtext("description") == "已修好" and "/media/attachments/" in last.findtext("media_url")
    photo = client.get(last.findtext("media_url").split("testserver")[-1])
    assert photo.status_code == 200
    data = updates(client, "json", start_date=start, end_date=end).json()
    assert [d["update_id"] for d in data] == [i.findtext("update_id") for i in items]


def test_staff_only_events_are_not_updates(client, users):
    start = (timezone.now() - timedelta(minutes=5)).isoformat()
    case = case_in("dispatched", users)
    from cases import supervision

    supervision.escalate(case, by=users["supervisor"], note="请尽快处理")
    data = updates(
        client, "json", start_date=start, end_date=(timezone.now() + timedelta(minutes=1)).isoformat()
    )
    assert "请尽快处理" not in str(data.json())
    assert len(data.json()) == 2  # accept, dispatch


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-01-01T00:00:00Z"},
        {"start_date": "yesterday", "end_date": "2026-01-02T00:00:00Z"},
        {"start_date": "2026-01-02T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    ],
)
def test_bad_windows_are_open311_errors(client, users, params):
    response = updates(client, **params)
    assert response.status_code == 400
    assert ET.fromstring(response.content).tag == "errors"


def test_a_located_case_is_visible_to_intake(client, users):
    case = Case.objects.get(number=request_id(fms_post(client, lat="40.0", long="116.4")))
    assert access.case_for_staff(users["intake"], case.number) == case
