from cases.models import Case, Rating
from tests.support.data import case_in

from .conftest import post_json


def rate(client, case, **data):
    return post_json(client, f"/api/v1/cases/{case.number}/rating", data)


def test_a_satisfied_resident_closes_the_case(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="satisfied", comment="很快", phone_last4="1234")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "closed"
    assert body["rating"]["score"] == "satisfied"
    assert body["rating"]["label"] == "满意"
    assert body["events"][-1]["note"] == "居民评价:满意"
    # The comment is kept for staff, not published.
    assert "很快" not in response.content.decode()
    assert Rating.objects.get(case=case).comment == "很快"


def test_wrong_digits_are_refused(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="satisfied", phone_last4="9999")
    assert response.status_code == 422
    assert "phone_last4" in response.json()["errors"]
    assert Case.objects.get(pk=case.pk).state == "completed"
    assert not Rating.objects.exists()


def test_dissatisfied_reopens_the_case(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="dissatisfied", comment="还在漏", phone_last4="1234")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "handling"
    assert body["stage"] == "handling"
    assert body["events"][-1]["action"] == "reopen"
    assert "不满意" in body["events"][-1]["note"]


def test_a_second_rating_is_a_conflict(client, users):
    case = case_in("completed", users)
    assert rate(client, case, score="basically_satisfied", phone_last4="1234").status_code == 201
    again = rate(client, case, score="dissatisfied", phone_last4="1234")
    assert again.status_code == 409
    assert Rating.objects.count() == 1


def test_a_case_not_yet_completed_cannot_be_rated(client, users):
    case = case_in("handling", users)
    assert rate(client, case, score="satisfied", phone_last4="1234").status_code == 409


def test_an_unknown_score_is_refused(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="great", phone_last4="1234")
    assert response.status_code == 422
    assert "score" in response.json()["errors"]


def test_guessing_the_digits_is_stopped_with_429_even_for_the_right_ones(client, users, settings):
    settings.MINSHENG_RATING_MAX_TRIES = 2
    case = case_in("completed", users)
    assert rate(client, case, score="satisfied", phone_last4="0000").status_code == 422
    assert rate(client, case, score="satisfied", phone_last4="0001").status_code == 422
    response = rate(client, case, score="satisfied", phone_last4="1234")
    assert response.status_code == 429
    assert "次数过多" in response.json()["detail"]
    assert not Rating.objects.exists()
