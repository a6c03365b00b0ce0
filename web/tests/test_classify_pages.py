"""类型和紧急程度 on the staff pages: the form with its suggestion, the queue's column, badge and
filter, and the labels on the public progress page."""

from cases import classifying
from cases.models import Case, CaseEvent
from tests.support.data import case_in, submit

from .helpers import text


def test_intake_sees_the_suggestion_and_sets_type_and_priority(client, users):
    case = submit(description="厨房水管漏水了,水流了一地")
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert 'name="classify-priority"' in page and "系统建议:求助 · 应急" in page and "漏水" in page
    response = client.post(
        f"/staff/cases/{case.number}/classify",
        {"classify-request_type": "help", "classify-priority": "urgent", "classify-note": ""},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).priority == "urgent"
    assert CaseEvent.objects.filter(case=case, action="classify", actor=users["intake"]).exists()


def test_an_unknown_priority_is_refused_beside_the_field_and_nothing_changes(client, users):
    case = submit()
    client.force_login(users["intake"])
    response = client.post(
        f"/staff/cases/{case.number}/classify",
        {"classify-request_type": "help", "classify-priority": "asap"},
    )
    assert response.status_code == 400 and "请选择紧急程度" in text(response)
    assert Case.objects.get(pk=case.pk).priority == "normal"
    assert not CaseEvent.objects.filter(case=case, action="classify").exists()


def test_a_handler_has_no_classify_form_and_may_not_post_one(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    assert 'name="classify-priority"' not in text(client.get(f"/staff/cases/{case.number}"))
    response = client.post(
        f"/staff/cases/{case.number}/classify",
        {"classify-request_type": "help", "classify-priority": "urgent"},
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).priority == "normal"


def test_the_queue_shows_urgent_cases_first_with_a_badge_and_filters(client, users):
    normal = submit(description="楼道灯坏了")
    urgent = submit(description="燃气管道有异味")
    classifying.classify(urgent, by=users["intake"], request_type="help", priority="urgent")
    client.force_login(users["intake"])
    page = text(client.get("/staff/"))
    assert page.index(urgent.number) < page.index(normal.number)
    assert "tag--priority-urgent" in page and "紧急程度" in page and "诉求性质" in page
    filtered = text(client.get("/staff/?priority=urgent"))
    assert urgent.number in filtered and normal.number not in filtered
    enquiries = text(client.get("/staff/?type=enquiry"))
    assert urgent.number not in enquiries and normal.number not in enquiries
    assert normal.number in text(client.get("/staff/?priority=nonsense"))


def test_a_filter_that_finds_nothing_says_so_and_offers_the_whole_queue(client, users):
    submit(description="楼道灯坏了")
    client.force_login(users["intake"])
    page = text(client.get("/staff/?type=enquiry"))
    assert "没有符合筛选条件的待办诉求。" in page and "显示全部待办" in page
    assert "没有符合筛选条件" not in text(client.get("/staff/"))


def test_the_public_progress_page_shows_type_and_priority(client, users):
    case = case_in("accepted", users)
    classifying.classify(case, by=users["intake"], request_type="complaint", priority="high")
    page = text(client.get(f"/cases/{case.number}"))
    assert "诉求性质" in page and "投诉" in page and "重点" in page
    assert "求助 → 投诉" not in page  # the staff-only event's note


def test_the_suggestions_words_read_as_a_sentence_in_english(client, users):
    case = submit(description="厨房水管漏水了,水流了一地")
    client.force_login(users["intake"])
    client.cookies["django_language"] = "en"
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert " (because of: 漏水" in page
