"""Keeping the dashboard's aggregates: what a case counts as, and the sums per day and month.

`compute()` turns a case, its events and its ratings into a fact (a dict of CaseFact fields).
The event listener recomputes the fact of the case that changed and moves the difference
between its old and new contribution into StatRow with one upsert; `rebuild()` computes every
fact again from the cases. Both use `compute()`, so they cannot drift apart.
"""

from bisect import bisect_left
from collections import Counter, defaultdict
from datetime import date, datetime
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from cases.bulk import insert_rows
from cases.models import Case, CaseEvent, Channel, Rating, ReporterRating, Score, State
from cases.workflow import Action

from .models import BUCKET_BOUNDS, COLUMNS, GROUPS, KEY, STAGES, CaseFact, StatRow

CASE_VALUES = (
    "id",
    "submitted_at",
    "community_id",
    "category_id",
    "department_id",
    "channel",
    "age_band",
    "desk_id",
    "submitted_by_id",
    "due_at",
    "state",
    "excluded_from_rates",
)
FACT_FIELDS = [f.name for f in CaseFact._meta.concrete_fields if f.name != "case"]
_COLUMN_INDEX = {name: i for i, name in enumerate(COLUMNS)}
# An approved extension is the move "extend" (cases.workflow); counted whenever such events exist.
EXTEND = "extend"
UPSERT_CHUNK = 250


def bucket(minutes: int) -> int:
    """The index of the stage-time bucket holding `minutes`."""
    return bisect_left(BUCKET_BOUNDS, minutes)


def local_day(at: datetime) -> date:
    """The sub-district's calendar day of a moment, whatever time zone is active."""
    return timezone.localtime(at, timezone.get_default_timezone()).date()


def _minutes(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds() // 60))


def rating_summary(ratings) -> tuple[str, datetime | None]:
    """(score of the latest rating, time of the latest 不满意) from (score, at, id) rows."""
    latest, feedback_at = None, None
    for score, at, pk in ratings:
        if latest is None or (at, pk) > latest[1:]:
            latest = (score, at, pk)
        if score == Score.DISSATISFIED and (feedback_at is None or at > feedback_at):
            feedback_at = at
    return (latest[0] if latest else ""), feedback_at


def co_summary(scores) -> dict[str, int]:
    """The further reporters' ratings (ReporterRating scores) counted by score."""
    counted = Counter(scores)
    return {
        "co_satisfied": counted[Score.SATISFIED],
        "co_basically": counted[Score.BASICALLY_SATISFIED],
        "co_dissatisfied": counted[Score.DISSATISFIED],
    }


NO_CO_RATINGS = {"co_satisfied": 0, "co_basically": 0, "co_dissatisfied": 0}


def compute(case: dict, events, rating: tuple[str, datetime | None], co: dict | None = None) -> dict:
    """The fact of one case from its CASE_VALUES, its (action, at, id) events, rating_summary()
    and co_summary() of its further reporters' ratings.

    A merged case (并单) is one problem with the case it was merged into: it counts as received
    and responded, and as merged, but not as accepted, completed, resolved, on time or late (its
    parent is); its reporter's rating is the parent's."""
    first: dict[str, datetime] = {}
    counts: Counter = Counter()
    dispatches = []
    for action, at, _pk in sorted(events, key=lambda e: (e[1], e[2])):
        counts[action] += 1
        first.setdefault(action, at)
        if action == Action.DISPATCH:
            dispatches.append(at)
    accepted_at = first.get(Action.ACCEPT)
    completed_at = first.get(Action.COMPLETE)
    due = case["due_at"]
    completed = completed_at is not None
    on_time = completed and (due is None or completed_at <= due)
    # The department's time: from the dispatch that led to the first completion.
    handed_at = max((d for d in dispatches if d <= completed_at), default=None) if completed else None
    score, feedback_at = rating
    merged = case["state"] == State.MERGED
    if merged:
        completed = on_time = False
        handed_at = completed_at = None
    fact = {
        "day": local_day(case["submitted_at"]),
        "community": case["community_id"] or 0,
        "category": case["category_id"] or 0,
        "department": case["department_id"] or 0,
        "channel": case["channel"],
        "age_band": case["age_band"] or "",
        "desk": case["desk_id"] or 0,
        "volunteer": (case["submitted_by_id"] or 0) if case["channel"] == Channel.HELP_DESK else 0,
        "responded": bool(counts[Action.ACCEPT] or counts[Action.REJECT] or counts[Action.ANSWER]),
        "accepted": bool(counts[Action.ACCEPT]) and not merged,
        "rejected": case["state"] == State.REJECTED,
        "completed": completed,
        "resolved": case["state"] in (State.COMPLETED, State.CLOSED),
        "on_time": on_time,
        "late": completed and not on_time,
        "reopened": bool(counts[Action.REOPEN]),
        "returns": counts[Action.RETURN],
        "extensions": counts[EXTEND],
        "score": score or "",
        "accept_minutes": _minutes(case["submitted_at"], accepted_at),
        "dispatch_minutes": _minutes(accepted_at, first.get(Action.DISPATCH)),
        "complete_minutes": _minutes(handed_at, completed_at),
        "feedback_at": feedback_at,
        "excluded": bool(case.get("excluded_from_rates")),
        "merged": merged,
        **(co or NO_CO_RATINGS),
    }
    if fact["excluded"]:
        # 不合理诉求 signed off by a supervisor (cases.fairness): the one place where such a case
        # leaves the departments' resolution, satisfaction and on-time rates, numerators and
        # denominators alike. It still counts as received (and responded); its stage times and
        # returns stay. The dashboard's definitions say so (stats.selectors._rates).
        fact.update(accepted=False, completed=False, resolved=False, on_time=False, late=False, score="")
    return fact


def contribution(fact: dict) -> tuple[tuple, list[int]]:
    """The fact's group key (without grain and day) and what it adds to each column."""
    vector = [0] * len(COLUMNS)
    score = fact["score"]
    values = {
        "received": 1,
        "responded": fact["responded"],
        "accepted": fact["accepted"],
        "rejected": fact["rejected"],
        "completed": fact["completed"],
        "resolved": fact["resolved"],
        "on_time": fact["on_time"],
        "late": fact["late"],
        "rated": bool(score),
        "satisfied": score == Score.SATISFIED,
        "basically": score == Score.BASICALLY_SATISFIED,
        "dissatisfied": score == Score.DISSATISFIED,
        "reopened": fact["reopened"],
        "returned": fact["returns"] > 0,
        "returns": fact["returns"],
        "extended": fact["extensions"] > 0,
        "extensions": fact["extensions"],
        "excluded": fact["excluded"],
        "merged": fact["merged"],
        "co_rated": fact["co_satisfied"] + fact["co_basically"] + fact["co_dissatisfied"],
        "co_satisfied": fact["co_satisfied"],
        "co_basically": fact["co_basically"],
        "co_dissatisfied": fact["co_dissatisfied"],
    }
    for name, value in values.items():
        vector[_COLUMN_INDEX[name]] = int(value)
    for stage in STAGES:
        minutes = fact[f"{stage}_minutes"]
        if minutes is not None:
            vector[_COLUMN_INDEX[f"{stage}_{bucket(minutes)}"]] = 1
    return tuple(fact[g] for g in GROUPS), vector


def _keys(fact: dict, groups: tuple) -> list[tuple]:
    day = fact["day"]
    return [(StatRow.Grain.DAY, day, *groups), (StatRow.Grain.MONTH, day.replace(day=1), *groups)]


def add_to(totals: dict, fact: dict, sign: int = 1) -> None:
    """Add (or with sign -1 take away) a fact's contribution to per-key column totals."""
    groups, vector = contribution(fact)
    for key in _keys(fact, groups):
        row = totals[key]
        for i, value in enumerate(vector):
            if value:
                row[i] += sign * value


def upsert(deltas: dict) -> None:
    """Add per-key column deltas to StatRow in one statement, safe under concurrent writers.

    INSERT … ON CONFLICT DO UPDATE SET c = c + excluded.c has the same meaning on PostgreSQL and
    SQLite: a concurrent insert of the same key waits for the other transaction, then adds to its
    row; nothing is lost. Keys are sorted so two writers lock rows in the same order (no deadlock).
    """
    rows = [(key, vector) for key, vector in sorted(deltas.items()) if any(vector)]
    # Bulk imports bring thousands of keys: stay under SQLite's limit of 32766 parameters.
    for start in range(0, len(rows), UPSERT_CHUNK):
        _upsert(rows[start : start + UPSERT_CHUNK])


def _upsert(rows: list) -> None:
    if not rows:
        return
    # The columns some row adds to (every vector has len(COLUMNS) entries).
    columns = zip(*(vector for _key, vector in rows), strict=True)
    used = tuple(i for i, column in enumerate(columns) if any(column))
    params: list = []
    for key, vector in rows:
        params.extend(key)
        params.extend(vector[i] for i in used)
    with connection.cursor() as cursor:
        build = _upsert_sql_kept if len(rows) <= 2 else _upsert_sql
        cursor.execute(build(connection.vendor, len(rows), used), params)


def _upsert_sql(vendor: str, count: int, used: tuple[int, ...]) -> str:
    """The upsert of `count` rows adding to the columns `used`."""
    q = connection.ops.quote_name
    table = q(StatRow._meta.db_table)
    names = [*KEY, *(COLUMNS[i] for i in used)]
    placeholders = "(" + ", ".join(["%s"] * len(names)) + ")"
    sets = ", ".join(f"{q(COLUMNS[i])} = {table}.{q(COLUMNS[i])} + excluded.{q(COLUMNS[i])}" for i in used)
    return (
        f"INSERT INTO {table} ({', '.join(q(n) for n in names)}) "  # noqa: S608 (names are ours)
        f"VALUES {', '.join([placeholders] * count)} "
        f"ON CONFLICT ({', '.join(q(k) for k in KEY)}) DO UPDATE SET {sets}"
    )


# A case event's own upsert (its day and month rows, a few columns: a handful of shapes) is built
# once per shape, since every event runs one inside its write transaction; bulk upserts are not kept.
_upsert_sql_kept = lru_cache(maxsize=128)(_upsert_sql)


def _case_values(case: Case) -> dict:
    return {
        "id": case.pk,
        "submitted_at": case.submitted_at,
        "community_id": case.community_id,
        "category_id": case.category_id,
        "department_id": case.department_id,
        "channel": case.channel,
        "age_band": case.age_band,
        "desk_id": case.desk_id,
        "submitted_by_id": case.submitted_by_id,
        "due_at": case.due_at,
        "state": case.state,
        "excluded_from_rates": case.excluded_from_rates,
    }


def on_case_event(event: CaseEvent) -> None:
    """cases.hooks listener: bring the case's fact and the sums up to date, in the event's transaction."""
    case = event.case
    if event.action == Action.SUBMIT:
        old = None
        events = [(event.action, event.at, event.pk)]
        rating: tuple[str, datetime | None] = ("", None)
        co = None
    else:
        old = CaseFact.objects.filter(pk=case.pk).values(*FACT_FIELDS).first()
        events = list(CaseEvent.objects.filter(case_id=case.pk).values_list("action", "at", "id"))
        rating = rating_summary(Rating.objects.filter(case_id=case.pk).values_list("score", "at", "id"))
        co = co_summary(ReporterRating.objects.filter(case_id=case.pk).values_list("score", flat=True))
    new = compute(_case_values(case), events, rating, co)
    if old == new:
        return
    deltas: dict = defaultdict(lambda: [0] * len(COLUMNS))
    if old is not None:
        add_to(deltas, old, -1)
        CaseFact.objects.filter(pk=case.pk).update(**new)
    else:
        CaseFact.objects.create(case_id=case.pk, **new)
    add_to(deltas, new)
    upsert(deltas)


def on_bulk_insert(cases: list[dict], events: dict, ratings: dict) -> None:
    """cases.hooks bulk listener: the facts and sums of cases inserted with their whole history.

    The same compute() as the event listener and rebuild(), from the rows the importer holds in
    memory, so a generated million cases need no second pass over the database.
    """
    deltas: dict = defaultdict(lambda: [0] * len(COLUMNS))
    facts = []
    for case in cases:
        pk = case["id"]
        fact = compute(case, events.get(pk, ()), rating_summary(ratings.get(pk, ())))
        facts.append((pk, *(fact[f] for f in FACT_FIELDS)))
        add_to(deltas, fact)
    insert_rows(CaseFact, ["case_id", *FACT_FIELDS], facts)
    upsert(deltas)


def _grouped(rows) -> dict:
    grouped = defaultdict(list)
    for case_id, *rest in rows:
        grouped[case_id].append(tuple(rest))
    return grouped


def rebuild(*, chunk: int = 20000, progress=None) -> int:
    """Recompute every fact and sum from the cases (after a bulk import); return the case count.

    Runs in one transaction: readers see the old figures until the new ones are complete.
    """
    totals: dict = defaultdict(lambda: [0] * len(COLUMNS))
    done = 0
    with transaction.atomic():
        StatRow.objects.all().delete()
        CaseFact.objects.all().delete()
        last = 0
        while True:
            cases = list(Case.objects.filter(pk__gt=last).order_by("pk").values(*CASE_VALUES)[:chunk])
            if not cases:
                break
            lo, last = cases[0]["id"], cases[-1]["id"]
            events = _grouped(
                CaseEvent.objects.filter(case_id__gte=lo, case_id__lte=last).values_list(
                    "case_id", "action", "at", "id"
                )
            )
            ratings = _grouped(
                Rating.objects.filter(case_id__gte=lo, case_id__lte=last).values_list(
                    "case_id", "score", "at", "id"
                )
            )
            co_ratings = _grouped(
                ReporterRating.objects.filter(case_id__gte=lo, case_id__lte=last).values_list(
                    "case_id", "score"
                )
            )
            facts = []
            for case in cases:
                co = co_summary(score for (score,) in co_ratings.get(case["id"], ()))
                fact = compute(
                    case, events.get(case["id"], ()), rating_summary(ratings.get(case["id"], ())), co
                )
                facts.append((case["id"], *(fact[f] for f in FACT_FIELDS)))
                add_to(totals, fact)
            insert_rows(CaseFact, ["case_id", *FACT_FIELDS], facts)
            done += len(cases)
            if progress:
                progress(done)
        insert_rows(
            StatRow, [*KEY, *COLUMNS], [(*key, *vector) for key, vector in totals.items() if any(vector)]
        )
    return done
