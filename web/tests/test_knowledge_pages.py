"""知识库 pages: public browse and entry (elder mode, read aloud), the staff list, editing, the desk's
answers without a case, and 答复 on the staff and desk case pages."""

import pytest

from cases.models import Case, HelpDesk
from knowledge.demo import load_knowledge
from knowledge.models import Answer, Entry
from notify.models import Message
from tests.support.data import case_in, submit

from .helpers import text


@pytest.fixture
def base(users):
    load_knowledge(users["intake"])
    return {
        "elderly": Entry.objects.get(question="高龄津贴怎么申请?"),
        "draft": Entry.objects.get(status=Entry.Status.DRAFT),
        "overdue": Entry.objects.get(question="垃圾怎么分类?"),
    }


def test_the_public_finds_the_official_wording_with_their_own_words(client, base):
    page = text(client.get("/knowledge/?q=老人补贴"))
    assert "高龄津贴怎么申请?" in page
    assert base["draft"].question not in text(client.get("/knowledge/"))


def test_the_entry_page_reads_aloud_and_works_in_elder_mode(client, base):
    entry = base["elderly"]
    page = text(client.get(f"/knowledge/{entry.pk}?mode=elder"))
    assert "data-read-aloud" in page and "elder.css" in page
    assert entry.source in page and "80周岁" in page
    assert "80周岁" in text(client.get(f"/knowledge/{entry.pk}/print"))


def test_a_draft_or_missing_entry_is_not_found_for_the_public(client, base):
    assert client.get(f"/knowledge/{base['draft'].pk}").status_code == 404
    assert client.get("/knowledge/987654").status_code == 404
    assert client.get(f"/knowledge/{base['draft'].pk}/print").status_code == 404


def test_the_staff_list_flags_entries_past_their_review_date(client, users, base):
    client.force_login(users["intake"])
    page = text(client.get("/staff/knowledge/"))
    assert "待复核" in page and base["draft"].question in page
    overdue = text(client.get("/staff/knowledge/?review=overdue"))
    assert base["overdue"].question in overdue and base["elderly"].question not in overdue


def test_a_long_list_says_it_is_cut_and_counts_only_what_it_shows(client, users, base, monkeypatch):
    from web import knowledge as pages

    monkeypatch.setattr(pages, "PAGE_LIMIT", 5)
    client.force_login(users["intake"])
    page = text(client.get("/staff/knowledge/"))
    assert "前 5 条" in page and "只列出前面这些" in page and "共 5 条" not in page
    assert "只列出前面一部分" in text(client.get("/knowledge/"))
    one = text(client.get("/staff/knowledge/?q=高龄津贴"))
    assert "只列出前面这些" not in one and "前 " not in one.split("kb-results")[1][:40]


def test_a_volunteer_sees_no_drafts_and_cannot_edit(client, users, base):
    client.force_login(users["volunteer"])
    assert base["draft"].question not in text(client.get("/staff/knowledge/"))
    assert client.get(f"/staff/knowledge/{base['draft'].pk}").status_code == 404
    assert client.get("/staff/knowledge/new").status_code == 403
    assert client.post(f"/staff/knowledge/{base['elderly'].pk}/edit", {"question": "x"}).status_code == 403
    assert Entry.objects.get(pk=base["elderly"].pk).question == "高龄津贴怎么申请?"


def _entry_post(**overrides):
    data = {
        "question": "社区食堂怎么办卡?",
        "aliases": "老年食堂、助餐",
        "answer": "带身份证到社区食堂窗口办理。",
        "source": "街道民政办",
        "category": "",
        "review_by": "2030-01-01",
        "keeper": "",
        "status": "published",
    }
    data.update(overrides)
    return data


def test_intake_creates_and_edits_an_entry(client, users, base):
    client.force_login(users["intake"])
    response = client.post("/staff/knowledge/new", _entry_post())
    entry = Entry.objects.get(question="社区食堂怎么办卡?")
    assert response.status_code == 302 and response.url == f"/staff/knowledge/{entry.pk}"
    assert entry.keeper == users["intake"]
    assert "老年食堂" in text(client.get(f"/staff/knowledge/{entry.pk}/edit"))
    client.post(f"/staff/knowledge/{entry.pk}/edit", _entry_post(answer="改到街道便民服务中心办理。"))
    entry.refresh_from_db()
    assert entry.answer == "改到街道便民服务中心办理。"
    assert "社区食堂怎么办卡" in text(client.get("/knowledge/?q=助餐"))


def test_a_bad_entry_form_is_refused_with_clear_errors(client, users, base):
    client.force_login(users["supervisor"])
    response = client.post("/staff/knowledge/new", _entry_post(question="", review_by="明天"))
    page = text(response)
    assert response.status_code == 400 and "请按 年-月-日 填写日期" in page
    assert not Entry.objects.filter(answer="带身份证到社区食堂窗口办理。").exists()


def test_the_desk_answers_by_sms_without_opening_a_case(client, users, base):
    client.force_login(users["volunteer"])
    entry = base["elderly"]
    assert "发短信给居民" in text(client.get(f"/staff/knowledge/{entry.pk}"))
    response = client.post(
        f"/staff/knowledge/{entry.pk}/answer", {"text": entry.answer, "phone": "13912345678", "send": "sms"}
    )
    assert response.status_code == 302
    assert Answer.objects.get().via == "desk_sms" and not Case.objects.exists()
    assert Message.objects.get().recipient == "13912345678"


def test_the_desk_prints_the_edited_answer(client, users, base):
    client.force_login(users["volunteer"])
    entry = base["elderly"]
    response = client.post(
        f"/staff/knowledge/{entry.pk}/answer", {"text": "带上户口本去社区。", "send": "print"}
    )
    assert response.status_code == 200 and "带上户口本去社区。" in text(response)
    assert Answer.objects.get().via == "desk_print"


def test_a_desk_sms_without_a_mobile_number_is_refused(client, users, base):
    client.force_login(users["volunteer"])
    entry = base["elderly"]
    response = client.post(
        f"/staff/knowledge/{entry.pk}/answer", {"text": entry.answer, "phone": "", "send": "sms"}
    )
    assert response.status_code == 400 and "手机号码" in text(response)
    assert not Answer.objects.exists() and not Message.objects.exists()


def test_a_handler_cannot_answer_at_the_desk(client, users, base):
    client.force_login(users["handler"])
    entry = base["elderly"]
    response = client.post(f"/staff/knowledge/{entry.pk}/answer", {"text": entry.answer, "send": "print"})
    assert response.status_code == 403 and not Answer.objects.exists()


def test_intake_answers_a_question_on_the_staff_case_page(client, users, base):
    case = submit(description="想问问老人补贴怎么申请")
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "知识库答复" in page and f"?answer_entry={base['elderly'].pk}" in page
    prefilled = text(client.get(f"/staff/cases/{case.number}?answer_entry={base['elderly'].pk}"))
    assert "80周岁" in prefilled
    response = client.post(
        f"/staff/cases/{case.number}/answer", {"answer-entry": base["elderly"].pk, "answer-text": ""}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    progress = text(client.get(f"/cases/{case.number}"))
    assert "已答复" in progress and "80周岁" in progress


def test_an_empty_or_draft_answer_on_the_case_page_is_refused(client, users, base):
    case = submit()
    client.force_login(users["intake"])
    response = client.post(f"/staff/cases/{case.number}/answer", {"answer-entry": base["draft"].pk})
    assert response.status_code == 400 and "请选择一条已发布的知识库条目" in text(response)
    response = client.post(f"/staff/cases/{case.number}/answer", {"answer-entry": ""})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_answering_a_case_already_closed_says_it_changed(client, users, base):
    case = submit()
    client.force_login(users["intake"])
    client.post(f"/staff/cases/{case.number}/answer", {"answer-entry": base["elderly"].pk})
    response = client.post(f"/staff/cases/{case.number}/answer", {"answer-entry": base["elderly"].pk})
    assert response.status_code == 409
    assert Answer.objects.count() == 1


def test_a_volunteer_answers_their_desks_case_on_the_desk_page(client, users, base):
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    case = submit(channel="help_desk", by=users["volunteer"], desk=desk, description="居住证明去哪开")
    client.force_login(users["volunteer"])
    assert "知识库答复" in text(client.get(f"/desk/cases/{case.number}"))
    entry = Entry.objects.get(question="居住证明去哪里开?")
    response = client.post(
        f"/desk/cases/{case.number}/answer", {"answer-entry": entry.pk, "answer-text": "去社区开。"}
    )
    assert response.status_code == 302
    assert Answer.objects.get(case=case).text == "去社区开。"


def test_no_answer_form_once_a_case_is_dispatched(client, users, base):
    case = case_in("dispatched", users)
    client.force_login(users["intake"])
    assert "知识库答复" not in text(client.get(f"/staff/cases/{case.number}"))


def test_a_template_link_fills_the_reason_without_javascript_and_stays_editable(client, users, base):
    from knowledge.models import ReplyTemplate

    case = submit()
    template = ReplyTemplate.objects.get(name="信息不全")
    client.force_login(users["intake"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert f"?template={template.pk}#reject-form" in page and "templates.js" in page
    filled = text(client.get(f"/staff/cases/{case.number}?template={template.pk}"))
    assert "请补充详细地址后重新提交,或到竹枝社区代办岗" in filled
    # Sent as edited: the template is only where the text starts.
    client.post(f"/staff/cases/{case.number}/reject", {"reject-reason": "请补充楼栋号后重新提交。"})
    case.refresh_from_db()
    assert case.state == "rejected" and case.events.last().public_note == "请补充楼栋号后重新提交。"


def test_a_template_of_another_move_or_a_bad_id_fills_nothing(client, users, base):
    from knowledge.models import ReplyTemplate

    case = submit()
    complete = ReplyTemplate.objects.get(name="维修完成(通用)")
    client.force_login(users["intake"])
    for value in (complete.pk, "abc", 987654):
        response = client.get(f"/staff/cases/{case.number}?template={value}")
        assert response.status_code == 200 and "已更换并试用正常" not in text(response)


def test_the_handler_is_offered_the_categorys_completion_templates(client, users, base):
    case = case_in("handling", users)
    client.force_login(users["handler"])
    page = text(client.get(f"/staff/cases/{case.number}"))
    assert "维修完成(通用)" in page and "清理完成" not in page  # another category's
    assert f"诉求编号{case.number}" in page  # filled from the case


def test_the_desks_answer_form_offers_the_sms_templates(client, users, base):
    from knowledge.models import ReplyTemplate

    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    case = submit(channel="help_desk", by=users["volunteer"], desk=desk)
    template = ReplyTemplate.objects.get(name="答复已发送")
    client.force_login(users["volunteer"])
    page = text(client.get(f"/desk/cases/{case.number}"))
    assert f"?template={template.pk}#answer-form" in page
    filled = text(client.get(f"/desk/cases/{case.number}?template={template.pk}"))
    assert f"您的诉求{case.number}已答复" in filled


def test_two_editors_at_once_the_later_save_is_told_and_overwrites_nothing(client, users, base):
    entry = base["elderly"]
    client.force_login(users["intake"])
    form = client.get(f"/staff/knowledge/{entry.pk}/edit").context["form"]
    seen = form.initial["seen"]
    first = client.post(
        f"/staff/knowledge/{entry.pk}/edit",
        _entry_post(question=entry.question, answer="第一次。", seen=seen),
    )
    assert first.status_code == 302
    second = client.post(
        f"/staff/knowledge/{entry.pk}/edit",
        _entry_post(question=entry.question, answer="第二次。", seen=seen),
    )
    assert second.status_code == 409 and "刚刚已被其他人修改" in text(second)
    assert Entry.objects.get(pk=entry.pk).answer == "第一次。"


def test_a_double_clicked_create_makes_one_entry(client, users, base):
    client.force_login(users["intake"])
    assert client.post("/staff/knowledge/new", _entry_post()).status_code == 302
    again = client.post("/staff/knowledge/new", _entry_post())
    assert again.status_code == 400 and "问题相同" in text(again)
    assert Entry.objects.filter(question="社区食堂怎么办卡?").count() == 1


def test_an_empty_base_says_so_rather_than_no_result(client, db):
    page = text(client.get("/knowledge/"))
    assert "办事指南还没有内容" in page and "换个说法" not in page
    assert "换个说法" in text(client.get("/knowledge/?q=高龄津贴"))


def test_an_empty_staff_list_says_how_to_begin(client, users):
    client.force_login(users["intake"])
    assert "点“新建条目”添加第一条" in text(client.get("/staff/knowledge/"))
    assert "没有找到相关条目" in text(client.get("/staff/knowledge/?q=高龄津贴"))
    client.force_login(users["volunteer"])
    page = text(client.get("/staff/knowledge/"))
    assert "知识库还没有条目。" in page and "新建条目" not in page
