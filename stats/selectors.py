"""Reads for the dashboard: every figure from the aggregate rows, in a fixed number of queries.

A period is a range of local submission days: every figure is about the cases submitted in it
(what happened to them since, up to now). Whole months inside the period are read from the monthly
rows, the days at either end from the daily rows, so a year costs a few thousand rows.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import roles
from cases.models import (
    OPEN_STATES,
    AgeBand,
    Case,
    Category,
    Channel,
    Community,
    Department,
    HelpDesk,
    Rating,
    Score,
)

from .forms import Filters
from .models import BUCKET_BOUNDS, BUCKET_COUNT, COLUMNS, COUNTERS, GROUPS, STAGES, CaseFact, StatRow

# The counters the API publishes as they are (the histograms are published per stage).
COUNTERS_PUBLIC = COUNTERS
SATISFIED_WEIGHT = 1.0
BASICALLY_WEIGHT = 0.9
FEEDBACK_LIMIT = 20

# What each number on the dashboard counts; the case list behind it filters by the same condition.
METRICS: dict[str, Q] = {
    "received": Q(),
    "responded": Q(responded=True),
    "accepted": Q(accepted=True),
    "rejected": Q(rejected=True),
    "completed": Q(completed=True),
    "resolved": Q(resolved=True),
    "on_time": Q(on_time=True),
    "late": Q(late=True),
    "rated": ~Q(score=""),
    "satisfied": Q(score=Score.SATISFIED),
    "basically": Q(score=Score.BASICALLY_SATISFIED),
    "dissatisfied": Q(score=Score.DISSATISFIED),
    "reopened": Q(reopened=True),
    "returned": Q(returns__gt=0),
    "extended": Q(extensions__gt=0),
    "feedback": Q(feedback_at__isnull=False),
    "excluded": Q(excluded=True),
    "merged": Q(merged=True),
}
METRIC_LABELS = {
    "received": gettext_lazy("收到的诉求"),
    "responded": gettext_lazy("已响应(受理或不予受理)"),
    "accepted": gettext_lazy("已受理"),
    "rejected": gettext_lazy("不予受理"),
    "completed": gettext_lazy("已办理完成(至少一次)"),
    "resolved": gettext_lazy("当前已办结"),
    "on_time": gettext_lazy("按时办结"),
    "late": gettext_lazy("超时办结"),
    "rated": gettext_lazy("已评价"),
    "satisfied": gettext_lazy("满意"),
    "basically": gettext_lazy("基本满意"),
    "dissatisfied": gettext_lazy("不满意"),
    "reopened": gettext_lazy("重办过"),
    "returned": gettext_lazy("被退单过"),
    "extended": gettext_lazy("延期过"),
    "feedback": gettext_lazy("不满意反馈"),
    "excluded": gettext_lazy("不合理诉求(已确认,不计入考核)"),
    "overdue": gettext_lazy("当前超时未办结"),
    "merged": gettext_lazy("并单(已合并到其他诉求)"),
}


# ---------------------------------------------------------------------------------------------
# Periods


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware moments at which local day `start` begins and the day after `end` begins."""
    tz = timezone.get_default_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_q(start: date, end: date) -> Q:
    """StatRow rows that add up to the days start..end: whole months, then daily rows at the ends."""
    first_full = start if start.day == 1 else _next_month(start)
    after = end + timedelta(days=1)
    stop = after if after.day == 1 else after.replace(day=1)  # the month after the last whole one
    daily = StatRow.Grain.DAY
    if first_full >= stop:
        return Q(grain=daily, day__gte=start, day__lte=end)
    return (
        Q(grain=StatRow.Grain.MONTH, day__gte=first_full, day__lt=stop)
        | Q(grain=daily, day__gte=start, day__lt=first_full)
        | Q(grain=daily, day__gte=stop, day__lte=end)
    )


def _group_q(filters: Filters) -> Q:
    q = Q()
    if filters.community is not None:
        q &= Q(community=filters.community.pk)
    if filters.category is not None:
        q &= Q(category=filters.category.pk)
    if filters.department is not None:
        q &= Q(department=filters.department.pk)
    if filters.channel:
        q &= Q(channel=filters.channel)
    return q


# ---------------------------------------------------------------------------------------------
# Figures


@dataclass
class Rate:
    key: str
    label: str
    numerator: float
    denominator: int
    definition: str
    numerator_metric: str = ""
    denominator_metric: str = ""
    numerator_query: str = ""
    denominator_query: str = ""

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.1f}%"


@dataclass
class Row:
    """One line of a breakdown: a group, its count and the query of the cases behind it."""

    key: str
    label: str
    count: int
    query: str
    share: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.1f}%"


def _sum(rows: list[dict], column: str) -> int:
    return sum(r[column] for r in rows)


def _percentile(histogram: list[int], p: float) -> int | None:
    """The bucket holding the p-th percentile, or None for no data."""
    total = sum(histogram)
    if not total:
        return None
    rank = max(1, -(-total * p // 1))  # ceil(total * p)
    seen = 0
    for index, count in enumerate(histogram):
        seen += count
        if seen >= rank:
            return index
    return len(histogram) - 1


def _duration(minutes: int) -> str:
    if minutes < 60:
        return _("%(n)d分钟") % {"n": minutes}
    if minutes < 1440:
        return _("%(n)d小时") % {"n": minutes // 60}
    return _("%(n)d天") % {"n": minutes // 1440}


def bucket_bounds(index: int) -> tuple[int, int | None]:
    low = BUCKET_BOUNDS[index - 1] if index > 0 else 0
    high = BUCKET_BOUNDS[index] if index < len(BUCKET_BOUNDS) else None
    return low, high


def bucket_label(index: int | None) -> str:
    if index is None:
        return "—"
    low, high = bucket_bounds(index)
    if high is None:
        return _("%(low)s以上") % {"low": _duration(low)}
    return f"{_duration(low)}–{_duration(high)}"


def _stage_stats(totals: dict) -> dict:
    out = {}
    for stage in STAGES:
        histogram = [totals[f"{stage}_{i}"] for i in range(BUCKET_COUNT)]
        median, p90 = _percentile(histogram, 0.5), _percentile(histogram, 0.9)
        out[stage] = {
            "count": sum(histogram),
            "histogram": histogram,
            "median": median,
            "p90": p90,
            "median_label": bucket_label(median),
            "p90_label": bucket_label(p90),
        }
    return out


def _blank() -> dict:
    return dict.fromkeys(COLUMNS, 0)


def _add(target: dict, row: dict) -> None:
    for column in COLUMNS:
        target[column] += row[column]


def _series_periods(filters: Filters, by: str) -> list[tuple[date, date]]:
    periods = []
    if by == "day":
        day = filters.start
        while day <= filters.end:
            periods.append((day, day))
            day += timedelta(days=1)
    elif by == "week":
        day = filters.start - timedelta(days=filters.start.weekday())
        while day <= filters.end:
            periods.append((max(day, filters.start), min(day + timedelta(days=6), filters.end)))
            day += timedelta(days=7)
    else:
        day = filters.start.replace(day=1)
        while day <= filters.end:
            last = _next_month(day) - timedelta(days=1)
            periods.append((max(day, filters.start), min(last, filters.end)))
            day = _next_month(day)
    return periods


def granularity(filters: Filters) -> str:
    if filters.by:
        return filters.by
    if filters.days <= 45:
        return "day"
    if filters.days <= 120:
        return "week"
    return "month"


def _series(filters: Filters, by: str) -> list[dict]:
    """Received cases per day, week or month, with the 60+ share and satisfaction of each."""
    columns = ["received", "rated", "satisfied", "basically"]
    annotations = {f"s_{c}": Sum(c) for c in columns}
    if by == "month":
        rows = (
            StatRow.objects.filter(period_q(filters.start, filters.end), _group_q(filters))
            .values("day", "age_band")
            .annotate(**annotations)
        )
    else:
        rows = (
            StatRow.objects.filter(
                _group_q(filters), grain=StatRow.Grain.DAY, day__gte=filters.start, day__lte=filters.end
            )
            .values("day", "age_band")
            .annotate(**annotations)
        )
    periods = _series_periods(filters, by)
    starts = [p[0] for p in periods]
    points = [
        {"start": a, "end": b, "received": 0, "elderly": 0, "rated": 0, "satisfied": 0, "basically": 0}
        for a, b in periods
    ]
    for row in rows:
        day = max(row["day"], filters.start)  # a monthly row is keyed by its first day
        point = points[bisect_right(starts, day) - 1]
        point["received"] += row["s_received"]
        point["rated"] += row["s_rated"]
        point["satisfied"] += row["s_satisfied"]
        point["basically"] += row["s_basically"]
        if row["age_band"] == AgeBand.AGE_60_PLUS:
            point["elderly"] += row["s_received"]
    for point in points:
        point["query"] = Filters(
            start=point["start"],
            end=point["end"],
            community=filters.community,
            category=filters.category,
            department=filters.department,
            channel=filters.channel,
        ).query()
        if by == "day":
            point["label"] = point["start"].strftime("%m-%d")
        elif by == "week":
            point["label"] = point["start"].strftime("%m-%d")
        else:
            point["label"] = point["start"].strftime("%Y-%m")
        point["satisfaction"] = (
            (point["satisfied"] + BASICALLY_WEIGHT * point["basically"]) / point["rated"]
            if point["rated"]
            else None
        )
        point["satisfaction_percent"] = (
            "—" if point["satisfaction"] is None else f"{point['satisfaction'] * 100:.1f}%"
        )
    return points


def _breakdown(
    grouped: dict, names: dict, filters: Filters, param: str, total: int, *, codes=None
) -> list[Row]:
    rows = []
    for key, count in sorted(grouped.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if not count:
            continue
        label = names.get(key, _("未派单") if param == "department" else str(key))
        code = codes.get(key, key) if codes else key
        if param == "department" and key == 0:
            query = filters.query(metric="received", department_none="1")
        else:
            query = Filters(
                start=filters.start,
                end=filters.end,
                community=filters.community,
                category=filters.category,
                department=filters.department,
                channel=filters.channel,
            ).query(**{param: code})
        rows.append(
            Row(
                key=str(code), label=str(label), count=count, query=query, share=count / total if total else 0
            )
        )
    return rows


def dashboard(filters: Filters, *, now: datetime | None = None) -> dict:
    """Every figure of the dashboard for the filters; a fixed number of queries."""
    now = now or timezone.now()
    group_q = _group_q(filters)
    annotations = {f"s_{c}": Sum(c) for c in COLUMNS}
    raw = (
        StatRow.objects.filter(period_q(filters.start, filters.end), group_q)
        .values(*GROUPS)
        .annotate(**annotations)
    )
    rows = [{**{g: r[g] for g in GROUPS}, **{c: r[f"s_{c}"] or 0 for c in COLUMNS}} for r in raw]

    totals = _blank()
    by_department: dict[int, dict] = defaultdict(_blank)
    by = {name: defaultdict(int) for name in ("category", "community", "department", "channel")}
    age_channel: dict[tuple[str, str], int] = defaultdict(int)
    desks: dict[int, int] = defaultdict(int)
    volunteers: dict[int, int] = defaultdict(int)
    for row in rows:
        _add(totals, row)
        _add(by_department[row["department"]], row)
        for name in by:
            by[name][row[name]] += row["received"]
        age_channel[(row["age_band"], row["channel"])] += row["received"]
        if row["desk"]:
            desks[row["desk"]] += row["received"]
        if row["volunteer"]:
            volunteers[row["volunteer"]] += row["received"]

    communities = {c.pk: c for c in Community.objects.all()}
    categories = {c.pk: c for c in Category.objects.all()}
    departments = {d.pk: d for d in Department.objects.all()}
    desk_rows = {d.pk: d for d in HelpDesk.objects.filter(pk__in=list(desks)).select_related("community")}
    volunteer_rows = {u.pk: u for u in User.objects.filter(pk__in=list(volunteers))}
    received = totals["received"]

    overdue = _open_overdue(filters, now)
    speed = []
    for dept_id, dept_totals in sorted(
        by_department.items(), key=lambda kv: (kv[0] == 0, str(departments.get(kv[0], "")))
    ):
        dept = departments.get(dept_id)
        code = dept.code if dept else ""
        speed.append(
            {
                "key": code,
                "label": dept.name if dept else _("未派单"),
                "totals": dept_totals,
                "stages": _stage_stats(dept_totals),
                "overdue": overdue.get(dept_id, 0),
                "query": filters.query(department=code) if dept else filters.query(department_none="1"),
            }
        )
    speed_total = {
        "key": "",
        "label": _("合计"),
        "totals": totals,
        "stages": _stage_stats(totals),
        "overdue": sum(overdue.values()),
        "query": filters.query(),
    }

    by_granularity = granularity(filters)
    by_reference = {
        f"by_{dimension}": _breakdown(
            by[dimension],
            {k: v.name for k, v in rows.items()},
            filters,
            dimension,
            received,
            codes={k: v.code for k, v in rows.items()},
        )
        for dimension, rows in (
            ("category", categories),
            ("community", communities),
            ("department", departments),
        )
    }
    return {
        **by_reference,
        "filters": filters,
        "now": now,
        "totals": totals,
        "rates": _rates(totals, filters),
        "answers": _answers(totals, filters),
        "inclusion": _inclusion(age_channel, desks, volunteers, desk_rows, volunteer_rows, filters, received),
        "granularity": by_granularity,
        "series": _series(filters, by_granularity),
        "by_channel": _breakdown(
            by["channel"], {k: Channel(k).label for k in by["channel"]}, filters, "channel", received
        ),
        "speed": speed,
        "speed_total": speed_total,
        "overdue": sum(overdue.values()),
        "feedback": feedback(filters),
        "excluded_definition": EXCLUDED_DEFINITION,
    }


def _rate(key, label, numerator, denominator, definition, filters, num_metric, den_metric) -> Rate:
    return Rate(
        key=key,
        label=label,
        numerator=numerator,
        denominator=denominator,
        definition=definition,
        numerator_metric=num_metric,
        denominator_metric=den_metric,
        numerator_query=filters.query(metric=num_metric) if num_metric else "",
        denominator_query=filters.query(metric=den_metric) if den_metric else "",
    )


# What leaves the rates (stats.facts.compute, the one place that does it).
EXCLUDED_DEFINITION = gettext_lazy(
    "受理员标记为不合理诉求(原因从列表中选择)或重复诉求、并经另一位督办领导确认的诉求,"
    "不计入解决率、满意率和按时办结率,分子和分母都不计;也不计入“已受理”“已办理完成”“已评价”"
    "及各项评价的件数。它们仍计入“收到的诉求”和“已响应”,在“不合理诉求(已确认,不计入考核)”一行单独统计。"
    "标记未确认或被督办领导不确认的诉求照常计入。"
)
EXCLUDED_NOTE = gettext_lazy("不含经督办领导确认的不合理诉求和重复诉求。")


def _rates(t: dict, filters: Filters) -> list[Rate]:
    # Every reporter's rating counts: the case's (the first of a completion, or the latest) and
    # those of its further reporters (co-reporters, the reporters of cases merged into it).
    satisfaction = round(
        SATISFIED_WEIGHT * (t["satisfied"] + t.get("co_satisfied", 0))
        + BASICALLY_WEIGHT * (t["basically"] + t.get("co_basically", 0)),
        4,
    )
    return [
        _rate(
            "response",
            _("响应率"),
            t["responded"],
            t["received"],
            _("已响应的诉求 ÷ 收到的诉求。已响应:受理员已受理或已说明理由不予受理。"),
            filters,
            "responded",
            "received",
        ),
        _rate(
            "resolution",
            _("解决率"),
            t["resolved"],
            t["accepted"],
            _(
                "当前处于“办理完成”或“已办结”的诉求 ÷ 已受理的诉求(不含不予受理)。重办中的诉求不算已解决。"
                "并单的诉求与所合并的诉求算作一个问题,不计入。"
            )
            + str(EXCLUDED_NOTE),
            filters,
            "resolved",
            "accepted",
        ),
        _rate(
            "satisfaction",
            _("满意率"),
            satisfaction,
            t["rated"] + t.get("co_rated", 0),
            _(
                "(满意件数 × 1 + 基本满意件数 × 0.9)÷ 评价件数。线上评价和电话回访同样计入;"
                "一件诉求重办后再次评价的,只计最后一次评价。同一问题有多位反映人的(共同反映人、"
                "并单的诉求),每位反映人的评价各计一次。"
            )
            + str(EXCLUDED_NOTE),
            filters,
            "",
            "rated",
        ),
        _rate(
            "on_time",
            _("按时办结率"),
            t["on_time"],
            t["completed"],
            _("首次办理完成不晚于办理时限的诉求 ÷ 已办理完成过的诉求。并单的诉求不计入(所合并的诉求计一次)。")
            + str(EXCLUDED_NOTE),
            filters,
            "on_time",
            "completed",
        ),
    ]


def _answers(t: dict, filters: Filters) -> list[Rate]:
    labels = [("satisfied", _("满意")), ("basically", _("基本满意")), ("dissatisfied", _("不满意"))]
    return [
        _rate(
            key,
            label,
            t[key],
            t["rated"],
            _("该评价的诉求 ÷ 已评价的诉求(最后一次评价)。"),
            filters,
            key,
            "rated",
        )
        for key, label in labels
    ]


def _inclusion(age_channel, desks, volunteers, desk_rows, volunteer_rows, filters, received) -> dict:
    elderly = AgeBand.AGE_60_PLUS
    age60 = sum(n for (age, _ch), n in age_channel.items() if age == elderly)
    online = sum(n for (_age, ch), n in age_channel.items() if ch == Channel.ONLINE)
    online60 = age_channel.get((elderly, Channel.ONLINE), 0)
    by_channel = [
        Row(
            key=ch,
            label=str(label),
            count=age_channel.get((elderly, ch), 0),
            query=filters.query(age=elderly, **({} if filters.channel else {"channel": ch})),
            share=age_channel.get((elderly, ch), 0) / age60 if age60 else 0,
        )
        for ch, label in Channel.choices
        if not filters.channel or filters.channel == ch
    ]
    desk_list = [
        Row(
            key=str(pk),
            label=f"{desk_rows[pk].name}" if pk in desk_rows else str(pk),
            count=n,
            query=filters.query(desk=pk),
        )
        for pk, n in sorted(desks.items(), key=lambda kv: -kv[1])
    ]
    volunteer_list = [
        Row(
            key=str(pk),
            label=roles.display_name(volunteer_rows[pk]) if pk in volunteer_rows else str(pk),
            count=n,
            query=filters.query(volunteer=pk),
        )
        for pk, n in sorted(volunteers.items(), key=lambda kv: -kv[1])
    ]
    return {
        "elderly_share": Rate(
            "elderly_share",
            _("60岁及以上居民的诉求占比"),
            age60,
            received,
            _("年龄段为“60岁及以上”的诉求 ÷ 收到的诉求(未填写年龄的计入分母)。"),
            numerator_query=filters.query(age=elderly),
            denominator_query=filters.query(),
        ),
        "elderly_offline": Rate(
            "elderly_offline",
            _("60岁及以上居民的诉求中经代办岗或线下提交的占比"),
            age60 - online60,
            age60,
            _("60岁及以上居民经代办岗、电话或来访提交的诉求 ÷ 60岁及以上居民的诉求。"),
            numerator_query=filters.query(age=elderly, offline="1"),
            denominator_query=filters.query(age=elderly),
        ),
        "elderly_online": Rate(
            "elderly_online",
            _("线上自助提交中60岁及以上居民的占比"),
            online60,
            online,
            _("60岁及以上居民线上自助提交的诉求 ÷ 线上自助提交的诉求(按件数计)。"),
            numerator_query=filters.query(age=elderly, channel=Channel.ONLINE),
            denominator_query=filters.query(channel=Channel.ONLINE),
        ),
        "elderly_by_channel": by_channel,
        "desks": desk_list,
        "volunteers": volunteer_list,
    }


# ---------------------------------------------------------------------------------------------
# Cases behind the numbers


def _fact_q(filters: Filters, prefix: str = "") -> Q:
    p = prefix
    if prefix:  # from Case: the indexed submission time, bounded like CaseFact.day
        start, end = local_bounds(filters.start, filters.end)
        q = Q(submitted_at__gte=start, submitted_at__lt=end)
    else:
        q = Q(day__gte=filters.start, day__lte=filters.end)
    for name in ("community", "category", "department"):
        value = getattr(filters, name)
        if value is not None:
            q &= Q(**{f"{p}{name}": value.pk})
    if filters.channel:
        q &= Q(**{f"{p}channel": filters.channel})
    extra = filters.extra
    if extra.get("department_none"):
        q &= Q(**{f"{p}department": 0})
    age = extra.get("age")
    if age:
        q &= Q(**{f"{p}age_band": "" if age == "unknown" else age})
    if extra.get("offline"):
        q &= ~Q(**{f"{p}channel": Channel.ONLINE})
    if extra.get("desk"):
        q &= Q(**{f"{p}desk": extra["desk"]})
    if extra.get("volunteer"):
        q &= Q(**{f"{p}volunteer": extra["volunteer"]})
    metric = extra.get("metric") or "received"
    if metric in METRICS:
        condition = METRICS[metric]
        if prefix:
            condition = _prefixed(condition, prefix)
        q &= condition
    return q


def _prefixed(q: Q, prefix: str) -> Q:
    out = Q()
    out.connector, out.negated = q.connector, q.negated
    for child in q.children:
        if isinstance(child, Q):
            out.children.append(_prefixed(child, prefix))
        else:
            out.children.append((prefix + child[0], child[1]))
    return out


def _open_overdue(filters: Filters, now: datetime) -> dict[int, int]:
    """Open cases past their time limit now, per department: time passes without events, so this
    one figure is counted live, from the open cases only (an index on state)."""
    qs = Case.objects.filter(
        _fact_q(replace(filters, extra={}), "stat_fact__"),
        state__in=OPEN_STATES,
        due_at__lt=now,
        paused_at__isnull=True,  # 待补充: the clock is paused
    )
    return dict(
        qs.values_list("stat_fact__department")
        .annotate(n=Count("pk"))
        .values_list("stat_fact__department", "n")
    )


def case_list(filters: Filters, *, now: datetime | None = None) -> QuerySet[Case]:
    """The cases behind a number: same period, groups and condition; newest first."""
    qs = Case.objects.filter(_fact_q(filters, "stat_fact__"))
    if filters.extra.get("metric") == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, due_at__lt=now or timezone.now(), paused_at__isnull=True)
    return qs.select_related("category", "community", "department").order_by("-submitted_at", "-id")


def feedback(filters: Filters) -> list[dict]:
    """The latest 不满意 answers (each reopened its case) with the residents' comments, newest first."""
    facts = list(
        CaseFact.objects.filter(_fact_q(replace(filters, extra={"metric": "feedback"})))
        .select_related("case__category", "case__community")
        .order_by("-feedback_at")[:FEEDBACK_LIMIT]
    )
    comments: dict[int, Rating] = {}
    for rating in Rating.objects.filter(
        case_id__in=[f.case_id for f in facts], score=Score.DISSATISFIED
    ).order_by("case_id", "-at", "-id"):
        comments.setdefault(rating.case_id, rating)
    return [
        {
            "case": fact.case,
            "at": fact.feedback_at,
            "comment": comments[fact.case_id].comment if fact.case_id in comments else "",
            "via": comments[fact.case_id].get_via_display() if fact.case_id in comments else "",
            "latest_score": fact.score,
            "state": fact.case.get_state_display(),
        }
        for fact in facts
    ]
