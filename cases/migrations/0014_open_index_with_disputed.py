"""On PostgreSQL, migration 0008's partial index of the cases not yet closed, now with `disputed`.

A case waiting for a ruling on its dispatch (派单异议, migration 0011) is open, so every queue that
asks for the open stages names it; an index whose condition leaves it out no longer implies the
queue's `state IN (…)` and PostgreSQL would walk the whole `submitted_at` index again
(cases/tests/test_indexes.py checks the plan). Rebuilt CONCURRENTLY under a new name, then the old
one dropped, so the queues keep an index throughout. Nothing on SQLite (see 0008).
"""

from django.db import migrations

NAME = "case_open_by_age"
TEMPORARY = "case_open_by_age_v2"
OPEN = ("submitted", "accepted", "dispatched", "handling", "disputed", "completed")
BEFORE = ("submitted", "accepted", "dispatched", "handling", "completed")


def _rebuild(schema_editor, states):
    if schema_editor.connection.vendor != "postgresql":
        return
    listed = ", ".join(f"'{state}'" for state in states)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {TEMPORARY}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {TEMPORARY} ON cases_case (submitted_at, id) WHERE state IN ({listed})"
    )
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    schema_editor.execute(f"ALTER INDEX {TEMPORARY} RENAME TO {NAME}")


def forwards(apps, schema_editor):
    _rebuild(schema_editor, OPEN)


def backwards(apps, schema_editor):
    _rebuild(schema_editor, BEFORE)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("cases", "0013_locating_and_more_info")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
