"""The cases tables carry the indexes their reads need, and no index another one already covers."""

from django.db import connection


def indexes(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return [info["columns"] for info in found.values() if info["index"] and not info["primary_key"]]


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
