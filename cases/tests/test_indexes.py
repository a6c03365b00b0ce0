"""The cases tables carry the indexes their reads need, and no index another one already covers."""

import pytest
from django.db import connection

from cases import selectors
from cases.models import Case, State
from tests.support.data import submit

# Partial indexes hold some rows only, so they cannot stand in for an index of the whole table.
PARTIAL = {"case_open_by_age", "case_open_by_priority"}


def indexes(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [
        info["columns"]
        for name, info in found.items()
        if info["index"] and not info["primary_key"] and name not in PARTIAL
    ]


def test_no_single_column_index_repeats_the_lead_of_a_composite_one(db):
    for table in ("cases_case", "cases_caseevent"):
        columns = indexes(table)
        leads = {tuple(c[:1]) for c in columns if len(c) > 1}
        repeated = [c for c in columns if len(c) == 1 and tuple(c) in leads]
        assert repeated == [], f"{table}: {repeated} repeat the first column of a composite index"


def test_the_composite_indexes_the_queues_and_timelines_read_are_there(db):
    case = indexes("cases_case")
    for wanted in (["state", "submitted_at"], ["department_id", "state"], ["category_id", "submitted_at"]):
        assert wanted in case
    assert ["desk_id", "submitted_at"] in case
    assert ["case_id", "at"] in indexes("cases_caseevent")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (migration 0008)")
def test_on_postgresql_the_queues_first_page_is_read_from_the_open_cases_index(users):
    """Without it PostgreSQL walked the `submitted_at` index from the oldest case, skipping every
    closed one: 0.3–0.6 s for the intake queue at a million cases. On a table this small a scan of
    it, or a sort of the few open cases, costs nothing, so those plans are turned off: what is
    checked is that the index exists, that PostgreSQL sees each queue's stages within its
    condition, and that it costs less than walking every case in `submitted_at` order."""
    closed = [submit(description=f"已办结的诉求 {i}").pk for i in range(200)]
    Case.objects.filter(pk__in=closed).update(state=State.CLOSED)
    for state in (State.SUBMITTED, State.ACCEPTED, State.HANDLING):
        Case.objects.filter(pk=submit().pk).update(state=state)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        for who in ("intake", "supervisor"):
            page = selectors.queue(users[who])[:50]
            sql, params = page.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            # 应急 first (issue 24): the queues read the open cases in (priority, age) order.
            assert "case_open_by_priority" in plan, plan
            assert [c.state for c in page] == (
                [State.SUBMITTED, State.ACCEPTED]
                if who == "intake"
                else [State.SUBMITTED, State.ACCEPTED, State.HANDLING]
            )
