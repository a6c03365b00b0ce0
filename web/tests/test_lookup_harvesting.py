"""Harvesting residents through the phone lookup (issue 26, item 3), tried as an attacker would.

A volunteer of another desk typing phone numbers: each volunteer or handler has an hourly limit,
counted before the lookup is answered; the supervisor's access log warns about anyone who looked up
many residents; and a case found by phone is read-only to the volunteer (no follow-up "rating", no
appointment): only the cases of their own desk, or registered by them, are theirs to change.
"""

import logging

import pytest
from django.contrib.auth.models import Group, User

from cases import helpdesk
from cases.errors import TooManyAttempts
from cases.models import FollowUp, HelpDesk, PersonalDataAccess, Rating
from operations.demo import DEMO_PASSWORD
from tests.support.data import case_in, submit

from .helpers import text


@pytest.fixture
def stranger(users):
    """小李, a volunteer at 明良社区's desk: none of the cases below are his desk's."""
    user = User.objects.create_user("xiaoli", password=DEMO_PASSWORD, first_name="小李")
    user.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(user)
    return user


@pytest.fixture
def low_limit(settings):
    settings.MINSHENG_PHONE_LOOKUPS_PER_HOUR = 3
    settings.MINSHENG_PHONE_LOOKUP_ALERT = 2


def test_lookups_past_the_hourly_limit_are_refused_unread(users, stranger, low_limit, caplog):
    cases = [submit(phone=f"1350000{n:04d}") for n in range(5)]
    for case in cases[:3]:
        assert helpdesk.cases_for_phone(stranger, case.phone) == [case]
    with caplog.at_level(logging.WARNING, logger="minsheng.security"):
        for case in cases[3:]:
            with pytest.raises(TooManyAttempts) as exc:
                helpdesk.cases_for_phone(stranger, case.phone)
    assert "次数过多" in exc.value.message
    # Nothing about the refused numbers was read or logged as seen.
    seen = PersonalDataAccess.objects.filter(user=stranger).values_list("case__phone", flat=True)
    assert sorted(seen) == sorted(c.phone for c in cases[:3])
    alerts = [r.getMessage() for r in caplog.records if r.getMessage().startswith("alert")]
    assert len(alerts) == 1 and "phone lookup limit" in alerts[0] and "xiaoli" in alerts[0]


def test_lookups_that_find_nothing_count_too(users, stranger, low_limit):
    for n in range(3):
        assert helpdesk.cases_for_phone(stranger, f"1390000{n:04d}") == []
    case = submit(phone="13500005555")
    with pytest.raises(TooManyAttempts):
        helpdesk.cases_for_phone(stranger, case.phone)


def test_the_limit_is_per_person(users, stranger, low_limit):
    case = submit(phone="13500005555")
    for _ in range(3):
        helpdesk.cases_for_phone(stranger, case.phone)
    assert helpdesk.cases_for_phone(users["volunteer"], case.phone) == [case]
    # Intake officers take phone calls and may open every case anyway: no limit there.
    for _ in range(5):
        assert helpdesk.cases_for_phone(users["intake"], case.phone) == [case]


def test_the_desk_page_answers_429_past_the_limit(client, users, stranger, low_limit):
    case = submit(phone="13500005555")
    client.force_login(stranger)
    for _ in range(3):
        assert client.post("/desk/lookup", {"phone": case.phone}).status_code == 200
    response = client.post("/desk/lookup", {"phone": case.phone})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert case.name not in text(response) and case.address not in text(response)


def test_the_api_answers_429_in_its_own_format(client, users, stranger, low_limit):
    case = submit(phone="13500005555")
    token = client.post(
        "/api/v1/auth/token",
        {"username": "xiaoli", "password": DEMO_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        response = client.post(
            "/api/v1/phone-lookup", {"phone": case.phone}, content_type="application/json", headers=headers
        )
        assert response.status_code == 200
    response = client.post(
        "/api/v1/phone-lookup", {"phone": case.phone}, content_type="application/json", headers=headers
    )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json") and "detail" in response.json()
    assert case.address not in response.content.decode()


def test_the_access_log_warns_about_someone_looking_up_many_residents(client, users, stranger, low_limit):
    for n in range(3):
        helpdesk.cases_for_phone(stranger, submit(phone=f"1350000{n:04d}").phone)
    helpdesk.cases_for_phone(users["volunteer"], submit(phone="13600006666").phone)
    client.force_login(users["supervisor"])
    page = text(client.get("/staff/supervision/access-log"))
    assert "异常查询提醒" in page
    warning = page[page.index("异常查询提醒") : page.index("</ul>", page.index("异常查询提醒"))]
    assert "xiaoli" in warning and "3 位居民" in warning
    assert "volunteer)" not in warning  # one resident: under the alert line


def test_no_warning_when_lookups_stay_under_the_alert_line(client, users, stranger, low_limit):
    for n in range(2):
        helpdesk.cases_for_phone(stranger, submit(phone=f"1350000{n:04d}").phone)
    client.force_login(users["supervisor"])
    assert "异常查询提醒" not in text(client.get("/staff/supervision/access-log"))


def test_a_case_found_by_phone_is_read_only_to_a_volunteer_of_another_desk(client, users, stranger):
    """The probe's volunteer recorded a follow-up "rating" that reopened a stranger's case."""
    case = case_in("completed", users, phone="13500005555")
    client.force_login(stranger)
    assert client.post("/desk/lookup", {"phone": case.phone}).status_code == 200
    page = client.get(f"/desk/cases/{case.number}")
    assert page.status_code == 200  # readable: the resident is at the desk, asking
    assert f"/desk/cases/{case.number}/follow-up" not in text(page)
    response = client.post(
        f"/desk/cases/{case.number}/follow-up", {"reached": "yes", "solved": "no", "score": "dissatisfied"}
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == "completed"
    assert not FollowUp.objects.exists() and not Rating.objects.exists()


def test_the_desks_own_volunteer_still_records_follow_ups(client, users):
    case = case_in("completed", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    page = text(client.get(f"/desk/cases/{case.number}"))
    assert f"/desk/cases/{case.number}/follow-up" in page
