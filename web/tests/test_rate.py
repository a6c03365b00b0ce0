from django.test import override_settings

from cases.models import Rating
from tests.support.data import case_in

from .helpers import text


def rate(client, case, **data):
    payload = {"score": "satisfied", "comment": "", "phone_last4": "1234"}
    payload.update(data)
    return client.post(f"/cases/{case.number}/rate", payload)


def test_it_refuses_wrong_digits_and_saves_nothing(client, users):
    case = case_in("completed", users)
    response = rate(client, case, phone_last4="9999")
    assert response.status_code == 400
    assert "电话号码后四位不正确" in text(response)
    case.refresh_from_db()
    assert case.state == "completed"
    assert not Rating.objects.exists()


def test_it_refuses_digits_that_are_not_four_numbers(client, users):
    case = case_in("completed", users)
    response = rate(client, case, phone_last4="12a4")
    assert response.status_code == 400
    assert "后四位数字" in text(response)
    assert not Rating.objects.exists()


def test_the_right_digits_close_the_case_and_show_the_result(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="basically_satisfied")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    page = text(client.get(response["Location"]))
    assert "感谢您的评价:基本满意" in page
    assert "居民评价:基本满意" in page
    assert f'action="/cases/{case.number}/rate"' not in page


def test_dissatisfied_reopens_the_case_and_the_timeline_says_so(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="dissatisfied", comment="还是漏水")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "handling"
    page = text(client.get(f"/cases/{case.number}"))
    assert "居民评价:不满意,重新办理" in page
    assert "重办" in page
    assert "我们会重新办理您的诉求" in page


def test_a_second_rating_is_refused(client, users):
    case = case_in("completed", users)
    rate(client, case)
    response = rate(client, case, score="dissatisfied")
    assert response.status_code == 409
    assert "已经评价过了" in text(response)
    assert Rating.objects.count() == 1
    case.refresh_from_db()
    assert case.state == "closed"


@override_settings(MINSHENG_RATING_MAX_TRIES=2)
def test_too_many_wrong_tries_are_refused_even_with_the_right_digits(client, users):
    case = case_in("completed", users)
    rate(client, case, phone_last4="0000")
    rate(client, case, phone_last4="0001")
    response = rate(client, case, phone_last4="1234")
    assert response.status_code == 429
    assert "输错次数过多" in text(response)
    assert not Rating.objects.exists()


def test_a_missing_score_is_refused(client, users):
    case = case_in("completed", users)
    response = rate(client, case, score="")
    assert response.status_code == 400
    assert "请选择满意、基本满意或不满意" in text(response)
    assert not Rating.objects.exists()
