"""并单, 拆分 and co-reporters (issue 21): one problem, several residents."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases import merging, selectors, services, workflow
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Case, CoReporter, Rating, ReporterRating
from notify.models import Message
from tests.support.data import case_in, jpeg, submit

CO_PHONE = "13900005678"


@pytest.fixture(autouse=True)
def _chinese(settings):
    """The refusals are read in the platform's language, whatever an earlier test left active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


def fresh(case):
    return Case.objects.get(pk=case.pk)


def complete(case, users):
    services.complete(
        case, by=users["handler"], explanation="已修好", before=[jpeg("b.jpg")], after=[jpeg("a.jpg")]
    )


# --- co-reporters ----------------------------------------------------------------------------


def test_following_a_case_makes_a_co_reporter_and_a_data_free_public_event(users):
    case = case_in("accepted", users)
    co = merging.follow(case, phone="139 0000 5678", name="李大爷")
    assert (co.case_id, co.phone, co.name, co.channel) == (case.pk, CO_PHONE, "李大爷", "online")
    event = fresh(case).events.latest("at", "id")
    assert event.action == "co_report" and event.is_public
    assert event.public_note == "又有1位居民反映了同一问题"
    assert CO_PHONE not in event.public_note and "5678" not in event.public_note
    assert "139****5678" in event.private_note  # staff see the masked phone
    assert fresh(case).state == "accepted"
    assert merging.reporter_count(fresh(case)) == 2


def test_following_twice_is_one_co_reporter(users):
    case = case_in("submitted", users)
    first = merging.follow(case, phone=CO_PHONE)
    again = merging.follow(fresh(case), phone=CO_PHONE)
    assert first.pk == again.pk
    assert CoReporter.objects.filter(case=case).count() == 1
    assert fresh(case).events.filter(action="co_report").count() == 1


def test_the_cases_own_reporter_cannot_follow_it_and_bad_phones_are_refused(users):
    case = case_in("submitted", users)
    with pytest.raises(ValidationError) as exc:
        merging.follow(case, phone=case.phone)
    assert "反映人" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        merging.follow(case, phone="12345")
    assert "phone" in exc.value.message_dict
    assert not CoReporter.objects.exists()


@pytest.mark.parametrize("state", ["closed", "rejected"])
def test_a_finished_case_takes_no_co_reporters(users, state):
    case = case_in(state, users)
    with pytest.raises(InvalidMove):
        merging.follow(case, phone=CO_PHONE)
    assert not CoReporter.objects.exists()


def test_a_co_reporter_gets_the_cases_sms_unless_they_opted_out(users):
    case = case_in("accepted", users)
    merging.follow(case, phone=CO_PHONE)
    merging.follow(fresh(case), phone="13700007777")
    CoReporter.objects.filter(phone="13700007777").update(sms_opt_out=True)
    services.dispatch(fresh(case), by=users["intake"], department=users["handler"].staff_profile.department)
    recipients = set(
        Message.objects.filter(event__action="dispatch", case=case).values_list("recipient", flat=True)
    )
    assert recipients == {case.phone, CO_PHONE}
    text = Message.objects.get(event__action="dispatch", recipient=CO_PHONE).text
    assert case.number in text


def test_a_co_reporter_may_rate_and_the_first_rating_makes_the_move(users):
    case = case_in("handling", users)
    merging.follow(case, phone=CO_PHONE)
    case = fresh(case)
    complete(case, users)
    case = fresh(case)
    first = services.rate(case, score="satisfied", phone_last4="5678")
    assert isinstance(first, Rating) and first.phone == CO_PHONE
    assert workflow.is_closed(fresh(case))
    # The case's own reporter may still rate that completion once: counted, no move.
    second = services.rate(fresh(case), score="basically_satisfied", phone_last4=case.phone[-4:])
    assert isinstance(second, ReporterRating) and second.phone == case.phone
    assert fresh(case).events.latest("at", "id").action == "co_rate"
    with pytest.raises(InvalidMove):
        services.rate(fresh(case), score="satisfied", phone_last4=case.phone[-4:])
    with pytest.raises(InvalidMove):
        services.rate(fresh(case), score="satisfied", phone_last4="5678")
    assert ReporterRating.objects.count() == 1 and Rating.objects.count() == 1


def test_wrong_digits_rate_nothing(users):
    case = case_in("completed", users)
    merging.follow(case, phone=CO_PHONE)
    with pytest.raises(ValidationError):
        services.rate(fresh(case), score="satisfied", phone_last4="0000")
    assert not Rating.objects.exists()


# --- 并单 and 拆分 ----------------------------------------------------------------------------


def test_merging_a_case_makes_it_follow_its_parent(users):
    parent = case_in("dispatched", users)
    child = case_in("accepted", users, phone="13600001111", description="楼道灯不亮")
    event = merging.merge(child, into=parent, by=users["intake"], note="同一楼栋同一问题")
    child = fresh(child)
    assert workflow.is_merged(child) and child.merged_into_id == parent.pk
    assert child.merged_from_state == "accepted"
    assert not workflow.is_open(child)
    assert event.public_note.startswith(f"已与诉求{parent.number}合并办理")
    # The parent's staff timeline says so; its stage stays.
    note = fresh(parent).events.filter(action="merge").get()
    assert not note.is_public and child.number in note.private_note
    assert fresh(parent).state == "dispatched"
    assert merging.parent_of(child).pk == parent.pk
    assert set(merging.reporter_phones(fresh(parent))) == {parent.phone, "13600001111"}


def test_the_merged_cases_reporter_gets_the_parents_messages_under_their_own_number(users):
    parent = case_in("dispatched", users)
    child = case_in("submitted", users, phone="13600001111")
    merging.merge(child, into=parent, by=users["intake"])
    services.start(fresh(parent), by=users["handler"])
    complete(fresh(parent), users)
    message = Message.objects.get(event__action="complete", recipient="13600001111")
    assert child.number in message.text and parent.number not in message.text
    # …and may rate the parent (through their own case), once.
    rating = services.rate(fresh(child), score="satisfied", phone_last4="1111")
    assert rating.case_id == parent.pk and workflow.is_closed(fresh(parent))


def test_unmerging_gives_the_child_its_stage_back(users):
    parent = case_in("accepted", users)
    child = case_in("dispatched", users, phone="13600001111")
    merging.merge(child, into=parent, by=users["intake"])
    event = merging.unmerge(fresh(child), by=users["intake"], reason="不是同一栋楼")
    child = fresh(child)
    assert child.state == "dispatched" and child.merged_into_id is None and child.merged_from_state == ""
    assert "不是同一栋楼" in event.public_note
    assert fresh(parent).events.filter(action="unmerge").exists()
    assert merging.reporter_phones(fresh(parent)) == [parent.phone]


def test_unmerging_needs_a_reason(users):
    parent = case_in("accepted", users)
    child = case_in("accepted", users)
    merging.merge(child, into=parent, by=users["intake"])
    with pytest.raises(ValidationError) as exc:
        merging.unmerge(fresh(child), by=users["intake"], reason="  ")
    assert "reason" in exc.value.message_dict
    assert workflow.is_merged(fresh(child))


def test_merging_into_itself_is_refused(users):
    case = case_in("accepted", users)
    with pytest.raises(ValidationError) as exc:
        merging.merge(case, into=case, by=users["intake"])
    assert "自己" in str(exc.value)
    assert fresh(case).version == case.version


def test_merging_into_a_merged_case_names_its_parent(users):
    parent = case_in("accepted", users)
    middle = case_in("accepted", users)
    child = case_in("accepted", users)
    merging.merge(middle, into=parent, by=users["intake"])
    with pytest.raises(ValidationError) as exc:
        merging.merge(child, into=fresh(middle), by=users["intake"])
    assert parent.number in str(exc.value)
    assert fresh(child).state == "accepted"


@pytest.mark.parametrize("state", ["closed", "rejected", "completed"])
def test_merging_into_a_finished_case_is_refused(users, state):
    parent = case_in(state, users)
    child = case_in("accepted", users)
    with pytest.raises(ValidationError):
        merging.merge(child, into=parent, by=users["intake"])
    assert fresh(child).state == "accepted"


def test_a_parent_cannot_itself_be_merged_away_so_there_are_no_cycles(users):
    a = case_in("accepted", users)
    b = case_in("accepted", users)
    merging.merge(b, into=a, by=users["intake"])
    with pytest.raises(ValidationError):
        merging.merge(fresh(a), into=fresh(b), by=users["intake"])
    with pytest.raises(ValidationError):
        merging.merge(fresh(a), into=case_in("accepted", users), by=users["intake"])
    assert fresh(a).state == "accepted"


def test_only_intake_merges_and_a_closed_case_cannot_be_merged(users):
    parent = case_in("accepted", users)
    child = case_in("dispatched", users)
    with pytest.raises(NotAllowed):
        merging.merge(child, into=parent, by=users["handler"])
    with pytest.raises(InvalidMove):
        merging.merge(case_in("closed", users), into=parent, by=users["intake"])
    with pytest.raises(InvalidMove):
        merging.unmerge(child, by=users["intake"], reason="x")


def test_two_merges_at_once_one_wins(users):
    parent = case_in("accepted", users)
    other = case_in("accepted", users)
    child = case_in("accepted", users)
    stale = fresh(child)
    merging.merge(child, into=parent, by=users["intake"])
    with pytest.raises((Conflict, InvalidMove)):
        merging.merge(stale, into=other, by=users["intake"])
    assert fresh(child).merged_into_id == parent.pk


def test_the_merged_childs_public_progress_shows_no_other_residents_data(users):
    parent = case_in("dispatched", users, name="王秀英", phone="13511112222", description="三楼水管爆裂")
    child = case_in("submitted", users, phone="13600001111")
    merging.merge(child, into=parent, by=users["intake"])
    progress = selectors.public_progress(fresh(child))
    text = repr(progress.__dict__)
    for secret in ("王秀英", "13511112222", "三楼水管爆裂"):
        assert secret not in text


def test_following_a_merged_case_follows_its_parent(users):
    parent = case_in("accepted", users)
    child = case_in("accepted", users, phone="13600001111")
    merging.merge(child, into=parent, by=users["intake"])
    co = merging.follow(fresh(child), phone=CO_PHONE)
    assert co.case_id == parent.pk


def test_a_submission_is_unaffected(users):
    case = submit()
    assert merging.reporter_phones(case) == [case.phone]


def test_plain_words_of_a_merged_case_say_where_its_parent_is(users):
    parent = case_in("dispatched", users)
    child = case_in("submitted", users)
    merging.merge(child, into=parent, by=users["intake"])
    words = selectors.plain_progress(selectors.public_progress(fresh(child)))
    assert words.startswith(f"您的诉求已与同一问题的诉求{parent.number}合并办理。")
    assert "物业科" in words
