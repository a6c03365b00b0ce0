"""The public progress (five stages, no personal data) and the staff queues."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import selectors, services
from cases.models import Department
from tests.support.data import case_in, jpeg, submit


def _stages(progress) -> dict:
    return {s.key: s for s in progress.stages}


def _current(progress) -> list[str]:
    return [s.key for s in progress.stages if s.current]


def test_a_new_case_has_only_its_first_stage(users):
    progress = selectors.public_progress(submit())
    assert [s.key for s in progress.stages] == selectors.STAGE_KEYS
    assert [s.reached for s in progress.stages] == [True, False, False, False, False]
    assert _current(progress) == ["submitted"]
    assert progress.masked_name == "张**"


def test_each_reached_stage_shows_its_time_and_responsible_person(users):
    with time_machine.travel("2024-05-10 10:30 +0800", tick=False):
        case = case_in("handling", users)
    progress = selectors.public_progress(case)
    stages = _stages(progress)
    assert [s.reached for s in progress.stages] == [True, True, True, True, False]
    assert _current(progress) == ["handling"]
    assert stages["accepted"].actor == "张三"
    assert stages["dispatched"].actor == "物业科"
    assert stages["handling"].actor == "李四"
    assert timezone.localtime(stages["accepted"].at).strftime("%Y-%m-%d %H:%M") == "2024-05-10 10:30"
    assert stages["completed"].at is None and stages["completed"].actor == ""


def test_a_rejected_case_shows_the_reason(users):
    case = submit()
    services.reject(case, by=users["intake"], reason="不属于街道受理范围")
    progress = selectors.public_progress(case)
    stage = _stages(progress)["accepted"]
    assert (stage.label, stage.note, stage.current) == ("不予受理", "不属于街道受理范围", True)
    assert progress.rejected_reason == "不属于街道受理范围"
    assert not _stages(progress)["dispatched"].reached


def test_after_a_return_the_case_is_back_at_accepted(users):
    case = case_in("dispatched", users)
    services.return_case(case, by=users["handler"], reason="不属于本部门")
    progress = selectors.public_progress(case)
    assert _current(progress) == ["accepted"]
    assert not _stages(progress)["dispatched"].reached
    services.dispatch(case, by=users["intake"], department=Department.objects.get(code="urban"))
    assert _stages(selectors.public_progress(case))["dispatched"].actor == "城管科"


def test_after_a_reopen_handling_is_current_and_the_department_is_responsible(users):
    case = case_in("completed", users)
    services.rate(case, score="dissatisfied", phone_last4="1234")
    progress = selectors.public_progress(case)
    assert _current(progress) == ["handling"]
    assert not _stages(progress)["completed"].reached
    assert _stages(progress)["handling"].actor == "物业科"
    assert progress.resolution is None
    assert [e.action for e in progress.events][-1] == "reopen"


def test_a_completed_case_shows_its_resolution_with_before_and_after_photos(users):
    case = case_in("handling", users)
    services.complete(
        case, by=users["handler"], explanation="已修好", before=[jpeg(), jpeg()], after=[jpeg()]
    )
    progress = selectors.public_progress(case)
    assert _current(progress) == ["completed"]
    assert progress.resolution.explanation == "已修好"
    assert [p.kind for p in progress.before_photos] == ["before", "before"]
    assert [p.kind for p in progress.after_photos] == ["after"]
    assert progress.can_rate


def test_the_residents_own_photos_are_not_among_the_resolution_photos(users):
    case = case_in("completed", users, photo_files=[jpeg("home.jpg")])
    progress = selectors.public_progress(case)
    photos = progress.before_photos + progress.after_photos
    assert all(p.is_public for p in photos)
    assert "photo" not in {p.kind for p in photos}


def test_no_private_note_or_personal_data_in_the_stages(users):
    case = case_in("completed", users)
    services.rate(case, score="dissatisfied", comment="我的电话13800001234,张桂兰", phone_last4="1234")
    services.complete(case, by=users["handler"], explanation="重新更换", before=[jpeg()], after=[jpeg()])
    progress = selectors.public_progress(case)
    text = " ".join(f"{s.label} {s.actor} {s.note}" for s in progress.stages)
    assert "13800001234" not in text and "张桂兰" not in text
    public_notes = " ".join(e.public_note for e in progress.events)
    assert "13800001234" not in public_notes


def test_an_appointment_is_visible(users):
    case = case_in("dispatched", users)
    at = timezone.now() + timedelta(days=1)
    services.start(case, by=users["handler"], appointment_at=at)
    progress = selectors.public_progress(case)
    assert progress.case.appointment_at == at
    assert "预约上门时间" in _stages(progress)["handling"].note or any(
        "预约上门时间" in e.public_note for e in progress.events
    )


def test_a_closed_case_still_shows_completed_as_current(users):
    progress = selectors.public_progress(case_in("closed", users))
    assert _current(progress) == ["completed"]
    assert not progress.can_rate


@pytest.fixture
def every_stage(staff):
    return {
        state: case_in(state, staff)
        for state in ("submitted", "accepted", "dispatched", "handling", "completed", "rejected")
    }


def test_queues_per_role(staff, every_stage):
    def queue(who):
        return {c.state for c in selectors.queue(staff[who])}

    assert queue("intake") == {"submitted", "accepted"}
    assert queue("handler") == {"dispatched", "handling"}
    assert queue("other_handler") == set()
    assert queue("supervisor") == {"submitted", "accepted", "dispatched", "handling"}
    assert queue("volunteer") == set()
    assert not selectors.queue(None).exists()


def test_a_queue_is_oldest_first(users):
    with time_machine.travel("2024-05-10 09:00 +0800", tick=False):
        old = submit()
    with time_machine.travel("2024-05-10 10:00 +0800", tick=False):
        new = submit()
    assert list(selectors.queue(users["intake"])) == [old, new]
