"""我的诉求: a signed-in resident's cases, rating without the phone digits, and 退订."""

import pytest

from cases.models import Case, HelpDesk
from residents.views import SESSION_PHONE
from tests.support.data import case_in, submit

PHONE = "13800001234"


def sign_in(client, phone=PHONE):
    session = client.session
    session[SESSION_PHONE] = phone
    session.save()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/me/sign-in"
    case_exists = client.post("/me/cases/20260101-0001/sms", {"sms": "off"})
    assert case_exists.status_code == 302


def test_the_page_lists_every_case_with_the_phone_including_help_desk_ones(client, users):
    mine = submit()
    desk_case = submit(address="代办岗登记")
    Case.objects.filter(pk=desk_case.pk).update(channel="help_desk", desk=HelpDesk.objects.first())
    other = submit(phone="13900009999")
    sign_in(client)
    page = client.get("/me/").content.decode()
    assert mine.number in page and desk_case.number in page
    assert other.number not in page
    assert "138****1234" in page


def test_a_resident_rates_without_typing_the_digits(client, users):
    case = case_in("completed", users)
    sign_in(client)
    response = client.post(f"/me/cases/{case.number}/rate", {f"{case.number}-score": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed" and case.ratings.get().score == "satisfied"


def test_rating_without_a_score_is_explained(client, users):
    case = case_in("completed", users)
    sign_in(client)
    response = client.post(f"/me/cases/{case.number}/rate", {})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == "completed"


def test_rating_twice_is_refused(client, users):
    case = case_in("closed", users)
    sign_in(client)
    response = client.post(f"/me/cases/{case.number}/rate", {f"{case.number}-score": "satisfied"})
    assert response.status_code == 409
    assert case.ratings.count() == 1


def test_another_residents_case_cannot_be_rated_or_changed(client, users):
    case = case_in("completed", users, phone="13900009999")
    sign_in(client)
    assert (
        client.post(f"/me/cases/{case.number}/rate", {f"{case.number}-score": "satisfied"}).status_code == 404
    )
    assert client.post(f"/me/cases/{case.number}/sms", {"sms": "off"}).status_code == 404
    case.refresh_from_db()
    assert case.state == "completed" and not case.sms_opt_out


def test_a_resident_stops_and_restarts_sms_for_a_case(client, users):
    case = submit()
    sign_in(client)
    assert client.post(f"/me/cases/{case.number}/sms", {"sms": "off"}).status_code == 302
    assert Case.objects.get(pk=case.pk).sms_opt_out
    assert "恢复短信通知" in client.get("/me/").content.decode()
    client.post(f"/me/cases/{case.number}/sms", {"sms": "on"})
    assert not Case.objects.get(pk=case.pk).sms_opt_out


@pytest.mark.parametrize("value", ["", "maybe"])
def test_a_bad_preference_is_explained_and_changes_nothing(client, users, value):
    case = submit()
    sign_in(client)
    response = client.post(f"/me/cases/{case.number}/sms", {"sms": value})
    assert response.status_code == 400
    assert not Case.objects.get(pk=case.pk).sms_opt_out


def test_signing_out_ends_the_resident_session(client, users):
    sign_in(client)
    client.post("/me/sign-out")
    assert client.get("/me/").status_code == 302


def test_submitting_needs_no_account_and_the_header_links_my_cases(client, users):
    page = client.get("/").content.decode()
    assert 'href="/me/"' in page and "我的诉求" in page
