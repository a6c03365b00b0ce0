"""The event listener keeps the aggregates exactly equal to what rebuild_stats computes."""

import io

import pytest
import time_machine
from django.core.management import call_command

from cases import services
from cases.errors import InvalidMove
from cases.models import AgeBand, Channel, Department, Rating
from stats.models import COLUMNS, KEY, CaseFact, StatRow
from tests.support.data import case_in, jpeg

from .conftest import local


def snapshot():
    rows = {
        tuple(r[k] for k in KEY): tuple(r[c] for c in COLUMNS) for r in StatRow.objects.values(*KEY, *COLUMNS)
    }
    facts = {f["case_id"]: f for f in CaseFact.objects.values()}
    return {k: v for k, v in rows.items() if any(v)}, facts


def assert_listener_equals_rebuild():
    live = snapshot()
    call_command("rebuild_stats", stdout=io.StringIO())
    assert snapshot() == live


def complete(case, users):
    services.complete(
        case, by=users["handler"], explanation="已修好", before=[jpeg("b.jpg")], after=[jpeg("a.jpg")]
    )


def test_aggregates_after_every_kind_of_move_equal_a_rebuild(users):
    property_dept = Department.objects.get(code="property")
    urban = Department.objects.get(code="urban")
    with time_machine.travel(local(2026, 3, 2, 10, 0), tick=True):
        rejected = case_in("rejected", users)
        assert_listener_equals_rebuild()
        a = case_in("submitted", users, age_band=AgeBand.AGE_60_PLUS)
        services.accept(a, by=users["intake"])
        services.dispatch(a, by=users["intake"], department=urban)
        assert_listener_equals_rebuild()
        b = case_in("closed", users, channel=Channel.ONLINE)
        assert_listener_equals_rebuild()
    with time_machine.travel(local(2026, 3, 9, 10, 0), tick=True):
        c = case_in("completed", users)
        services.rate(c, score="dissatisfied", comment="还是漏水", phone_last4=c.phone[-4:])
        assert_listener_equals_rebuild()
        complete(c, users)
        services.rate(c, score="satisfied", phone_last4=c.phone[-4:])
        assert_listener_equals_rebuild()
    assert rejected.state == "rejected" and b.state == "closed" and a.department == urban
    assert CaseFact.objects.count() == 4 and property_dept.pk


def test_a_return_moves_the_case_out_of_the_department(users):
    with time_machine.travel(local(2026, 3, 2, 10, 0), tick=True):
        case = case_in("dispatched", users)
        assert CaseFact.objects.get(pk=case.pk).department == case.department_id
        services.return_case(case, by=users["handler"], reason="不属于本部门")
        fact = CaseFact.objects.get(pk=case.pk)
        assert (fact.department, fact.returns) == (0, 1)
        assert_listener_equals_rebuild()


def test_a_case_rated_twice_across_a_reopen_counts_once_by_its_latest_rating(users):
    with time_machine.travel(local(2026, 3, 9, 10, 0), tick=True):
        case = case_in("completed", users)
        services.rate(case, score="dissatisfied", comment="还是漏水", phone_last4=case.phone[-4:])
        row = StatRow.objects.get(grain="d", received=1)
        assert (row.rated, row.dissatisfied, row.reopened, row.resolved) == (1, 1, 1, 0)
        complete(case, users)
        # The second answer comes on a follow-up call by the intake officer.
        services.rate(case, score="basically_satisfied", by=users["intake"], via=Rating.Via.FOLLOW_UP)
    row = StatRow.objects.get(grain="d", received=1)
    assert (row.rated, row.satisfied, row.basically, row.dissatisfied) == (1, 0, 1, 0)
    assert (row.reopened, row.resolved, row.completed) == (1, 1, 1)
    fact = CaseFact.objects.get(pk=case.pk)
    assert fact.score == "basically_satisfied"
    assert fact.feedback_at is not None  # still on the feedback list: it was reopened once
    assert_listener_equals_rebuild()


def test_a_failed_move_leaves_the_aggregates_unchanged(users):
    case = case_in("submitted", users)
    before = snapshot()
    with pytest.raises(InvalidMove):
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="urban"))
    assert snapshot() == before
