"""On PostgreSQL the server binds the parameters and keeps what a connection runs often prepared, so
that a public lookup is parsed and planned once per connection, not on every request (settings)."""

import pytest
from django.db import connection
from django.test import Client

from cases.testing import submit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_a_repeated_public_lookup_runs_prepared_and_answers_the_same(users, settings):
    settings.RATE_LIMITS_ENABLED = True
    case = submit()
    client = Client()
    # The rate-limit hit of a lookup is one statement whatever the case (see security.counters).
    assert not [s for s in prepared_statements() if "ratecounter" in s]
    answers = [client.get(f"/api/v1/cases/{case.number}") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["number"] == case.number
    assert [s for s in prepared_statements() if "ratecounter" in s]


def test_parameters_are_bound_by_the_server_not_spliced_into_the_text(users):
    # A value that would need quoting travels as a parameter: the server sees $1, never the text.
    tricky = "O'Brien \\ 100% ; DROP TABLE x; --"
    with connection.cursor() as cursor:
        for _ in range(6):
            cursor.execute("SELECT %s::text, length(%s::text)", [tricky, tricky])
            assert cursor.fetchone() == (tricky, len(tricky))
    assert any("$1" in s and "length" in s for s in prepared_statements())
    assert not any("O'Brien" in s or "O''Brien" in s for s in prepared_statements())
