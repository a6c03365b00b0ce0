"""Drop five single-column indexes that a composite index already leads with.

case.state, case.category, case.department and case.desk are each the first column of one of
Case.Meta.indexes, and caseevent.case of caseevent_case_at: the single-column indexes only made every
submission and move write five more B-trees (`make bench`: +17 % submissions on SQLite at c = 8).

The model state changes as AlterField says, but the database change is done here, by dropping the
indexes found by introspection (on PostgreSQL this includes the `_like` index of `state`): on
SQLite, AlterField would copy the whole cases table to change an index — minutes at a million cases.
"""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {"cases_case": ["state", "category_id", "department_id", "desk_id"], "cases_caseevent": ["case_id"]}


def single_column_indexes(schema_editor, table: str, column: str) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == [column]
    ]


def drop(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, columns in DROPPED.items():
        for column in columns:
            for name in single_column_indexes(schema_editor, table, column):
                schema_editor.execute(f"DROP INDEX {quote(name)}")


def restore(apps, schema_editor):
    models_by_table = {
        "cases_case": apps.get_model("cases", "Case"),
        "cases_caseevent": apps.get_model("cases", "CaseEvent"),
    }
    for table, columns in DROPPED.items():
        model = models_by_table[table]
        for column in columns:
            if single_column_indexes(schema_editor, table, column):
                continue
            field = next(f for f in model._meta.local_fields if f.column == column)
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
            like = getattr(schema_editor, "_create_like_index_sql", None)  # PostgreSQL, text columns
            if like is not None and (sql := like(model, field)) is not None:
                schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_public_view"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="category",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        to="cases.category",
                        verbose_name="诉求类型",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="department",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="cases.department",
                        verbose_name="责任部门",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="desk",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="cases.helpdesk",
                        verbose_name="代办岗",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="state",
                    field=models.CharField(
                        choices=[
                            ("submitted", "诉求提交"),
                            ("accepted", "工作人员受理"),
                            ("dispatched", "派单给责任部门"),
                            ("handling", "现场办理"),
                            ("completed", "办理完成"),
                            ("closed", "已办结"),
                            ("rejected", "不予受理"),
                        ],
                        default="submitted",
                        max_length=16,
                        verbose_name="状态",
                    ),
                ),
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        ),
    ]
