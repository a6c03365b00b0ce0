"""补充材料 on the pages: staff ask on the case page, the resident answers on the progress page or a
volunteer at the desk; the queue shows 已补充."""

import pytest

from cases import moreinfo, workflow
from cases.models import Case, InfoRequest
from tests.support.data import case_in, jpeg

from .helpers import text


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_the_handler_asks_on_the_case_page_and_an_empty_question_is_refused(client, users):
    case = case_in("dispatched", users)
    client.force_login(users["handler"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "请居民补充材料" in page
    refused = client.post(f"/staff/cases/{case.number}/ask-info", {"ask-info-question": "  "})
    assert refused.status_code == 400 and "请填写需要居民补充的内容" in text(refused)
    assert not workflow.is_waiting_for_info(fresh(case))
    done = client.post(
        f"/staff/cases/{case.number}/ask-info",
        {"ask-info-question": "请拍一张漏水处的照片", "ask-info-wants_photo": "on"},
    )
    assert done.status_code == 302
    assert workflow.is_waiting_for_info(fresh(case))
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "不再等待补充,继续办理" in page and "请拍一张漏水处的照片" in page
    assert "close-no-info" not in page  # only once the time to answer has passed


def test_the_resident_answers_on_the_progress_page(client, users, media):
    case = case_in("dispatched", users)
    moreinfo.ask(case, by=users["handler"], question="漏水的是哪一个房间?", wants_photo=True)
    page = text(client.get(f"/cases/{case.number}"))
    assert "待补充" in page and "漏水的是哪一个房间?" in page and "提交补充材料" in page
    wrong = client.post(f"/cases/{case.number}/info", {"text": "厨房", "phone_last4": "0000"})
    assert wrong.status_code == 400 and "电话号码后四位不正确" in text(wrong)
    assert workflow.is_waiting_for_info(fresh(case))
    done = client.post(
        f"/cases/{case.number}/info", {"text": "厨房", "phone_last4": "1234", "photos": [jpeg("leak.jpg")]}
    )
    assert done.status_code == 302
    request = fresh(case).info_requests.get()
    assert request.answer == "厨房" and request.attachments.count() == 1
    page = text(client.get(f"/cases/{case.number}"))
    assert "居民已补充材料" in page and "厨房" not in page  # the answer itself is not public
    again = client.post(f"/cases/{case.number}/info", {"text": "厨房", "phone_last4": "1234"})
    assert again.status_code == 409
    assert fresh(case).info_requests.get().answer == "厨房"
    client.force_login(users["handler"])
    queue = text(client.get("/staff/"))
    assert "已补充" in queue
    staff_page = text(client.get(f"/staff/cases/{case.number}"))
    assert "厨房" in staff_page and "进度页面" in staff_page


def test_a_volunteer_adds_the_answer_at_the_desk(client, users, media):
    case = case_in("dispatched", users, channel="help_desk", by=users["volunteer"])
    client.force_login(users["volunteer"])
    nothing = client.post(f"/desk/cases/{case.number}/info", {"text": "厨房"})
    assert nothing.status_code == 409 and "没有等待居民补充" in text(nothing)
    moreinfo.ask(case, by=users["handler"], question="漏水的是哪一个房间?")
    page = text(client.get(f"/desk/cases/{case.number}"))
    assert "代居民补充材料" in page
    empty = client.post(f"/desk/cases/{case.number}/info", {"text": ""})
    assert empty.status_code == 400 and "请填写需要补充的内容" in text(empty)
    done = client.post(f"/desk/cases/{case.number}/info", {"text": "厨房"})
    assert done.status_code == 302
    request = fresh(case).info_requests.get()
    assert request.answered_via == InfoRequest.Via.DESK and request.answered_by == users["volunteer"]


def test_a_signed_in_resident_answers_without_the_digits(client, users):
    case = case_in("dispatched", users)
    moreinfo.ask(case, by=users["handler"], question="漏水的是哪一个房间?")
    session = client.session
    session["resident_phone"] = case.phone
    session.save()
    page = text(client.get("/me/"))
    assert "漏水的是哪一个房间?" in page
    empty = client.post(f"/me/cases/{case.number}/info", {f"{case.number}-info-text": ""})
    assert empty.status_code == 400 and "请填写需要补充的内容" in text(empty)
    done = client.post(f"/me/cases/{case.number}/info", {f"{case.number}-info-text": "厨房"})
    assert done.status_code == 302
    assert fresh(case).info_requests.get().answer == "厨房"
    again = client.post(f"/me/cases/{case.number}/info", {f"{case.number}-info-text": "厨房"})
    assert again.status_code == 409
