"""On PostgreSQL the server binds the parameters, and the public hot paths keep their statements
prepared, so that a public lookup is parsed and planned once per connection, not on every request
(settings). Only those (minsheng.prepared): a prepared statement may get one plan for every value,
which is right for a lookup by number and was ruinous for the staff queue at a million cases (84 →
660 ms a page from a connection's eleventh request on)."""

import pytest
from django.db import connection
from django.test import Client

from cases.models import Case, State
from cases.testing import submit
from minsheng.prepared import prepared_statements

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

RUNS = 12  # well past psycopg's prepare_threshold (5) and PostgreSQL's five custom plans
QUEUE_ORDER = 'ORDER BY "cases_case"."submitted_at" ASC'
LIST_ORDER = '"cases_case"."id" DESC LIMIT'  # the Open311 list, newest first


def kept(containing: str = "") -> list[str]:
    """This connection's prepared statements (made by psycopg) whose text contains `containing`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [statement for (statement,) in cursor.fetchall() if containing in statement]


def test_a_repeated_public_lookup_runs_prepared_and_answers_the_same(users, settings):
    settings.RATE_LIMITS_ENABLED = True
    case = submit()
    client = Client()
    # The rate-limit hit of a lookup is one statement whatever the case (see security.counters).
    assert not kept("ratecounter")
    answers = [client.get(f"/api/v1/cases/{case.number}") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["number"] == case.number
    assert kept("ratecounter")


def test_parameters_are_bound_by_the_server_not_spliced_into_the_text(users):
    # A value that would need quoting travels as a parameter: the server sees $1, never the text.
    tricky = "O'Brien \\ 100% ; DROP TABLE x; --"
    with prepared_statements(), connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::text, length(%s::text)", [tricky, tricky])
            assert cursor.fetchone() == (tricky, len(tricky))
    assert any("$1" in s and "length" in s for s in kept())
    assert not any("O'Brien" in s or "O''Brien" in s for s in kept())


def open_cases():
    return list(Case.objects.filter(state__in=[State.SUBMITTED, State.ACCEPTED]).order_by("submitted_at")[:5])


def test_a_query_is_planned_for_its_values_each_time_outside_the_hot_paths(users):
    case = submit()
    for _ in range(RUNS):
        assert open_cases() == [case]
    assert kept(QUEUE_ORDER) == []


def test_inside_prepared_statements_a_frequent_query_is_kept_prepared(users):
    case = submit()
    with prepared_statements():
        for _ in range(RUNS):
            assert open_cases() == [case]
    assert len(kept(QUEUE_ORDER)) == 1


def test_public_lookups_keep_their_statement_prepared_and_the_staff_queue_does_not(users, client):
    case = submit()
    for _ in range(RUNS):
        assert client.get(f"/api/v1/cases/{case.number}").status_code == 200
    assert len(kept('"cases_publicview"')) == 1  # the read of the stored rendering
    client.force_login(users["intake"])
    for _ in range(RUNS):
        assert case.number in client.get("/staff/").content.decode()
    assert kept(QUEUE_ORDER) == []  # the queue's first page


def test_the_open311_list_stays_prepared_unless_a_category_or_status_is_asked_for(users, client):
    case = submit()
    for _ in range(RUNS):
        assert case.number in client.get("/open311/v2/requests.json").content.decode()
    assert len(kept(LIST_ORDER)) == 1  # dates and pages: one plan whatever their values
    for query in ("service_code=infrastructure", "status=open"):
        for _ in range(RUNS):
            assert case.number in client.get(f"/open311/v2/requests.json?{query}").content.decode()
    assert len(kept(LIST_ORDER)) == 1  # each filtered list planned for its values


CASE_INSERT = 'INSERT INTO "cases_case"'


def forget_prepared():
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # psycopg forgets its own list too
    assert kept() == []


def test_the_resident_pages_and_every_submission_form_keep_their_statements_prepared(users, client):
    from web.tests.helpers import submission
    from web.tests.test_desk_submit import _post as desk_post
    from web.tests.test_elder_flow import _place, _problem, _send

    case = submit()
    for _ in range(RUNS):
        assert case.number in client.get(f"/cases/{case.number}").content.decode()
    assert len(kept('"cases_publicview"')) == 1  # the progress page's stored rendering
    assert kept(CASE_INSERT) == []
    # The resident's form, elder mode and the help desk, each starting with nothing prepared.
    for send in (
        lambda i: client.post("/cases/new", submission(description=f"楼道灯不亮了,第{i}次", photos=[])),
        lambda i: (_problem(client, description=f"楼道灯不亮了,第{i}次"), _place(client), _send(client))[-1],
    ):
        for i in range(RUNS):
            assert send(i).status_code == 302
        assert len(kept(CASE_INSERT)) == 1
        forget_prepared()
    client.force_login(users["volunteer"])
    for i in range(RUNS):
        assert desk_post(client, description=f"楼道灯不亮了,第{i}次").status_code == 302
    assert len(kept(CASE_INSERT)) == 1
    assert Case.objects.count() == 1 + 3 * RUNS
