"""并单 and 拆分 on the staff case page; a merged case's public progress page."""

import re

from cases import merging, services
from cases.models import Case
from tests.support.data import case_in, jpeg

from .helpers import text

PARENT = {
    "address": "3栋2单元502室",
    "description": "3栋2单元楼道灯不亮了,晚上黑漆漆的,老人下楼怕摔。",
    "name": "欧阳秀英",
    "phone": "13511112222",
}
CHILD = {"address": "3栋2单元", "description": "3栋2单元楼道灯不亮,晚上看不见路。", "phone": "13900005678"}


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_intake_sees_likely_duplicates_side_by_side_and_merges(client, users):
    parent = case_in("dispatched", users, **PARENT)
    child = case_in("submitted", users, **CHILD)
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{child.number}"))
    assert "可能重复的诉求" in page and parent.number in page and "老人下楼怕摔" in page
    response = client.post(f"/staff/cases/{child.number}/merge", {"merge-into": parent.number})
    assert response.status_code == 302
    child = fresh(child)
    assert child.merged_into_id == parent.pk
    page = text(client.get(f"/staff/cases/{child.number}"))
    assert "已并单" in page and "拆分" in page
    parent_page = text(client.get(f"/staff/cases/{parent.number}"))
    assert child.number in parent_page and "并入此诉求的诉求" in parent_page


def test_a_bad_merge_is_refused_on_the_page_and_changes_nothing(client, users):
    child = case_in("accepted", users, **CHILD)
    closed = case_in("closed", users)
    client.force_login(users["intake"])
    for into, message in (
        ("", "请填写要合并到的诉求编号"),
        (child.number, "不能把诉求合并到它自己"),
        ("20990101-9999", "找不到编号为 20990101-9999 的诉求"),
        (closed.number, "只能合并到仍在办理中的诉求"),
    ):
        response = client.post(f"/staff/cases/{child.number}/merge", {"merge-into": into})
        assert response.status_code == 400, into
        assert message in text(response), into
    assert fresh(child).state == "accepted" and fresh(child).version == child.version


def test_a_handler_may_not_merge(client, users):
    parent = case_in("accepted", users)
    child = case_in("dispatched", users)
    client.force_login(users["handler"])
    assert "可能重复的诉求" not in text(client.get(f"/staff/cases/{child.number}"))
    response = client.post(f"/staff/cases/{child.number}/merge", {"merge-into": parent.number})
    assert response.status_code in (403, 409)
    assert fresh(child).state == "dispatched"


def test_unmerge_from_the_page_needs_a_reason_and_restores(client, users):
    parent = case_in("accepted", users)
    child = case_in("dispatched", users)
    merging.merge(child, into=parent, by=users["intake"])
    client.force_login(users["intake"])
    response = client.post(f"/staff/cases/{child.number}/unmerge", {"unmerge-reason": ""})
    assert response.status_code == 400 and "请填写原因" in text(response)
    response = client.post(f"/staff/cases/{child.number}/unmerge", {"unmerge-reason": "不是同一件事"})
    assert response.status_code == 302 and fresh(child).state == "dispatched"


def test_the_merged_cases_progress_page_shows_the_parents_progress_and_nothing_of_its_reporter(client, users):
    parent = case_in("handling", users, **PARENT)
    child = case_in("submitted", users, **CHILD)
    merging.merge(child, into=parent, by=users["intake"])
    services.complete(
        fresh(parent),
        by=users["handler"],
        explanation="已更换灯泡",
        before=[jpeg("b.jpg")],
        after=[jpeg("a.jpg")],
    )
    response = client.get(f"/cases/{child.number}")
    page = text(response)
    assert response.status_code == 200
    assert f"已与诉求 {parent.number} 合并办理" in page
    assert "已更换灯泡" in page and "评价办理结果" in page
    for secret in ("欧阳", "13511112222", "502室", "黑漆漆", "老人下楼"):
        assert secret not in page, secret
    # The child's reporter rates through their own number; it counts for the parent.
    response = client.post(f"/cases/{child.number}/rate", {"score": "satisfied", "phone_last4": "5678"})
    assert response.status_code == 302
    assert fresh(parent).ratings.get().phone == CHILD["phone"]


def test_the_merged_page_is_never_served_stale(client, users):
    parent = case_in("dispatched", users)
    child = case_in("submitted", users, **CHILD)
    merging.merge(child, into=parent, by=users["intake"])
    assert current_stage(text(client.get(f"/cases/{child.number}"))) == "派单给责任部门"
    services.start(fresh(parent), by=users["handler"])
    assert current_stage(text(client.get(f"/cases/{child.number}"))) == "现场办理"


def current_stage(page: str) -> str:
    found = re.search(r'aria-current="step">.*?<span class="stage__label">([^<]*)</span>', page, re.S)
    return found.group(1) if found else ""


def test_a_further_reporters_dissatisfied_rating_is_kept_and_reopens_nothing(client, users):
    parent = case_in("handling", users, **PARENT)
    merging.follow(parent, phone=CHILD["phone"])
    services.complete(
        fresh(parent),
        by=users["handler"],
        explanation="已更换灯泡",
        before=[jpeg("b.jpg")],
        after=[jpeg("a.jpg")],
    )
    client.post(f"/cases/{parent.number}/rate", {"score": "satisfied", "phone_last4": "2222"})
    response = client.post(
        f"/cases/{parent.number}/rate", {"score": "dissatisfied", "phone_last4": "5678"}, follow=True
    )
    page = text(response)
    assert "感谢您的评价:不满意" in page and "我们会重新办理" not in page
    assert fresh(parent).state == "closed"
    client.force_login(users["intake"])
    staff = text(client.get(f"/staff/cases/{parent.number}"))
    assert "其他反映人的评价" in staff and CHILD["phone"] in staff
