"""cases.submission: the one way in, whichever channel calls it."""

import pytest
from django.core.exceptions import ValidationError

from cases import idempotency, submission
from cases.errors import KeyReused, NotAllowed
from cases.models import Case, Category


def fields(**overrides):
    values = {
        "category": "infrastructure",
        "community": "zhuzhi",
        "address": "3栋2单元5楼",
        "description": "楼道灯坏了,晚上看不见。",
        "name": "张桂兰",
        "phone": "13800001234",
    }
    values.update(overrides)
    return values


def test_codes_or_rows_name_the_reference_data(users):
    by_code = submission.submit(**fields()).case
    by_row = submission.submit(**fields(category=Category.objects.get(code="infrastructure"))).case
    assert by_code.category == by_row.category
    assert by_code.channel == "online" and by_code.submitted_by is None


def test_unknown_codes_are_reported_with_every_other_error_and_nothing_is_saved(users):
    with pytest.raises(ValidationError) as info:
        submission.submit(**fields(category="no-such", community="nowhere", phone="12345", address=""))
    errors = info.value.message_dict
    assert "no-such" in errors["category"][0]
    assert "nowhere" in errors["community"][0]
    assert {"phone", "address"} <= set(errors)
    assert not Case.objects.exists()


def test_an_inactive_category_is_refused_like_an_unknown_one(users):
    Category.objects.filter(code="noise").update(is_active=False)
    with pytest.raises(ValidationError) as info:
        submission.submit(**fields(category="noise"))
    assert "category" in info.value.message_dict


def test_a_volunteer_registers_at_their_desk_for_its_community_by_default(users):
    case = submission.submit(**fields(community=""), by=users["volunteer"], consent=True).case
    assert (case.channel, case.desk.code, case.community.code) == ("help_desk", "zhuzhi-desk", "zhuzhi")


def test_intake_must_say_whether_it_was_a_call_or_a_visit(users):
    with pytest.raises(ValidationError) as info:
        submission.submit(**fields(), by=users["intake"])
    assert "channel" in info.value.message_dict
    case = submission.submit(**fields(), by=users["intake"], channel="phone").case
    assert case.channel == "phone" and case.submitted_by == users["intake"]


def test_staff_cannot_register_through_the_residents_own_channel(users):
    with pytest.raises(ValidationError) as info:
        submission.submit(**fields(), by=users["volunteer"], channel="online", consent=True)
    assert "channel" in info.value.message_dict
    assert not Case.objects.exists()


def test_the_public_cannot_pretend_to_be_a_desk_or_a_phone_line(users):
    with pytest.raises(NotAllowed):
        submission.submit(**fields(), channel="phone")
    assert not Case.objects.exists()


def test_a_key_makes_a_retry_answer_with_the_first_case_and_refuses_another_body(users):
    claim = idempotency.Claim(scope="test", key="k" * 20, fingerprint="one")
    first = submission.submit(**fields(), key=claim)
    again = submission.submit(**fields(), key=claim)
    assert (again.case.pk, again.replayed, first.replayed) == (first.case.pk, True, False)
    with pytest.raises(KeyReused):
        submission.submit(**fields(), key=idempotency.Claim(scope="test", key="k" * 20, fingerprint="two"))
    assert Case.objects.count() == 1
