"""主办 / 协办: dispatch to a lead department with co-handlers; each reports its part once; the lead
completes only after every co-handler has reported or been waived."""

import pytest
from django.core.exceptions import ValidationError

from cases import access, cohandling, dispatching, selectors, services, workflow
from cases.errors import Conflict, InvalidMove, NotAllowed
from cases.models import Attachment, Case, CoHandling, Department
from cases.workflow import Action
from tests.support.data import case_in, jpeg


def dept(code):
    return Department.objects.get(code=code)


def co_case(staff, state="dispatched", co=("urban",)):
    """A case dispatched to 物业科 (lead) with co-handlers, moved on to `state`."""
    case = case_in("accepted", staff)
    services.dispatch(
        case, by=staff["intake"], department=dept("property"), co_departments=[dept(c) for c in co]
    )
    if state == "handling":
        services.start(case, by=staff["handler"])
    return Case.objects.get(pk=case.pk)


def test_dispatch_with_co_handlers_writes_their_rows_and_names_them_publicly(staff):
    case = co_case(staff, co=("urban", "municipal"))
    assert sorted(case.co_handlings.values_list("department__code", flat=True)) == ["municipal", "urban"]
    progress = selectors.public_progress(case)
    assert progress.events[-1].public_note == "协办部门:城管科、市政科"
    assert [c["name"] for c in progress.co_departments] == ["城管科", "市政科"]
    assert not any(c["reported"] for c in progress.co_departments)


def test_the_lead_cannot_also_be_a_co_handler_and_nothing_changes(staff):
    case = case_in("accepted", staff)
    version = case.version
    with pytest.raises(ValidationError) as exc:
        services.dispatch(
            case, by=staff["intake"], department=dept("property"), co_departments=[dept("property")]
        )
    assert "主办部门物业科不能同时作为协办部门" in str(exc.value.message_dict["co_departments"])
    case.refresh_from_db()
    assert (case.version, case.department, CoHandling.objects.count()) == (version, None, 0)


def test_an_inactive_co_department_is_refused(staff):
    case = case_in("accepted", staff)
    Department.objects.filter(code="urban").update(is_active=False)
    with pytest.raises(ValidationError) as exc:
        services.dispatch(
            case, by=staff["intake"], department=dept("property"), co_departments=[dept("urban")]
        )
    assert "已停用" in str(exc.value)
    assert Case.objects.get(pk=case.pk).version == case.version


def test_co_handlers_see_the_case_in_their_queue_until_they_report(staff):
    case = co_case(staff)
    urban = staff["other_handler"]
    assert access.visible_cases(urban).filter(pk=case.pk).exists()
    assert list(selectors.queue(urban)) == [case]
    cohandling.contribute(case, by=urban, note="已清理占道杂物。")
    assert list(selectors.queue(urban)) == []
    assert access.visible_cases(urban).filter(pk=case.pk).exists()  # still open to look at


@pytest.mark.parametrize("action", [Action.COMPLETE, Action.RETURN, Action.DISPUTE, Action.START])
def test_a_co_handler_cannot_complete_return_dispute_or_start(staff, action):
    case = co_case(staff, state="handling" if action == Action.COMPLETE else "dispatched")
    assert not workflow.can(staff["other_handler"], action, case)
    assert workflow.can(staff["other_handler"], Action.CONTRIBUTE, case)
    assert not workflow.can(staff["handler"], Action.CONTRIBUTE, case)  # the lead does not co-handle


def test_a_co_handler_reports_its_part_with_photos(staff, stored_files):
    case = co_case(staff, state="handling")
    event = cohandling.contribute(
        case, by=staff["other_handler"], note="已清理占道杂物。", photo_files=[jpeg("a.jpg")]
    )
    row = case.co_handlings.get()
    assert row.is_reported and row.note == "已清理占道杂物。" and row.reported_by == staff["other_handler"]
    photo = row.attachments.get()
    assert photo.kind == Attachment.Kind.CONTRIBUTION and not photo.is_public
    assert event.public_note == "协办部门城管科已办理" and "已清理占道杂物" in event.private_note
    assert Case.objects.get(pk=case.pk).state == "handling"
    assert selectors.public_progress(Case.objects.get(pk=case.pk)).co_departments[0]["reported"]


def test_reporting_twice_is_refused_and_changes_nothing(staff):
    case = co_case(staff)
    cohandling.contribute(case, by=staff["other_handler"], note="第一次报告。")
    case.refresh_from_db()
    version = case.version
    with pytest.raises(InvalidMove) as exc:
        cohandling.contribute(case, by=staff["other_handler"], note="第二次报告。")
    assert "报告过协办情况,不能重复报告" in exc.value.message
    assert Case.objects.get(pk=case.pk).version == version
    assert case.co_handlings.get().note == "第一次报告。"


def test_a_note_is_required_and_a_bad_photo_is_refused(staff):
    case = co_case(staff)
    with pytest.raises(ValidationError) as exc:
        cohandling.contribute(case, by=staff["other_handler"], note="  ", photo_files=[jpeg("a.jpg")])
    assert "note" in exc.value.message_dict
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        cohandling.contribute(case, by=staff["other_handler"], note="好了", photo_files=[bad])
    assert "photos" in exc.value.message_dict
    assert not case.co_handlings.get().is_reported
    assert Case.objects.get(pk=case.pk).version == case.version


def test_the_lead_cannot_complete_before_every_co_handler_reported(staff):
    case = co_case(staff, state="handling", co=("urban", "municipal"))
    cohandling.contribute(case, by=staff["other_handler"], note="已办理。")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.complete(case, by=staff["handler"], explanation="修好了", before=[jpeg()], after=[jpeg()])
    message = str(exc.value)
    assert "市政科" in message and "城管科" not in message
    case.refresh_from_db()
    assert case.state == "handling" and not case.resolutions.exists()


def test_a_supervisor_waives_a_co_handler_and_the_lead_completes(staff):
    case = co_case(staff, state="handling")
    row = case.co_handlings.get()
    with pytest.raises(NotAllowed):
        cohandling.waive(case, by=staff["handler"], co_handling=row, reason="无需协办")
    cohandling.waive(case, by=staff["supervisor"], co_handling=row, reason="城管科已另行处理")
    row.refresh_from_db()
    assert row.is_waived and row.waived_by == staff["supervisor"]
    event = case.events.latest("at", "id")
    assert event.action == "waive_cohandler" and not event.is_public
    assert not workflow.can(staff["other_handler"], Action.CONTRIBUTE, case)
    services.complete(case, by=staff["handler"], explanation="修好了", before=[jpeg()], after=[jpeg()])
    assert Case.objects.get(pk=case.pk).state == "completed"


def test_waiving_a_reported_co_handler_is_refused(staff):
    case = co_case(staff)
    cohandling.contribute(case, by=staff["other_handler"], note="已办理。")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        cohandling.waive(case, by=staff["supervisor"], co_handling=case.co_handlings.get(), reason="x")
    assert "co_handling" in exc.value.message_dict


def test_two_reports_at_once_one_wins(staff):
    case = co_case(staff)
    stale = Case.objects.get(pk=case.pk)
    cohandling.contribute(case, by=staff["other_handler"], note="甲")
    with pytest.raises((Conflict, InvalidMove)):
        cohandling.contribute(stale, by=staff["other_handler"], note="乙")
    assert case.co_handlings.get().note == "甲"
    assert case.events.filter(action="contribute").count() == 1


def test_return_clears_co_handlers_reassign_keeps_them_but_the_new_lead(staff):
    case = co_case(staff, co=("urban", "municipal"))
    dispatching.reassign(case, by=staff["intake"], department=dept("municipal"), reason="市政设施")
    assert list(case.co_handlings.values_list("department__code", flat=True)) == ["urban"]
    case = Case.objects.get(pk=case.pk)
    services.return_case(case, by=handler_of("municipal"), reason="不是市政设施")
    assert not CoHandling.objects.filter(case=case).exists()


def handler_of(code):
    from django.contrib.auth.models import Group, User

    from cases import roles
    from cases.models import StaffProfile

    user = User.objects.create_user(f"{code}-handler", first_name=code)
    user.groups.add(Group.objects.get(name=roles.HANDLER))
    StaffProfile.objects.create(user=user, department=dept(code))
    return user


def test_the_plain_words_progress_names_the_lead_and_the_co_handlers(staff):
    case = co_case(staff)
    assert "物业科(城管科协办)" in selectors.plain_progress(selectors.public_progress(case))
