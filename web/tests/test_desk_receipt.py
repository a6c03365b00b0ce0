"""The printable receipt (/cases/<number>/receipt): staff and volunteers only."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from tests.support.data import submit

from .helpers import text


def _desk_case(users, **overrides):
    return submit(channel="help_desk", by=users["volunteer"], **overrides)


def test_the_receipt_has_the_number_address_desk_phone_next_step_and_qr_code(client, users, settings):
    settings.SITE_URL = "https://minsheng.example.org"
    with time_machine.travel(datetime(2024, 5, 10, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        case = _desk_case(users)
        client.force_login(users["volunteer"])
        response = client.get(f"/cases/{case.number}/receipt")
    page = text(response)
    assert response.status_code == 200
    assert f'<p class="receipt__number">{case.number}</p>' in page
    assert "基础设施维修" in page and "竹枝社区 3栋2单元5楼" in page
    assert "023-56562102" in page
    assert "预计今天下午5点前有工作人员联系您" in page
    assert "<svg" in page and "https://minsheng.example.org/cases/" + case.number in page
    assert "@page" not in page  # the print rules live in the stylesheet
    assert "13800001234" not in page  # the resident's own phone is not printed


def test_the_receipt_stylesheet_prints_on_a6(client):
    from django.contrib.staticfiles import finders

    css = open(finders.find("web/receipt.css"), encoding="utf-8").read()
    assert "size: 105mm 148mm" in css and "@media print" in css


def test_the_public_cannot_open_a_receipt(client, users):
    case = _desk_case(users)
    response = client.get(f"/cases/{case.number}/receipt")
    assert response.status_code == 302 and "/staff/login" in response["Location"]


def test_a_volunteer_of_another_desk_gets_a_404(client, users):
    from django.contrib.auth.models import Group, User

    from cases.models import HelpDesk

    other = User.objects.create_user("xiaoli", first_name="小李")
    other.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(other)
    case = _desk_case(users)
    client.force_login(other)
    assert client.get(f"/cases/{case.number}/receipt").status_code == 404


def test_intake_may_print_a_receipt_for_any_case(client, users):
    case = submit()
    client.force_login(users["intake"])
    assert client.get(f"/cases/{case.number}/receipt").status_code == 200


def test_viewing_a_receipt_is_logged_for_volunteers(client, users):
    from cases.models import PersonalDataAccess

    case = _desk_case(users)
    client.force_login(users["volunteer"])
    client.get(f"/cases/{case.number}/receipt")
    assert PersonalDataAccess.objects.filter(user=users["volunteer"], case=case, via="receipt").exists()
