"""The write services: validation that saves nothing, and each move's rules."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import photos, services
from cases.deadlines import WorkCalendar
from cases.errors import InvalidMove, NotAllowed
from cases.models import Attachment, Case, CaseEvent, Category, Community, Department, Rating, Resolution
from tests.support.data import case_in, jpeg, submit


def _nothing_saved(stored_files):
    assert not Case.objects.exists()
    assert not CaseEvent.objects.exists()
    assert not Attachment.objects.exists()
    assert stored_files() == []


def _fields(exc) -> set[str]:
    return set(exc.value.message_dict)


# --- submit_case -------------------------------------------------------------------------------


BAD_SUBMISSIONS = [
    ("category", {"category": None}),
    ("community", {"community": None}),
    ("description", {"description": ""}),
    ("description", {"description": "   \n "}),
    ("description", {"description": "漏" * 4001}),
    ("address", {"address": "楼" * 201}),
    ("address", {"address": ""}),
    ("name", {"name": "张" * 51}),
    ("name", {"name": ""}),
    ("phone", {"phone": ""}),
    ("phone", {"phone": "12345"}),
    ("phone", {"phone": "1380000123"}),
    ("phone", {"phone": "138000012345"}),
    ("phone", {"phone": "23800001234"}),
    ("phone", {"phone": "１３８００００１２３４"}),
    ("phone", {"phone": "138-0000-123a"}),
    ("description", {"description": "<script>alert(1)</script>"}),
    ("description", {"description": "水管<b>坏了</b>"}),
    ("name", {"name": "<img src=x onerror=alert(1)>"}),
    ("address", {"address": "3栋</td>"}),
    ("description", {"description": "漏水\x00严重"}),
    ("description", {"description": "漏水\x1b[31m严重"}),
    ("name", {"name": "张\x07三"}),
    ("age_band", {"age_band": "70_plus"}),
    ("email", {"email": "not-an-email"}),
    ("email", {"email": "<script>@x.cn"}),
    ("lat", {"lat": "91", "long": "108.5"}),
    ("lat", {"lat": "abc", "long": "108.5"}),
    ("lat", {"lat": "30.8", "long": "1e400"}),
]


@pytest.mark.parametrize(
    ("field", "overrides"), BAD_SUBMISSIONS, ids=[f"{f}-{i}" for i, (f, _) in enumerate(BAD_SUBMISSIONS)]
)
def test_submit_refuses_bad_input_naming_the_field_and_saves_nothing(field, overrides, users, stored_files):
    with pytest.raises(ValidationError) as exc:
        submit(photo_files=[jpeg()], **overrides)
    assert field in _fields(exc)
    assert all(exc.value.message_dict[field])
    _nothing_saved(stored_files)


def test_submit_refuses_an_inactive_category_and_community(users, stored_files):
    Category.objects.filter(code="infrastructure").update(is_active=False)
    Community.objects.filter(code="zhuzhi").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        submit()
    assert {"category", "community"} <= _fields(exc)
    _nothing_saved(stored_files)


def test_submit_refuses_a_bad_photo_and_keeps_no_file(users, stored_files):
    bad = SimpleUploadedFile("x.jpg", b"not an image at all")
    with pytest.raises(ValidationError) as exc:
        submit(photo_files=[jpeg(), bad])
    assert "photos" in _fields(exc)
    _nothing_saved(stored_files)


def test_submit_reports_every_bad_field_at_once(users):
    with pytest.raises(ValidationError) as exc:
        submit(description="", phone="1", name="")
    assert {"description", "phone", "name"} <= _fields(exc)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13800001234", "13800001234"),
        ("+86 138 0000 1234", "13800001234"),
        ("0086-138-0000-1234", "13800001234"),
        ("023-12345678", "02312345678"),
        ("(023) 1234 5678", "02312345678"),
    ],
)
def test_submit_accepts_the_usual_ways_of_writing_a_phone_number(raw, stored, users):
    assert submit(phone=raw).phone == stored


def test_submit_accepts_a_lone_less_than_sign_and_the_longest_allowed_text(users):
    case = submit(description="温度<0,水管冻裂" + "。" * 3991, address="楼" * 200, name="张" * 50)
    assert case.description.startswith("温度<0")
    assert len(Case.objects.get(pk=case.pk).description) == 4000


def test_submit_keeps_line_breaks_and_trims_spaces(users):
    case = submit(description="  第一行\n第二行  ")
    assert case.description == "第一行\n第二行"


def test_submit_stores_photos_and_writes_one_event(users, stored_files):
    case = submit(photo_files=[jpeg(), jpeg("b.jpg")], age_band="60_plus")
    assert case.attachments.filter(kind="photo").count() == 2
    assert len(stored_files()) == 4  # two photos, two thumbnails
    assert [e.action for e in case.events.all()] == ["submit"]
    # Stage 1's limit is the category's accept limit, in working hours (cases.deadlines).
    limit = case.category.accept_limit_hours
    assert case.due_at == WorkCalendar().add_working_hours(case.submitted_at, limit)


def test_submit_rounds_a_position_to_the_stored_precision(users):
    case = submit(lat="30.123456789", long="109.4")
    case.refresh_from_db()
    assert str(case.lat) == "30.123457"


def test_a_failed_store_removes_the_files_already_saved_and_the_case(users, stored_files, monkeypatch):
    real = photos.store_photo
    calls = []

    def flaky(photo):
        calls.append(photo)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(photo)

    monkeypatch.setattr(photos, "store_photo", flaky)
    with pytest.raises(OSError):
        submit(photo_files=[jpeg(), jpeg("b.jpg")])
    _nothing_saved(stored_files)


def test_an_anonymous_user_submits_online_like_the_public(users):
    case = submit(by=AnonymousUser())
    assert case.submitted_by is None
    assert case.events.get().actor is None


def test_a_volunteer_registers_a_case_on_behalf(users):
    case = submit(channel="help_desk", by=users["volunteer"])
    assert case.submitted_by == users["volunteer"]
    assert "小王" in case.events.get().public_note


# --- reject, dispatch, return --------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "<b>no</b>", "因" * 501])
def test_reject_needs_a_plain_reason(reason, users):
    case = submit()
    with pytest.raises(ValidationError) as exc:
        services.reject(case, by=users["intake"], reason=reason)
    assert "reason" in _fields(exc)
    assert Case.objects.get(pk=case.pk).state == "submitted"


def test_reject_stores_the_reason_as_the_public_note(users):
    case = submit()
    event = services.reject(case, by=users["intake"], reason="不属于受理范围")
    assert (case.state, event.public_note) == ("rejected", "不属于受理范围")


def test_dispatch_refuses_a_case_that_was_never_accepted(users, property_dept):
    case = submit()
    with pytest.raises(InvalidMove):
        services.dispatch(case, by=users["intake"], department=property_dept)
    assert Case.objects.get(pk=case.pk).department is None


@pytest.mark.parametrize("department", [None, "inactive"])
def test_dispatch_needs_an_active_department(department, users, property_dept):
    case = case_in("accepted", users)
    if department == "inactive":
        Department.objects.filter(pk=property_dept.pk).update(is_active=False)
        department = Department.objects.get(pk=property_dept.pk)
    with pytest.raises(ValidationError) as exc:
        services.dispatch(case, by=users["intake"], department=department)
    assert "department" in _fields(exc)
    assert Case.objects.get(pk=case.pk).state == "accepted"


@pytest.mark.parametrize("reason", ["", "x" * 501])
def test_return_needs_a_reason(reason, users):
    case = case_in("dispatched", users)
    with pytest.raises(ValidationError):
        services.return_case(case, by=users["handler"], reason=reason)
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_return_takes_the_case_and_its_appointment_away_from_the_department(users):
    case = case_in("dispatched", users)
    services.set_appointment(case, by=users["handler"], appointment_at=timezone.now() + timedelta(days=1))
    services.return_case(case, by=users["handler"], reason="不属于本部门职责")
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.department, fresh.appointment_at) == ("accepted", None, None)


def test_return_by_a_handler_of_another_department_is_not_allowed(staff):
    case = case_in("dispatched", staff)
    with pytest.raises(NotAllowed):
        services.return_case(case, by=staff["other_handler"], reason="不是我们的")


# --- start and appointments --------------------------------------------------------------------


@pytest.mark.parametrize(
    "delta",
    [timedelta(hours=-1), timedelta(days=-3), timedelta(days=91)],
    ids=["past", "days-ago", "91-days"],
)
def test_start_refuses_an_appointment_in_the_past_or_too_far_ahead(delta, users):
    case = case_in("dispatched", users)
    with pytest.raises(ValidationError) as exc:
        services.start(case, by=users["handler"], appointment_at=timezone.now() + delta)
    assert "appointment_at" in _fields(exc)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.appointment_at) == ("dispatched", None)


def test_set_appointment_needs_a_time_and_validates_it(users):
    case = case_in("handling", users)
    for value in (None, timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=100)):
        with pytest.raises(ValidationError):
            services.set_appointment(case, by=users["handler"], appointment_at=value)
    assert Case.objects.get(pk=case.pk).version == case.version


def test_start_with_an_appointment_shows_it_in_local_time(users):
    case = case_in("dispatched", users)
    with time_machine.travel("2024-05-10 02:00 +0000", tick=False):
        # 2024-05-11 01:30 UTC is 09:30 in Chongqing, whatever time zone the request activated.
        at = datetime(2024, 5, 11, 1, 30, tzinfo=UTC)
        with timezone.override("UTC"):
            event = services.start(case, by=users["handler"], appointment_at=at)
    assert Case.objects.get(pk=case.pk).appointment_at == at
    assert "2024-05-11 09:30" in event.public_note


# --- complete ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "kwargs"),
    [
        ("explanation", {"explanation": ""}),
        ("explanation", {"explanation": "<script>x</script>"}),
        ("before", {"before": []}),
        ("after", {"after": []}),
        ("after", {"after": [SimpleUploadedFile("a.jpg", b"GIF89a not really")]}),
    ],
)
def test_complete_is_refused_without_explanation_and_both_photos(missing, kwargs, users, stored_files):
    case = case_in("handling", users)
    files_before = stored_files()
    fields = {"explanation": "已修好", "before": [jpeg("b.jpg")], "after": [jpeg("a.jpg")]}
    fields.update(kwargs)
    with pytest.raises(ValidationError) as exc:
        services.complete(case, by=users["handler"], **fields)
    assert missing in _fields(exc)
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.state, fresh.version) == ("handling", case.version)
    assert not Resolution.objects.exists()
    assert stored_files() == files_before


def test_a_failed_completion_leaves_no_file_and_the_case_object_unchanged(users, stored_files, monkeypatch):
    case = case_in("handling", users)
    files_before, version = stored_files(), case.version
    real = photos.store_photo
    calls = []

    def flaky(photo):
        calls.append(photo)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(photo)

    monkeypatch.setattr(photos, "store_photo", flaky)
    with pytest.raises(OSError):
        services.complete(case, by=users["handler"], explanation="已修好", before=[jpeg()], after=[jpeg()])
    assert stored_files() == files_before
    assert (case.state, case.version) == ("handling", version)
    assert Case.objects.get(pk=case.pk).state == "handling"
    assert not Resolution.objects.exists()


def test_complete_files_the_resolution_with_its_photos(users):
    case = case_in("handling", users)
    event = services.complete(
        case, by=users["handler"], explanation="已更换水龙头", before=[jpeg()], after=[jpeg(), jpeg()]
    )
    resolution = Resolution.objects.get(event=event)
    assert resolution.explanation == "已更换水龙头"
    assert sorted(a.kind for a in resolution.attachments.all()) == ["after", "after", "before"]


# --- rate ----------------------------------------------------------------------------------------


def test_rate_refuses_wrong_digits_and_changes_nothing(users):
    case = case_in("completed", users)
    for digits in ("0000", "12", "abcd", "１２３４", ""):
        with pytest.raises(ValidationError):
            services.rate(case, score="satisfied", phone_last4=digits)
    assert Case.objects.get(pk=case.pk).state == "completed"
    assert not Rating.objects.exists()


def test_rate_limits_wrong_guesses_across_calls(users, settings):
    settings.MINSHENG_RATING_MAX_TRIES = 3
    case = case_in("completed", users)
    for _ in range(3):
        with pytest.raises(ValidationError):
            services.rate(Case.objects.get(pk=case.pk), score="satisfied", phone_last4="0000")
    with pytest.raises(NotAllowed):
        services.rate(Case.objects.get(pk=case.pk), score="satisfied", phone_last4="1234")
    assert not Rating.objects.exists()


def test_rate_satisfied_closes_the_case(users):
    case = case_in("completed", users)
    rating = services.rate(case, score="satisfied", comment="很好", phone_last4="1234")
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert (rating.score, rating.comment) == ("satisfied", "很好")
    event = case.events.last()
    assert event.action == "rate" and event.actor is None and event.actor_name == "居民"


def test_rate_by_an_anonymous_user_is_a_public_rating(users):
    case = case_in("completed", users)
    services.rate(case, score="basically_satisfied", phone_last4="1234", by=AnonymousUser())
    assert Case.objects.get(pk=case.pk).state == "closed"


def test_dissatisfied_reopens_and_the_next_completion_can_be_rated_again(users):
    case = case_in("completed", users)
    services.rate(case, score="dissatisfied", comment="还在漏", phone_last4="1234")
    assert Case.objects.get(pk=case.pk).state == "handling"
    assert case.events.last().action == "reopen"
    services.complete(case, by=users["handler"], explanation="重新更换", before=[jpeg()], after=[jpeg()])
    services.rate(case, score="satisfied", phone_last4="1234")
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert Rating.objects.filter(case=case).count() == 2
    assert Rating.objects.filter(case=case).values("resolution").distinct().count() == 2


def test_a_second_rating_of_the_same_completion_is_refused(users):
    case = case_in("completed", users)
    stale = Case.objects.get(pk=case.pk)
    services.rate(case, score="satisfied", phone_last4="1234")
    with pytest.raises(InvalidMove):
        services.rate(case, score="satisfied", phone_last4="1234")
    with pytest.raises((InvalidMove, Exception)) as exc:
        services.rate(stale, score="dissatisfied", phone_last4="1234")
    assert type(exc.value).__name__ in {"InvalidMove", "Conflict"}
    assert Rating.objects.count() == 1
    assert Case.objects.get(pk=case.pk).state == "closed"
    assert (stale.state, stale.version) == ("completed", case.version - 1)


def test_rate_refuses_an_unknown_score(users):
    case = case_in("completed", users)
    with pytest.raises(ValidationError) as exc:
        services.rate(case, score="great", phone_last4="1234")
    assert "score" in _fields(exc)


def test_a_volunteer_records_a_follow_up_rating_without_digits(users):
    case = case_in("completed", users)
    Case.objects.filter(pk=case.pk).update(submitted_by=users["volunteer"])
    case.submitted_by = users["volunteer"]
    rating = services.rate(case, score="satisfied", by=users["volunteer"], via="follow_up")
    assert rating.recorded_by == users["volunteer"]
    assert "电话回访" in case.events.last().public_note


# --- close_unrated -------------------------------------------------------------------------------


def test_close_unrated_closes_only_completed_cases_past_the_window(users, settings):
    settings.MINSHENG_RATING_WINDOW_DAYS = 7
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False):
        old = case_in("completed", users)
        old_handling = case_in("handling", users)
    with time_machine.travel("2024-05-06 10:00 +0800", tick=False):
        recent = case_in("completed", users)
    with time_machine.travel("2024-05-08 09:59 +0800", tick=False):
        assert services.close_unrated() == 0
    with time_machine.travel("2024-05-08 10:01 +0800", tick=False):
        assert services.close_unrated() == 1
        assert services.close_unrated() == 0
    states = {c.pk: c.state for c in Case.objects.all()}
    assert states[old.pk] == "closed"
    assert states[recent.pk] == "completed"
    assert states[old_handling.pk] == "handling"
    event = old.events.last()
    assert (event.action, event.actor, event.public_note) == ("auto_close", None, "超时未评价,自动办结")


def test_close_unrated_counts_from_the_latest_completion_after_a_reopen(users, settings):
    settings.MINSHENG_RATING_WINDOW_DAYS = 7
    with time_machine.travel("2024-05-01 10:00 +0800", tick=False):
        case = case_in("completed", users)
        services.rate(case, score="dissatisfied", phone_last4="1234")
    with time_machine.travel("2024-05-07 10:00 +0800", tick=False):
        services.complete(case, by=users["handler"], explanation="重修", before=[jpeg()], after=[jpeg()])
    with time_machine.travel("2024-05-10 10:00 +0800", tick=False):
        assert services.close_unrated() == 0
    assert Case.objects.get(pk=case.pk).state == "completed"
