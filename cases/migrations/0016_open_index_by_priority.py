"""On PostgreSQL, a partial index of the cases not yet closed in queue order: 应急 first (issue 24).

Every staff queue orders by (priority_rank, submitted_at, id) over the open stages; without this
index PostgreSQL would read every open case and sort them for each page (cases/tests/test_indexes.py
checks the plan). Migration 0014's `case_open_by_age` stays for the reads in submission order.
Built CONCURRENTLY, so the table stays writable; nothing on SQLite (see 0008).
"""

from django.db import migrations

NAME = "case_open_by_priority"
OPEN = ("submitted", "accepted", "dispatched", "handling", "disputed", "completed")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    listed = ", ".join(f"'{state}'" for state in OPEN)
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY {NAME} ON cases_case (priority_rank, submitted_at, id) "
        f"WHERE state IN ({listed})"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("cases", "0015_types_priority_unreasonable")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
