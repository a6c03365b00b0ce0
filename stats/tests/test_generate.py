"""generate_cases: a synthetic population whose dashboard figures are those of a rebuild."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command

from cases.models import Case, CaseEvent, Channel, Rating, State
from stats.models import CaseFact, StatRow

from .test_listener import assert_listener_equals_rebuild


def test_generated_cases_come_with_the_same_statistics_a_rebuild_computes(users):
    call_command("generate_cases", "--cases", "600", "--days", "60", stdout=io.StringIO())
    assert Case.objects.count() == 600
    assert CaseFact.objects.count() == 600
    assert StatRow.objects.filter(grain="d").exists()
    assert_listener_equals_rebuild()


def test_the_population_is_varied_like_real_intake(users):
    # Which cases are still waiting depends on the hour the population ends at: a fixed one (a
    # Wednesday morning), not the hour the test happens to run (it failed at Saturday noon).
    with time_machine.travel(datetime(2026, 6, 10, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        call_command("generate_cases", "--cases", "600", "--days", "60", stdout=io.StringIO())
    channels = set(Case.objects.values_list("channel", flat=True))
    assert channels == set(Channel.values)
    states = set(Case.objects.values_list("state", flat=True))
    assert {State.CLOSED, State.REJECTED, State.SUBMITTED} <= states
    assert Rating.objects.filter(score="dissatisfied").exists()
    # Every case starts with its submission event, in order of time.
    assert CaseEvent.objects.filter(action="submit").count() == 600


def test_a_second_run_continues_the_day_numbers(users):
    call_command("generate_cases", "--cases", "200", "--days", "3", stdout=io.StringIO())
    call_command("generate_cases", "--cases", "200", "--days", "3", "--seed", "2", stdout=io.StringIO())
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 400
    assert_listener_equals_rebuild()
