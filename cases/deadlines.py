"""Time limits (时限): when the current stage of a case is due, counted in working time.

Working time is Monday to Friday within settings.MINSHENG_WORKING_HOURS (Asia/Shanghai), except
the CalendarDay rows: a public holiday on a weekday is not worked, a make-up working day (调休) on
a weekend is. Urgent categories (停水停电) and 应急 cases count plain clock hours. A category may
have its own limits per priority (CategoryPriorityLimit: 应急 路灯, 2 hours). Knows nothing of HTTP.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .models import CalendarDay, Case, Category, CategoryPriorityLimit, Priority, State

# Far enough for any real limit; stops a calendar with no working day at all from looping forever.
MAX_DAYS = 3 * 366
_CHUNK_DAYS = 62


class DueStatus:
    """How a case stands against its time limit, for queue flags."""

    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NONE = ""


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _windows() -> list[tuple[time, time]]:
    return [
        (time.fromisoformat(start), time.fromisoformat(end)) for start, end in settings.MINSHENG_WORKING_HOURS
    ]


class WorkCalendar:
    """Which days are worked; reads CalendarDay rows in chunks and keeps them for its own lifetime
    (one call, one job run, one page), so it never serves stale data for long."""

    def __init__(self) -> None:
        self._overrides: dict[date, bool] = {}
        self._loaded: set[int] = set()

    def _load(self, day: date) -> None:
        chunk = day.toordinal() // _CHUNK_DAYS
        if chunk in self._loaded:
            return
        first = date.fromordinal(chunk * _CHUNK_DAYS)
        last = first + timedelta(days=_CHUNK_DAYS - 1)
        days = CalendarDay.objects.filter(day__range=(first, last)).values_list("day", "is_workday")
        for row_day, is_workday in days:
            self._overrides[row_day] = is_workday
        self._loaded.add(chunk)

    def is_workday(self, day: date) -> bool:
        self._load(day)
        if day in self._overrides:
            return self._overrides[day]
        return day.weekday() < 5

    def _spans(self, day: date):
        """The working periods of `day` as aware datetimes."""
        if not self.is_workday(day):
            return
        tz = _tz()
        for start, end in _windows():
            yield datetime.combine(day, start, tz), datetime.combine(day, end, tz)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `start`."""
        remaining = timedelta(hours=hours)
        local = start.astimezone(_tz())
        day = local.date()
        if remaining <= timedelta(0):
            return start
        for _i in range(MAX_DAYS):
            for span_start, span_end in self._spans(day):
                begin = max(span_start, local)
                if begin >= span_end:
                    continue
                available = span_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("The working calendar has no working time in the next three years.")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (negative when `end` is earlier)."""
        if end < start:
            return -self.working_hours_between(end, start)
        total = timedelta(0)
        local_start, local_end = start.astimezone(_tz()), end.astimezone(_tz())
        day = local_start.date()
        while day <= local_end.date():
            for span_start, span_end in self._spans(day):
                begin, finish = max(span_start, local_start), min(span_end, local_end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 3600


# A ruling on a dispute (派单异议) has the same limit whatever the category: working hours.
RULING_LIMIT = "ruling"
DEFAULT_RULING_HOURS = 8

# Which of the category's limits each open stage runs under: accept, dispatch, then one limit from
# dispatch to completion. Other stages (completed, closed, rejected) have none.
STAGE_LIMITS: dict[str, str] = {
    State.SUBMITTED: "accept_limit_hours",
    State.ACCEPTED: "dispatch_limit_hours",
    State.DISPATCHED: "time_limit_hours",
    State.HANDLING: "time_limit_hours",
    # 派单异议: the supervisor's ruling, within settings.MINSHENG_DISPUTE_RULING_HOURS (default 8).
    State.DISPUTED: RULING_LIMIT,
}


def limit_hours(category: Category, state: str, priority: str = Priority.NORMAL) -> int | None:
    """The category's time limit for a stage at a priority, in hours; None for a stage without one."""
    field = STAGE_LIMITS.get(state)
    if field == RULING_LIMIT:
        return getattr(settings, "MINSHENG_DISPUTE_RULING_HOURS", DEFAULT_RULING_HOURS)
    if not field:
        return None
    if priority != Priority.NORMAL:
        # Read only for 应急 and 重点 cases: a queue of 常规 ones costs no query per row.
        own = (
            CategoryPriorityLimit.objects.filter(category_id=category.pk, priority=priority)
            .values_list(field, flat=True)
            .first()
        )
        if own is not None:
            return own
    return getattr(category, field)


def counts_clock_hours(category: Category, priority: str = Priority.NORMAL) -> bool:
    """Urgent categories and 应急 cases count plain hours, nights and holidays included."""
    return category.is_urgent or priority == Priority.URGENT


def add_limit(
    category: Category,
    start: datetime,
    hours: float,
    calendar: WorkCalendar | None = None,
    priority: str = Priority.NORMAL,
):
    if counts_clock_hours(category, priority):
        return start + timedelta(hours=hours)
    return (calendar or WorkCalendar()).add_working_hours(start, hours)


def stage_due_at(case: Case, target: str, start: datetime) -> datetime | None:
    """When the stage `case` is entering (`target`) is due, starting at `start`.

    The limit from dispatch to completion covers on-site handling too (the workflow's START keeps
    the dispatch deadline); a reopened case (重办) gets a fresh one. A finished case keeps the
    deadline of its last stage, so one can still tell whether it was finished in time.
    """
    hours = limit_hours(case.category, target, case.priority)
    if hours is None:
        return case.due_at
    return add_limit(case.category, start, hours, priority=case.priority)


def running_due_at(case: Case) -> datetime | None:
    """The deadline of the case's stage while its time limit runs; None when none runs (no
    deadline, a stage after completion, which keeps its last deadline for the record, or a case
    waiting for the resident's answer to a request for more (待补充): its clock is paused)."""
    if STAGE_LIMITS.get(case.state) is None or case.paused_at is not None:
        return None
    return case.due_at


def waited_hours(case: Case, now: datetime, calendar: WorkCalendar | None = None) -> float:
    """How long the case's clock has been paused (待补充), in the hours its limit counts."""
    if case.paused_at is None or now <= case.paused_at:
        return 0.0
    if case.category.is_urgent:
        return (now - case.paused_at).total_seconds() / 3600
    return (calendar or WorkCalendar()).working_hours_between(case.paused_at, now)


def resumed_due_at(case: Case, now: datetime) -> datetime | None:
    """The deadline once a paused clock runs again: later by the time it waited, counted as the
    stage's limit counts (working hours, or clock hours for an urgent category)."""
    if case.due_at is None:
        return None
    hours = waited_hours(case, now)
    if hours <= 0:
        return case.due_at
    if case.category.is_urgent:
        return case.due_at + timedelta(hours=hours)
    calendar = WorkCalendar()
    # From the deadline's own working moment: a deadline at the end of a day moves into the next one.
    return calendar.add_working_hours(case.due_at, hours)


def add_working_days(start: datetime, days: int, calendar: WorkCalendar | None = None) -> datetime:
    """The same time of day `days` working days after `start` (weekends and holidays skipped)."""
    calendar = calendar or WorkCalendar()
    local = start.astimezone(_tz())
    day = local.date()
    left = max(days, 0)
    for _i in range(MAX_DAYS):
        if left == 0:
            break
        day += timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), _tz())


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    """Past its time limit while the limit still runs: a completed case keeps its last deadline,
    but is no longer late however long it waits for the resident's rating."""
    due = running_due_at(case)
    return due is not None and due <= (now or timezone.now())


def due_status(case: Case, now: datetime | None = None, calendar: WorkCalendar | None = None) -> str:
    """On time, due soon (within the last 20% of the stage's limit) or overdue; '' when none applies."""
    due = running_due_at(case)
    if due is None:
        return DueStatus.NONE
    now = now or timezone.now()
    if due <= now:
        return DueStatus.OVERDUE
    hours = limit_hours(case.category, case.state, case.priority) or 0
    threshold = hours * settings.MINSHENG_DUE_SOON_FRACTION
    if counts_clock_hours(case.category, case.priority):
        remaining = (due - now).total_seconds() / 3600
    else:
        remaining = (calendar or WorkCalendar()).working_hours_between(now, due)
    return DueStatus.DUE_SOON if remaining <= threshold else DueStatus.ON_TIME
