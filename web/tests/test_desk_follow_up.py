"""Follow-up calls (回访) at the desk: the list and the form."""

from cases.models import Case, CaseEvent, FollowUp, Rating
from tests.support.data import case_in

from .helpers import text


def _completed(users):
    return case_in("completed", users, channel="help_desk", by=users["volunteer"])


def test_the_follow_up_list_shows_completed_unrated_cases_with_masked_contact(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    page = text(client.get("/desk/follow-ups"))
    assert case.number in page and "还没有回访" in page
    assert "138****1234" in page and "13800001234" not in page


def test_an_unreachable_resident_stays_on_the_list_with_the_attempts(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    response = client.post(f"/desk/cases/{case.number}/follow-up", {"reached": "no", "note": "无人接听"})
    assert response.status_code == 302
    page = text(client.get("/desk/follow-ups"))
    assert case.number in page and "1 次" in page
    assert Case.objects.get(pk=case.pk).state == "completed"
    # The call is staff-only: not on the public progress page.
    assert "无人接听" not in text(client.get(f"/cases/{case.number}"))


def test_a_rating_given_on_the_phone_closes_the_case_and_says_who_recorded_it(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    response = client.post(
        f"/desk/cases/{case.number}/follow-up",
        {"reached": "yes", "solved": "yes", "score": "satisfied", "note": "修得又快又好"},
    )
    assert response.status_code == 302
    rating = Rating.objects.get(case=case)
    assert rating.via == "follow_up" and rating.recorded_by == users["volunteer"]
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert case.number not in text(client.get("/desk/follow-ups"))
    assert "居民评价:满意(电话回访)" in text(client.get(f"/cases/{case.number}"))
    assert "电话回访,小王记录" in text(client.get(f"/desk/cases/{case.number}"))


def test_a_second_rating_is_refused_with_a_message(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    client.post(f"/desk/cases/{case.number}/follow-up", {"reached": "yes", "score": "satisfied"})
    response = client.post(
        f"/desk/cases/{case.number}/follow-up", {"reached": "yes", "score": "dissatisfied"}
    )
    assert response.status_code == 409
    assert "已经评价过" in text(response)
    assert Rating.objects.filter(case=case).count() == 1
    assert FollowUp.objects.count() == 1


def test_a_follow_up_on_a_case_not_completed_is_refused(client, users):
    case = case_in("handling", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    response = client.post(f"/desk/cases/{case.number}/follow-up", {"reached": "yes"})
    assert response.status_code == 409
    assert not FollowUp.objects.exists()
    assert not CaseEvent.objects.filter(action="follow_up").exists()


def test_the_form_needs_to_know_whether_the_resident_was_reached(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    response = client.post(f"/desk/cases/{case.number}/follow-up", {"score": "satisfied"})
    assert response.status_code == 400
    assert "请选择是否联系上居民" in text(response)
    assert not FollowUp.objects.exists()


def test_a_score_without_reaching_the_resident_is_refused(client, users):
    case = _completed(users)
    client.force_login(users["volunteer"])
    response = client.post(f"/desk/cases/{case.number}/follow-up", {"reached": "no", "score": "satisfied"})
    assert response.status_code == 400
    assert "没有联系上居民,不能记录评价" in text(response)
    assert not Rating.objects.exists()
