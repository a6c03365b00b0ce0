"""Time limits in working time: weekends, a holiday on a weekday, a make-up Saturday, urgent
categories, and the on-time / due-soon / overdue flags."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import deadlines, services
from cases.deadlines import DueStatus, WorkCalendar
from cases.holidays_cn import load_calendar
from cases.models import CalendarDay, Case, Category, Department
from tests.support.data import submit

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def national_day(db):
    """2026's National Day week (Thu 1 – Wed 7 October) and its make-up Saturday, 10 October."""
    for day in range(1, 8):
        CalendarDay.objects.create(day=date(2026, 10, day), is_workday=False, name="国庆节")
    CalendarDay.objects.create(day=date(2026, 10, 10), is_workday=True, name="国庆节调休上班")


def test_working_hours_skip_the_lunch_break(db):
    assert WorkCalendar().add_working_hours(at(2026, 11, 25, 11, 0), 2) == at(2026, 11, 25, 14, 30)


def test_time_after_hours_starts_counting_next_morning(db):
    assert WorkCalendar().add_working_hours(at(2026, 11, 25, 20, 0), 2) == at(2026, 11, 26, 11, 0)


def test_a_weekend_is_not_worked(db):
    # Friday 17:00 + 2 working hours: half an hour on Friday, the rest on Monday.
    assert WorkCalendar().add_working_hours(at(2026, 11, 27, 17, 0), 2) == at(2026, 11, 30, 10, 30)


def test_a_holiday_on_a_weekday_is_not_worked(national_day):
    # Wednesday 30 September 16:30 + 2 h: one hour that day, then nothing until Thursday 8 October.
    assert WorkCalendar().add_working_hours(at(2026, 9, 30, 16, 30), 2) == at(2026, 10, 8, 10, 0)


def test_a_make_up_saturday_is_worked(national_day):
    # Friday 9 October 17:00 + 2 h: the make-up Saturday counts, so it is due that Saturday.
    assert WorkCalendar().add_working_hours(at(2026, 10, 9, 17, 0), 2) == at(2026, 10, 10, 10, 30)


def test_without_the_make_up_row_the_saturday_is_a_weekend(db):
    assert WorkCalendar().add_working_hours(at(2026, 10, 9, 17, 0), 2) == at(2026, 10, 12, 10, 30)


def test_working_hours_between_counts_the_same_calendar(national_day):
    calendar = WorkCalendar()
    assert calendar.working_hours_between(at(2026, 9, 30, 16, 30), at(2026, 10, 8, 10, 0)) == 2
    assert calendar.working_hours_between(at(2026, 10, 8, 10, 0), at(2026, 9, 30, 16, 30)) == -2


def test_the_shipped_calendar_has_2026s_holidays_and_make_up_days(db):
    assert load_calendar() > 0
    assert load_calendar() == 0  # idempotent
    calendar = WorkCalendar()
    assert not calendar.is_workday(date(2026, 10, 5))  # Monday of National Day week
    assert calendar.is_workday(date(2026, 2, 14))  # Saturday before the Spring Festival
    assert not calendar.is_workday(date(2026, 2, 23))  # Monday, 正月初七
    assert not calendar.is_workday(date(2027, 2, 8))  # 2027: 正月初三, a Monday


def test_an_edited_calendar_row_is_kept_when_the_data_loads_again(db):
    load_calendar()
    CalendarDay.objects.filter(day=date(2026, 10, 10)).update(is_workday=False)
    load_calendar()
    assert not WorkCalendar().is_workday(date(2026, 10, 10))


def test_a_calendar_without_any_working_day_fails_loudly(db, settings):
    settings.MINSHENG_WORKING_HOURS = []
    with pytest.raises(ValueError):
        WorkCalendar().add_working_hours(at(2026, 11, 25, 9, 0), 1)


def test_each_stage_gets_its_own_limit(users, national_day):
    category = Category.objects.get(code="infrastructure")
    category.accept_limit_hours, category.dispatch_limit_hours, category.time_limit_hours = 2, 4, 14
    category.save()
    with time_machine.travel(at(2026, 9, 30, 16, 30), tick=False):
        case = submit()
    assert case.due_at == at(2026, 10, 8, 10, 0)
    with time_machine.travel(at(2026, 10, 8, 9, 30), tick=False):
        services.accept(case, by=users["intake"])
    assert case.due_at == at(2026, 10, 8, 15, 0)  # 9:30 + 4 h across lunch
    with time_machine.travel(at(2026, 10, 8, 14, 0), tick=False):
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert case.due_at == at(2026, 10, 10, 14, 0)  # 14:00 + 14 h: Thu 3.5, Fri 7, make-up Sat 3.5
    with time_machine.travel(at(2026, 10, 9, 9, 0), tick=False):
        services.start(case, by=users["handler"])
    # Starting work keeps the deadline set at dispatch: one limit from dispatch to completion.
    assert Case.objects.get(pk=case.pk).due_at == at(2026, 10, 10, 14, 0)


def test_a_return_gives_intake_a_fresh_dispatch_limit(users):
    with time_machine.travel(at(2026, 11, 25, 9, 0), tick=False):
        case = submit()
        services.accept(case, by=users["intake"])
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    with time_machine.travel(at(2026, 11, 26, 9, 0), tick=False):
        services.return_case(case, by=users["handler"], reason="不属于物业科")
    assert case.due_at == at(2026, 11, 26, 14, 30)  # 9:00 + 4 h: three before lunch, one after


def test_urgent_categories_count_clock_hours(users):
    utilities = Category.objects.get(code="utilities")
    utilities.is_urgent, utilities.time_limit_hours = True, 24
    utilities.save()
    with time_machine.travel(at(2026, 11, 27, 17, 0), tick=False):  # a Friday evening
        case = submit(category=utilities)
        services.accept(case, by=users["intake"])
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="utilities"))
    assert case.due_at == at(2026, 11, 28, 17, 0)  # Saturday: water cannot wait for Monday


def _dispatched_case(users):
    category = Category.objects.get(code="infrastructure")
    category.time_limit_hours = 10
    category.save()
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):  # Monday
        case = submit()
        services.accept(case, by=users["intake"])
        services.dispatch(case, by=users["intake"], department=Department.objects.get(code="property"))
    assert case.due_at == at(2026, 11, 24, 12, 0)  # 7 h Monday + 3 h Tuesday
    return case


def test_flags_on_time_due_soon_and_overdue(users):
    case = _dispatched_case(users)
    assert deadlines.due_status(case, at(2026, 11, 23, 15, 0)) == DueStatus.ON_TIME
    # Last 20% of 10 working hours: from Tuesday 10:00 on.
    assert deadlines.due_status(case, at(2026, 11, 24, 9, 30)) == DueStatus.ON_TIME
    assert deadlines.due_status(case, at(2026, 11, 24, 10, 0)) == DueStatus.DUE_SOON
    assert deadlines.due_status(case, at(2026, 11, 24, 12, 0)) == DueStatus.OVERDUE


def test_the_evening_before_is_not_due_soon_when_a_whole_morning_remains(users):
    case = _dispatched_case(users)
    # Monday 20:00: still three working hours on Tuesday morning, more than 20% of the limit.
    assert deadlines.due_status(case, at(2026, 11, 23, 20, 0)) == DueStatus.ON_TIME


def test_finished_cases_have_no_flag_but_keep_their_last_deadline(users):
    case = _dispatched_case(users)
    Case.objects.filter(pk=case.pk).update(state="completed")
    case.refresh_from_db()
    assert case.due_at == at(2026, 11, 24, 12, 0)
    assert deadlines.due_status(case, at(2026, 12, 1, 9, 0)) == DueStatus.NONE
