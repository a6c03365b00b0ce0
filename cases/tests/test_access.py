"""Reaching cases: a case one may not see does not exist, and personal data stays with staff."""

import pytest
from django.contrib.auth.models import AnonymousUser, User

from cases import access
from cases.errors import CaseNotFound
from tests.support.data import case_in, submit


@pytest.mark.parametrize(
    "number", ["", "abc", "20240510", "20240510-0001' OR '1'='1", "２０２４０５１０-０００１", "x" * 500]
)
def test_case_for_public_refuses_malformed_numbers(number, users):
    submit()
    with pytest.raises(CaseNotFound) as exc:
        access.case_for_public(number)
    assert len(exc.value.message) < 120


def test_case_for_public_refuses_an_unknown_number(users):
    with pytest.raises(CaseNotFound):
        access.case_for_public("20240510-0999")


def test_case_for_public_finds_a_number_with_surrounding_spaces(users):
    case = submit()
    assert access.case_for_public(f"  {case.number} ") == case


@pytest.fixture
def two_cases(staff):
    ours = case_in("dispatched", staff)
    by_volunteer = submit(channel="help_desk", by=staff["volunteer"])
    return ours, by_volunteer


@pytest.mark.parametrize("who", ["intake", "supervisor", "admin"])
def test_intake_supervisor_and_admin_see_every_case(who, staff, two_cases):
    for case in two_cases:
        assert access.case_for_staff(staff[who], case.number) == case
        assert access.can_see_personal_data(staff[who], case)


def test_a_handler_sees_only_his_departments_cases(staff, two_cases):
    ours, undispatched = two_cases
    assert access.case_for_staff(staff["handler"], ours.number) == ours
    with pytest.raises(CaseNotFound):
        access.case_for_staff(staff["handler"], undispatched.number)
    with pytest.raises(CaseNotFound):
        access.case_for_staff(staff["other_handler"], ours.number)
    assert access.can_see_personal_data(staff["handler"], ours)
    assert not access.can_see_personal_data(staff["other_handler"], ours)


def test_a_handler_without_a_department_sees_nothing(staff, two_cases):
    profile = staff["handler"].staff_profile
    profile.department = None
    profile.save()
    handler = User.objects.get(pk=staff["handler"].pk)
    assert not access.visible_cases(handler).exists()


def test_a_volunteer_sees_only_what_they_submitted(staff, two_cases):
    ours, by_volunteer = two_cases
    assert access.case_for_staff(staff["volunteer"], by_volunteer.number) == by_volunteer
    with pytest.raises(CaseNotFound):
        access.case_for_staff(staff["volunteer"], ours.number)
    assert not access.can_see_personal_data(staff["volunteer"], ours)


@pytest.mark.parametrize("who", [None, "anonymous", "resident", "inactive_intake"])
def test_nobody_else_sees_anything(who, staff, two_cases):
    user = {"anonymous": AnonymousUser(), None: None}.get(who)
    if who == "resident":
        user = User.objects.create_user("resident")
    if who == "inactive_intake":
        staff["intake"].is_active = False
        staff["intake"].save()
        user = User.objects.get(pk=staff["intake"].pk)
    for case in two_cases:
        with pytest.raises(CaseNotFound):
            access.case_for_staff(user, case.number)
        assert not access.can_see_personal_data(user, case)
