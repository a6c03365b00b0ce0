"""Looking up a resident's cases at the desk (/desk/lookup): by number, or by full phone number."""

from django.contrib.auth.models import Group, User

from cases.models import HelpDesk, PersonalDataAccess
from tests.support.data import case_in, submit

from .helpers import text


def _other_volunteer():
    user = User.objects.create_user("xiaoli", first_name="小李")
    user.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(user)
    return user


def test_lookup_by_number_opens_the_desk_case_page(client, users):
    case = submit(channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    response = client.get("/desk/lookup", {"number": case.number})
    assert response.status_code == 302 and response["Location"] == f"/desk/cases/{case.number}"


def test_lookup_by_number_of_a_case_from_elsewhere_explains_the_phone_lookup(client, users):
    case = submit()  # the resident's grandson submitted it online
    client.force_login(users["volunteer"])
    response = client.get("/desk/lookup", {"number": case.number})
    assert response.status_code == 404
    assert "完整电话号码" in text(response)
    assert "13800001234" not in text(response)


def test_lookup_by_full_phone_lists_cases_newest_first_in_plain_words_and_logs_them(client, users):
    older = case_in("dispatched", users, phone="13500005555")
    newer = submit(phone="13500005555")
    volunteer = _other_volunteer()
    client.force_login(volunteer)
    response = client.post("/desk/lookup", {"phone": "135 0000 5555"})
    page = text(response)
    assert response.status_code == 200
    assert page.index(newer.number) < page.index(older.number)
    assert "您的诉求已经派给物业科" in page
    assert PersonalDataAccess.objects.filter(user=volunteer, via="phone_lookup").count() == 2
    # Having typed the whole number, the volunteer may open the resident's case.
    assert client.get(f"/desk/cases/{older.number}").status_code == 200


def test_lookup_by_an_invalid_phone_says_so_and_logs_nothing(client, users):
    submit()
    client.force_login(users["volunteer"])
    response = client.post("/desk/lookup", {"phone": "1380000"})
    assert response.status_code == 400
    assert "电话号码格式不正确" in text(response)
    assert not PersonalDataAccess.objects.exists()


def test_a_phone_with_no_cases_says_so(client, users):
    client.force_login(users["volunteer"])
    response = client.post("/desk/lookup", {"phone": "13900009999"})
    assert "没有提交过诉求" in text(response)


def test_a_volunteer_of_another_desk_cannot_open_a_desk_case_without_the_phone(client, users):
    case = submit(channel="help_desk", by=users["volunteer"])
    client.force_login(_other_volunteer())
    assert client.get(f"/desk/cases/{case.number}").status_code == 404
    assert client.get(f"/staff/cases/{case.number}").status_code == 404
