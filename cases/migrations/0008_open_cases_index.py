"""On PostgreSQL, an index of the cases not yet closed or rejected, oldest first.

The staff queues (cases.selectors.queue, the volunteer's list) ask for the oldest cases in a few
open stages, 50 at a time. PostgreSQL answered that by walking the `submitted_at` index from the
oldest case and skipping every closed one: at a million cases, where the open ones are the newest
few percent, the intake officer's queue took 0.3–0.6 s (`make bench`, queue_page). This partial
index holds only the open cases in that order, so the first page is read off its first entries. Its
condition covers every queue's stages; PostgreSQL proves that a queue's `state IN (…)` implies it.

Not on SQLite: its planner uses a partial index only when the query repeats the index's condition
term for term, and it already answers the queues from the (state, submitted_at) index in
milliseconds (13–29 ms at a million cases), so there the index would only cost every submission
one more B-tree to write. Built CONCURRENTLY, so a large table keeps taking submissions meanwhile.
"""

from django.db import migrations

NAME = "case_open_by_age"
# Every stage but the two final ones (closed, rejected): the union of the queues' stages.
OPEN = ("submitted", "accepted", "dispatched", "handling", "completed")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        states = ", ".join(f"'{state}'" for state in OPEN)
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY {NAME} ON cases_case (submitted_at, id) "
            f"WHERE state IN ({states})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {NAME}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction
    dependencies = [("cases", "0007_fewer_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
