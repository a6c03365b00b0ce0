"""On PostgreSQL the rate counters are an UNLOGGED table: a hit writes no WAL, so its commit never
waits for the disk, and one autocommit statement is the whole hit (see security.counters). A crash
empties the table, which only forgives the hits of the current window."""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE security_ratecounter SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE security_ratecounter SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("security", "0001_rate_counters")]

    operations = [migrations.RunPython(unlogged, logged, elidable=False)]
