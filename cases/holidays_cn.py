"""China's public holidays and make-up working days (调休) as data, loaded into CalendarDay rows.

Source for 2026: 国务院办公厅关于2026年部分节假日安排的通知 (国办发明电, 2025-11-04, published by
Xinhua). For 2027 the State Council's notice was not yet published when this list was written: the
list holds the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision: 元旦 1 day, 春节 4 days
from 除夕, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3) on their 2027 dates (lunar dates converted with
the lunarcalendar package), without make-up days. When the notice is out, correct the rows in the
admin (节假日与调休) or here. Only days that differ from the Monday–Friday week need a row, but
holidays falling on a weekend are kept too, so the calendar reads like the notice.
"""

from datetime import date, timedelta

from django.db import transaction

from .models import CalendarDay


def _days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# (first day, last day, name) of each holiday period.
HOLIDAYS = [
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
    # 2027: statutory days only, provisional until the State Council's notice (see above).
    ("2027-01-01", "2027-01-01", "元旦"),
    ("2027-02-05", "2027-02-08", "春节"),
    ("2027-04-05", "2027-04-05", "清明节"),
    ("2027-05-01", "2027-05-02", "劳动节"),
    ("2027-06-09", "2027-06-09", "端午节"),
    ("2027-09-15", "2027-09-15", "中秋节"),
    ("2027-10-01", "2027-10-03", "国庆节"),
]
# Weekend days that are worked (调休上班).
MAKE_UP_WORKDAYS = [
    ("2026-01-04", "元旦调休上班"),
    ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"),
    ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"),
    ("2026-10-10", "国庆节调休上班"),
]


def calendar_rows() -> list[CalendarDay]:
    rows = [
        CalendarDay(day=day, is_workday=False, name=name)
        for first, last, name in HOLIDAYS
        for day in _days(first, last)
    ]
    rows += [
        CalendarDay(day=date.fromisoformat(day), is_workday=True, name=name) for day, name in MAKE_UP_WORKDAYS
    ]
    return rows


@transaction.atomic
def load_calendar() -> int:
    """Add the listed days that are not in the calendar yet; rows edited in the admin are kept."""
    rows = calendar_rows()
    existing = set(CalendarDay.objects.filter(day__in=[r.day for r in rows]).values_list("day", flat=True))
    new = [r for r in rows if r.day not in existing]
    CalendarDay.objects.bulk_create(new)
    return len(new)
