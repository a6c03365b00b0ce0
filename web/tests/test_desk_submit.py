"""The help desk's submit-on-behalf form (/desk/new) and the intake officer's phone/visit registration."""

import pytest

from cases.models import Case, Category, Community, HelpDesk

from .helpers import text


def _post(client, **overrides):
    data = {
        "name": "张桂兰",
        "phone": "13800001234",
        "age_band": "60_plus",
        "category": Category.objects.get(code="infrastructure").pk,
        "community": Community.objects.get(code="zhuzhi").pk,
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "consent": "on",
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/desk/new", data)


@pytest.fixture
def volunteer(client, users):
    client.force_login(users["volunteer"])
    return users["volunteer"]


def test_the_form_defaults_to_the_desks_community_and_asks_for_the_camera(client, volunteer):
    page = text(client.get("/desk/new"))
    zhuzhi = Community.objects.get(code="zhuzhi").pk
    assert f'<option value="{zhuzhi}" selected>' in page
    assert 'capture="environment"' in page
    assert 'name="consent"' in page
    assert "023-56562102" in page  # the desk's phone is the contact when the resident has none


def test_a_volunteer_submits_and_lands_on_the_receipt(client, volunteer):
    response = _post(client)
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}/receipt"
    assert case.channel == "help_desk" and case.desk.code == "zhuzhi-desk"
    assert case.submitted_by == volunteer
    progress = text(client.get(f"/cases/{case.number}"))
    assert "由竹枝社区代办岗志愿者小王代为提交" in progress


def test_without_consent_nothing_is_saved_and_the_form_says_why(client, volunteer):
    response = _post(client, consent=None)
    assert response.status_code == 400
    page = text(response)
    assert 'role="alert"' in page and "同意" in page
    assert not Case.objects.exists()


def test_an_invalid_phone_is_shown_next_to_the_field(client, volunteer):
    response = _post(client, phone="12345")
    assert response.status_code == 400
    assert "电话号码格式不正确" in text(response)
    assert not Case.objects.exists()


def test_a_resident_without_a_phone_can_be_submitted(client, volunteer):
    assert _post(client, phone="").status_code == 302
    assert Case.objects.get().phone == ""


def test_a_desk_that_is_not_the_volunteers_is_refused(client, volunteer, users):
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(volunteer)  # two desks: a choice appears
    other = HelpDesk.objects.create(
        code="elsewhere", name="别处代办岗", community=Community.objects.get(code="kuimen")
    )
    response = _post(client, desk=other.pk)
    assert response.status_code == 400
    assert "代办岗" in text(response)
    assert not Case.objects.exists()


def test_an_intake_officer_registers_a_phone_call(client, users):
    client.force_login(users["intake"])
    page = text(client.get("/desk/new"))
    assert 'value="phone"' in page and 'value="walk_in"' in page
    assert 'name="consent"' not in page
    response = _post(client, channel="walk_in", consent=None)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == "walk_in" and case.desk is None
    staff_page = text(client.get(f"/staff/cases/{case.number}"))
    assert "来访" in staff_page


def test_the_staff_queue_links_to_the_registration_form_for_intake(client, users):
    client.force_login(users["intake"])
    assert 'href="/desk/new"' in text(client.get("/staff/"))


def test_a_handler_may_not_use_the_desk(client, users):
    client.force_login(users["handler"])
    assert client.get("/desk/new").status_code == 403
    assert _post(client).status_code == 403
    assert not Case.objects.exists()


def test_the_desk_needs_a_sign_in(client, users):
    response = client.get("/desk/new")
    assert response.status_code == 302 and "/staff/login" in response["Location"]
