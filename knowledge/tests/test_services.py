"""Keeping entries and answering from them: the ANSWER move, the desk's answers without a case."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, CaseEvent, HelpDesk
from cases.selectors import plain_progress, public_progress
from knowledge import services
from knowledge.models import Answer, Entry
from notify.models import Message
from tests.support.data import case_in, submit


def _entry_fields(**overrides):
    fields = {
        "question": "社区食堂怎么办卡?",
        "answer": "带身份证到社区食堂窗口办理。",
        "aliases": "老年食堂、助餐",
        "source": "街道民政办",
        "review_by": date(2030, 1, 1),
        "status": Entry.Status.PUBLISHED,
    }
    fields.update(overrides)
    return fields


def test_intake_and_supervisors_keep_entries(users):
    entry = services.save_entry(by=users["intake"], **_entry_fields())
    assert entry.keeper == users["intake"] and entry.updated_by == users["intake"]
    changed = services.save_entry(by=users["supervisor"], entry=entry, **_entry_fields(answer="改了。"))
    assert changed.pk == entry.pk and changed.answer == "改了。" and changed.updated_by == users["supervisor"]
    assert changed.keeper == users["intake"]


@pytest.mark.parametrize("who", ["volunteer", "handler"])
def test_others_may_not_edit_entries(users, who):
    with pytest.raises(NotAllowed):
        services.save_entry(by=users[who], **_entry_fields())
    assert not Entry.objects.exists()


def test_an_entry_with_bad_fields_is_refused_by_field_and_nothing_is_saved(users):
    with pytest.raises(ValidationError) as caught:
        services.save_entry(
            by=users["intake"], **_entry_fields(question=" ", answer="<script>x</script>", review_by=None)
        )
    assert set(caught.value.message_dict) == {"question", "answer", "review_by"}
    assert not Entry.objects.exists()


def test_intake_answers_a_question_and_closes_it_without_dispatch(base, users):
    case = submit(description="我妈妈今年82岁,想问问老人补贴怎么申请?")
    event = services.answer_case(case, by=users["intake"], entry=base["elderly"])
    case.refresh_from_db()
    assert case.state == "closed" and case.department is None
    assert case.request_type == "enquiry"  # an answered case counts as a question (咨询)
    assert event.action == "answer" and event.public_note == base["elderly"].answer
    answer = Answer.objects.get(case=case)
    assert (answer.entry, answer.event, answer.via, answer.by) == (
        base["elderly"],
        event,
        "case",
        users["intake"],
    )
    # The resident is told by SMS, in the same transaction.
    sms = Message.objects.get(event=event)
    assert sms.recipient == case.phone and "已答复" in sms.text and "高龄津贴" in sms.text
    # The public progress says 已答复 with the text; no department stage.
    progress = public_progress(case)
    assert progress.answer == base["elderly"].answer
    assert [s.key for s in progress.stages] == ["submitted", "accepted", "completed"]
    assert progress.stages[-1].label == "已答复"
    assert "已经答复" in plain_progress(progress)


def test_the_answer_text_may_be_edited_before_sending(base, users):
    case = case_in("accepted", users)
    services.answer_case(
        case, by=users["intake"], entry=base["elderly"].pk, text="您母亲可以申请高龄津贴,带身份证到社区。"
    )
    assert Answer.objects.get(case=case).text == "您母亲可以申请高龄津贴,带身份证到社区。"


@pytest.mark.parametrize(
    ("entry", "text", "field"),
    [
        ("draft", None, "entry"),
        (987654, None, "entry"),
        (None, None, "entry"),
        ("elderly", "   ", "text"),
        ("elderly", "x" * 2001, "text"),
    ],
)
def test_a_bad_answer_is_refused_and_changes_nothing(base, users, entry, text, field):
    case = submit()
    chosen = base.get(entry, entry) if isinstance(entry, str) else entry
    with pytest.raises(ValidationError) as caught:
        services.answer_case(case, by=users["intake"], entry=chosen, text=text)
    assert field in caught.value.message_dict
    assert Case.objects.get(pk=case.pk).state == "submitted"
    assert not Answer.objects.exists() and case.events.count() == 1


def test_a_closed_or_dispatched_case_cannot_be_answered(base, users):
    for state in ("dispatched", "closed"):
        case = case_in(state, users)
        with pytest.raises(InvalidMove):
            services.answer_case(case, by=users["intake"], entry=base["elderly"])
    assert not Answer.objects.exists()


def test_of_two_answers_at_once_one_wins(base, users):
    case = submit()
    stale = Case.objects.get(pk=case.pk)
    services.answer_case(case, by=users["intake"], entry=base["elderly"])
    with pytest.raises((Conflict, InvalidMove)):
        services.answer_case(stale, by=users["intake"], entry=base["elderly"], text="另一个答复")
    assert Answer.objects.count() == 1 and CaseEvent.objects.filter(case=case, action="answer").count() == 1


def test_a_volunteer_answers_only_their_desks_cases(base, users):
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    mine = submit(channel="help_desk", by=users["volunteer"], desk=desk)
    services.answer_case(mine, by=users["volunteer"], entry=base["elderly"])
    assert Answer.objects.get(case=mine).desk == desk
    other = submit()
    with pytest.raises(NotAllowed):
        services.answer_case(other, by=users["volunteer"], entry=base["elderly"])
    assert Case.objects.get(pk=other.pk).state == "submitted"
    with pytest.raises(NotAllowed):
        services.answer_case(submit(), by=users["handler"], entry=base["elderly"])


def test_the_desk_answers_without_a_case_by_sms_or_print(base, users):
    before = Case.objects.count()
    sms = services.answer_at_desk(
        by=users["volunteer"], entry=base["elderly"], phone="139 1234 5678", sms=True
    )
    printed = services.answer_at_desk(
        by=users["volunteer"], entry=base["elderly"], text="改过的答复", sms=False
    )
    assert Case.objects.count() == before
    assert (sms.via, sms.case, sms.desk.code) == ("desk_sms", None, "zhuzhi-desk")
    message = Message.objects.get(key=f"knowledge-answer:{sms.pk}")
    assert message.recipient == "13912345678" and "高龄津贴" in message.text
    assert printed.via == "desk_print" and printed.text == "改过的答复"
    assert Message.objects.filter(key=f"knowledge-answer:{printed.pk}").count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"phone": "", "sms": True}, "phone"),
        ({"phone": "023-56562102", "sms": True}, "phone"),
        ({"text": "", "sms": False}, "text"),
        ({"entry": "draft", "sms": False}, "entry"),
    ],
)
def test_a_bad_desk_answer_is_refused_and_nothing_is_queued(base, users, kwargs, field):
    kwargs = {"entry": base["elderly"], **kwargs}
    if kwargs["entry"] == "draft":
        kwargs["entry"] = base["draft"]
    with pytest.raises(ValidationError) as caught:
        services.answer_at_desk(by=users["volunteer"], **kwargs)
    assert field in caught.value.message_dict
    assert not Answer.objects.exists() and not Message.objects.exists()


def test_a_handler_may_not_answer_at_the_desk(base, users):
    with pytest.raises(NotAllowed):
        services.answer_at_desk(by=users["handler"], entry=base["elderly"], sms=False)
    assert not Answer.objects.exists()


def test_a_second_entry_with_the_same_question_is_refused(users):
    services.save_entry(by=users["intake"], **_entry_fields())
    with pytest.raises(ValidationError) as caught:
        services.save_entry(by=users["supervisor"], **_entry_fields(answer="另一个"))
    assert "question" in caught.value.message_dict
    assert Entry.objects.count() == 1


def test_an_edit_over_a_newer_save_is_refused_and_keeps_the_newer(users):
    entry = services.save_entry(by=users["intake"], **_entry_fields())
    seen = entry.updated_at
    services.save_entry(
        by=users["supervisor"], entry=entry, seen_updated_at=seen, **_entry_fields(answer="新的。")
    )
    with pytest.raises(Conflict):
        services.save_entry(
            by=users["intake"], entry=entry, seen_updated_at=seen, **_entry_fields(answer="旧的。")
        )
    assert Entry.objects.get(pk=entry.pk).answer == "新的。"
