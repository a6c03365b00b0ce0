"""Help desks: submitting for a resident, the desk's lists, follow-up calls, lookup by phone."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.utils import translation

from cases import access, helpdesk, selectors, services, submission
from cases.errors import CaseNotFound, InvalidMove, NotAllowed
from cases.models import (
    Case,
    CaseEvent,
    Category,
    Community,
    Department,
    FollowUp,
    HelpDesk,
    PersonalDataAccess,
    Rating,
)
from tests.support.data import case_in, submit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fields(**overrides):
    fields = {
        "category": Category.objects.get(code="infrastructure"),
        "community": Community.objects.get(code="zhuzhi"),
        "address": "3栋2单元5楼",
        "description": "卫生间冷水龙头损坏,漏水严重。",
        "name": "张桂兰",
        "phone": "13800001234",
        "age_band": "60_plus",
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def other_volunteer(users):
    """小李, a volunteer at 明良社区's desk."""
    user = User.objects.create_user("xiaoli", first_name="小李")
    user.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="mingliang-desk").volunteers.add(user)
    return user


def on_behalf(**fields):
    """Register a case for a resident, as the desk's form and the API do (cases.submission)."""
    return submission.submit(**fields).case


def _desk_case(users, state="completed", **overrides):
    return case_in(state, users, channel="help_desk", by=users["volunteer"], **overrides)


# --- submitting on behalf --------------------------------------------------------------------------


def test_a_volunteer_submits_for_a_resident_at_their_desk(users):
    case = on_behalf(by=users["volunteer"], consent=True, **_fields())
    assert case.channel == "help_desk"
    assert case.desk.code == "zhuzhi-desk"
    assert case.submitted_by == users["volunteer"]
    assert case.age_band == "60_plus"
    event = case.events.get()
    assert event.public_note == "由竹枝社区代办岗志愿者小王代为提交"
    assert event.actor_name == "小王"


def test_submitting_for_a_resident_without_consent_is_refused_and_saves_nothing(users):
    with pytest.raises(ValidationError) as exc:
        on_behalf(by=users["volunteer"], consent=False, **_fields())
    assert "consent" in exc.value.message_dict
    assert "同意" in exc.value.message_dict["consent"][0]
    assert not Case.objects.exists()


def test_a_resident_without_a_phone_has_the_desk_as_contact(users):
    case = on_behalf(by=users["volunteer"], consent=True, **_fields(phone=""))
    assert case.phone == ""
    assert case.desk.phone == "023-56562102"


def test_an_invalid_phone_is_refused_even_at_a_desk(users):
    with pytest.raises(ValidationError) as exc:
        on_behalf(by=users["volunteer"], consent=True, **_fields(phone="12345"))
    assert "phone" in exc.value.message_dict
    assert not Case.objects.exists()


def test_the_phone_stays_required_online(users):
    with pytest.raises(ValidationError) as exc:
        submit(phone="")
    assert "phone" in exc.value.message_dict


def test_a_volunteer_cannot_submit_in_the_name_of_another_desk(users):
    desk = HelpDesk.objects.get(code="mingliang-desk")
    with pytest.raises(ValidationError) as exc:
        on_behalf(by=users["volunteer"], desk=desk, consent=True, **_fields())
    assert "desk" in exc.value.message_dict
    assert not Case.objects.exists()


def test_a_volunteer_without_a_desk_is_told_to_ask_for_one(users):
    HelpDesk.objects.get(code="zhuzhi-desk").volunteers.remove(users["volunteer"])
    with pytest.raises(ValidationError) as exc:
        on_behalf(by=users["volunteer"], consent=True, **_fields())
    assert "代办岗" in exc.value.message_dict["desk"][0]


def test_a_closed_desk_takes_no_cases(users):
    HelpDesk.objects.filter(code="zhuzhi-desk").update(is_active=False)
    desk = HelpDesk.objects.get(code="zhuzhi-desk")
    with pytest.raises(ValidationError) as exc:
        on_behalf(by=users["volunteer"], desk=desk, consent=True, **_fields())
    assert "desk" in exc.value.message_dict


@pytest.mark.parametrize(
    ("channel", "note"),
    [("phone", "居民来电,由工作人员张三代为登记"), ("walk_in", "居民来访,由工作人员张三代为登记")],
)
def test_intake_registers_phone_calls_and_visits(channel, note, users):
    case = on_behalf(by=users["intake"], channel=channel, **_fields())
    assert case.channel == channel
    assert case.desk is None
    assert case.submitted_by == users["intake"]
    assert case.events.get().public_note == note


def test_a_volunteer_cannot_register_a_phone_call(users):
    with pytest.raises(NotAllowed):
        on_behalf(by=users["volunteer"], channel="phone", **_fields())
    assert not Case.objects.exists()


def test_registering_for_a_resident_cannot_use_the_online_channel(users):
    with pytest.raises(ValidationError):
        on_behalf(by=users["volunteer"], channel="online", consent=True, **_fields())


def test_a_handler_cannot_submit_for_a_resident(users):
    with pytest.raises((NotAllowed, ValidationError)):
        on_behalf(by=users["handler"], consent=True, **_fields())
    assert not Case.objects.exists()


def test_only_a_desk_case_can_name_a_desk(users):
    with pytest.raises(ValidationError) as exc:
        services.submit_case(desk=HelpDesk.objects.get(code="zhuzhi-desk"), **_fields())
    assert "desk" in exc.value.message_dict


@pytest.mark.parametrize("action", ["accept", "dispatch", "complete"])
def test_a_volunteer_cannot_move_a_case_forward(action, users):
    case = _desk_case(users, {"accept": "submitted", "dispatch": "accepted", "complete": "handling"}[action])
    call = {
        "accept": lambda: services.accept(case, by=users["volunteer"]),
        "dispatch": lambda: services.dispatch(
            case, by=users["volunteer"], department=Department.objects.get(code="property")
        ),
        "complete": lambda: services.complete(case, by=users["volunteer"], explanation="好了"),
    }[action]
    before = Case.objects.get(pk=case.pk).state
    with pytest.raises(NotAllowed):
        call()
    assert Case.objects.get(pk=case.pk).state == before


# --- the desk's lists -------------------------------------------------------------------------------


def test_the_desk_lists_todays_submissions_and_open_cases(users, other_volunteer):
    with time_machine.travel(datetime(2024, 5, 9, 10, 0, tzinfo=SHANGHAI), tick=False):
        yesterday = _desk_case(users, "submitted")
    with time_machine.travel(datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        today = _desk_case(users, "dispatched")
        online = submit()
        elsewhere = case_in("submitted", users, channel="help_desk", by=other_volunteer)
        work = helpdesk.desk_work(users["volunteer"])
    assert [c.number for c in work.today] == [today.number]
    assert [c.number for c in work.open] == [yesterday.number, today.number]
    assert online not in work.open and elsewhere not in work.open
    assert [d.code for d in work.desks] == ["zhuzhi-desk"]


def test_the_follow_up_list_has_unrated_completed_cases_with_attempts(users):
    waiting = _desk_case(users)
    rated = _desk_case(users)
    services.rate(rated, score="satisfied", phone_last4=rated.phone[-4:])
    _desk_case(users, "handling")
    helpdesk.record_follow_up(waiting, by=users["volunteer"], reached=False)
    helpdesk.record_follow_up(waiting, by=users["volunteer"], reached=False)
    items = list(helpdesk.follow_up_list(users["volunteer"]))
    assert [c.number for c in items] == [waiting.number]
    assert items[0].attempts == 2
    assert items[0].last_call_at is not None


def test_a_reopened_and_completed_again_case_counts_attempts_afresh(users):
    case = _desk_case(users)
    helpdesk.record_follow_up(case, by=users["volunteer"], reached=False)
    helpdesk.record_follow_up(case, by=users["volunteer"], reached=True, score="dissatisfied", note="还在漏")
    assert Case.objects.get(pk=case.pk).state == "handling"
    from tests.support.data import jpeg

    services.complete(case, by=users["handler"], explanation="换了新龙头", before=[jpeg()], after=[jpeg()])
    items = list(helpdesk.follow_up_list(users["volunteer"]))
    assert [c.number for c in items] == [case.number]
    assert items[0].attempts is None  # no call yet for the new completion


# --- follow-up calls ----------------------------------------------------------------------------


def test_an_unreachable_resident_stays_on_the_list_and_the_call_is_staff_only(users):
    case = _desk_case(users)
    follow_up = helpdesk.record_follow_up(case, by=users["volunteer"], reached=False, note="无人接听")
    assert follow_up.reached is False and follow_up.rating is None
    assert follow_up.desk.code == "zhuzhi-desk"
    assert Case.objects.get(pk=case.pk).state == "completed"
    event = CaseEvent.objects.filter(case=case).latest("id")
    assert event.action == "follow_up" and not event.is_public
    assert "未联系上" in event.private_note and "无人接听" in event.private_note
    assert event not in selectors.public_progress(case).events


def test_a_rating_by_phone_counts_like_one_online_and_says_who_took_it(users):
    case = _desk_case(users)
    follow_up = helpdesk.record_follow_up(
        case, by=users["volunteer"], reached=True, solved=True, score="satisfied", note="修得又快又好"
    )
    rating = Rating.objects.get(case=case)
    assert follow_up.rating == rating
    assert rating.via == "follow_up" and rating.recorded_by == users["volunteer"]
    assert rating.score == "satisfied"
    assert Case.objects.get(pk=case.pk).state == "closed"
    public = [e.public_note for e in selectors.public_progress(case).events]
    assert "居民评价:满意(电话回访)" in public
    assert not list(helpdesk.follow_up_list(users["volunteer"]))


def test_a_dissatisfied_resident_on_the_phone_reopens_the_case(users):
    case = _desk_case(users)
    helpdesk.record_follow_up(case, by=users["volunteer"], reached=True, solved=False, score="dissatisfied")
    assert Case.objects.get(pk=case.pk).state == "handling"


def test_a_second_rating_for_the_same_completion_is_refused(users):
    case = _desk_case(users)
    services.rate(case, score="satisfied", phone_last4=case.phone[-4:])
    with pytest.raises(InvalidMove) as exc:
        helpdesk.record_follow_up(case, by=users["volunteer"], reached=True, score="dissatisfied")
    assert "已经评价过" in exc.value.message
    assert Rating.objects.filter(case=case).count() == 1
    assert not FollowUp.objects.exists()
    assert Case.objects.get(pk=case.pk).state == "closed"


@pytest.mark.parametrize("state", ["submitted", "dispatched", "handling"])
def test_a_follow_up_before_completion_is_refused(state, users):
    case = _desk_case(users, state)
    with pytest.raises(InvalidMove):
        helpdesk.record_follow_up(case, by=users["volunteer"], reached=True)
    assert not FollowUp.objects.exists()


def test_a_score_needs_the_resident_on_the_line(users):
    case = _desk_case(users)
    with pytest.raises(ValidationError) as exc:
        helpdesk.record_follow_up(case, by=users["volunteer"], reached=False, score="satisfied")
    assert "score" in exc.value.message_dict
    assert not FollowUp.objects.exists() and not Rating.objects.exists()


def test_a_failed_rating_undoes_the_call(users, monkeypatch):
    case = _desk_case(users)
    version = Case.objects.get(pk=case.pk).version

    def refuse(*args, **kwargs):
        raise InvalidMove("本次办理结果已经评价过了。")

    monkeypatch.setattr(services, "rate", refuse)
    with pytest.raises(InvalidMove):
        helpdesk.record_follow_up(case, by=users["volunteer"], reached=True, score="satisfied")
    assert not FollowUp.objects.exists()
    assert Case.objects.get(pk=case.pk).version == version == case.version


def test_a_handler_cannot_record_a_follow_up(users):
    case = _desk_case(users)
    with pytest.raises(NotAllowed):
        helpdesk.record_follow_up(case, by=users["handler"], reached=True)


# --- lookup by phone and privacy ------------------------------------------------------------------


def test_lookup_by_full_phone_finds_all_cases_newest_first_and_logs_each(users, other_volunteer):
    with time_machine.travel(datetime(2024, 5, 8, 10, 0, tzinfo=SHANGHAI), tick=False):
        older = submit(phone="13500005555")  # 李大爷's grandson, online
    with time_machine.travel(datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        newer = submit(phone="135 0000 5555")
        submit(phone="13500005556")
        found = helpdesk.cases_for_phone(other_volunteer, "135-0000-5555")
    assert [c.number for c in found] == [newer.number, older.number]
    logged = PersonalDataAccess.objects.filter(user=other_volunteer, via="phone_lookup")
    assert sorted(logged.values_list("case__number", flat=True)) == sorted([older.number, newer.number])


def test_after_a_phone_lookup_the_volunteer_may_open_those_cases_for_a_while(users, other_volunteer):
    case = submit(phone="13500005555")
    with pytest.raises(CaseNotFound):
        access.case_for_staff(other_volunteer, case.number)
    helpdesk.cases_for_phone(other_volunteer, "13500005555")
    assert access.case_for_staff(other_volunteer, case.number) == case
    with time_machine.travel(timedelta(hours=13)), pytest.raises(CaseNotFound):
        access.case_for_staff(other_volunteer, case.number)


def test_a_volunteer_of_another_desk_cannot_open_a_desk_case(users, other_volunteer):
    case = _desk_case(users, "submitted")
    assert access.case_for_staff(users["volunteer"], case.number) == case
    with pytest.raises(CaseNotFound):
        access.case_for_staff(other_volunteer, case.number)


def test_a_volunteer_sees_every_case_of_their_desk_not_only_their_own(users):
    colleague = User.objects.create_user("xiaozhao", first_name="小赵")
    colleague.groups.add(Group.objects.get(name="volunteer"))
    HelpDesk.objects.get(code="zhuzhi-desk").volunteers.add(colleague)
    case = _desk_case(users, "submitted")
    assert access.case_for_staff(colleague, case.number) == case


@pytest.mark.parametrize("phone", ["", "1380000", "138000012345", "abc"])
def test_lookup_needs_a_whole_valid_phone_number(phone, users):
    submit()
    with pytest.raises(ValidationError) as exc:
        helpdesk.cases_for_phone(users["volunteer"], phone)
    assert "phone" in exc.value.message_dict
    assert not PersonalDataAccess.objects.exists()


def test_a_handler_finds_only_his_departments_cases_by_phone(users):
    dispatched = case_in("dispatched", users)
    submit()
    assert helpdesk.cases_for_phone(users["handler"], "13800001234") == [dispatched]


# --- plain words ---------------------------------------------------------------------------------


def test_progress_in_plain_words_names_the_department_and_the_appointment(users):
    with time_machine.travel(datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI), tick=False):
        case = case_in("dispatched", users)
        services.set_appointment(
            case, by=users["intake"], appointment_at=datetime(2024, 5, 11, 9, 0, tzinfo=SHANGHAI)
        )
        sentence = selectors.plain_progress(selectors.public_progress(case))
    assert sentence == "您的诉求已经派给物业科,维修人员明天上午9点上门。"


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("submitted", "等待工作人员受理"),
        ("accepted", "工作人员张三已经受理"),
        ("rejected", "原因是:不属于受理范围"),
        ("handling", "物业科正在办理"),
        ("completed", "是否满意"),
        ("closed", "已经办结"),
    ],
)
def test_progress_in_plain_words_for_every_stage(state, words, users):
    case = case_in(state, users)
    assert words in selectors.plain_progress(selectors.public_progress(case))


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2024, 5, 10, 15, 30), "今天下午3点半"),
        (datetime(2024, 5, 10, 12, 0), "今天中午12点"),
        (datetime(2024, 5, 11, 9, 5), "明天上午9点05分"),
        (datetime(2024, 5, 12, 20, 0), "后天晚上8点"),
        (datetime(2024, 5, 20, 10, 0), "5月20日(星期一)上午10点"),
    ],
)
def test_times_are_said_as_people_say_them(moment, words):
    now = datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI)
    # In Chinese whatever language an earlier test in this thread left active.
    with translation.override("zh-hans"):
        assert selectors.plain_when(moment.replace(tzinfo=SHANGHAI), now) == words


def test_the_receipt_says_when_someone_will_call_from_the_category_time_limits(users):
    with time_machine.travel(datetime(2024, 5, 10, 9, 30, tzinfo=SHANGHAI), tick=False):  # a Friday
        case = submit()
        sentence = helpdesk.next_step(case)
    # 2 h to accept + 4 h to dispatch in working time (9:00-12:00, 13:30-17:30): 17:00 today.
    assert sentence.startswith("预计今天下午5点前有工作人员联系您")
    assert "基础设施维修类诉求最晚" in sentence
