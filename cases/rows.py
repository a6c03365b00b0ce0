"""Single-row reads and inserts on the submission path, with their SQL built once per model.

A resident's submission reads two reference rows (category, community) and the work calendar, then
inserts the case, its first event and its statistics row. Through the ORM each statement is
compiled anew on every request — a few hundred microseconds, ten times what the database needs to
run it — so a submission cost several times what its SQL does (`make bench`, submit_api). These
build the statement the ORM would, once per model and database vendor, prepare and convert values
with the same field methods and converters the ORM uses, and take or return ordinary model
instances. They use the default database, the one the submission writes to (looked up once per call:
each use of django.db.connection goes through a per-thread lookup, and a row's values use it dozens
of times). The models involved
have no save() override and no signal receivers (cases.hooks is how other apps follow changes).
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from .models import CalendarDay

# The SQL below is assembled from the models' own table and column names (quoted by the backend);
# every value is a parameter (S608 is silenced on those lines for that reason).


def _select(model: type[models.Model], fields: list, where: str):
    """SELECT `fields` of `model` WHERE `where` (column names quoted by the caller), and the ORM's
    converters for the columns that have any: (sql, [(index, column, converters)])."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    sql = f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(table)} WHERE {where}"  # noqa: S608
    converters = []
    for i, f in enumerate(fields):
        col = f.get_col(table)
        if found := col.get_db_converters(connection):
            converters.append((i, col, found))
    return sql, converters


def _converted(row, converters, db) -> list:
    values = list(row)
    for i, col, found in converters:
        for convert in found:
            values[i] = convert(values[i], col, db)
    return values


@cache
def _by_code(model: type[models.Model], vendor: str):
    quote = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    code, active = (quote(model._meta.get_field(name).column) for name in ("code", "is_active"))
    where = f"{code} = %s AND {active}"
    return [f.attname for f in fields], *_select(model, fields, where)


def active_by_code(model: type[models.Model], code: str):
    """The active row of a reference table (Category, Community, HelpDesk, Department) with this
    `code`, as a model instance; None when there is none or `code` is empty."""
    if not code:
        return None
    db = connections[DEFAULT_DB_ALIAS]
    names, sql, converters = _by_code(model, db.vendor)
    with db.cursor() as cursor:
        cursor.execute(sql, [code])
        row = cursor.fetchone()
    if row is None:
        return None
    return model.from_db(db.alias, names, _converted(row, converters, db))


@cache
def _calendar(vendor: str):
    fields = [CalendarDay._meta.get_field("day"), CalendarDay._meta.get_field("is_workday")]
    return _select(CalendarDay, fields, f"{connection.ops.quote_name(fields[0].column)} BETWEEN %s AND %s")


def calendar_days(first, last) -> list[tuple]:
    """(day, is_workday) of the work calendar's rows from `first` to `last`, both included: read
    for every submission's deadline."""
    db = connections[DEFAULT_DB_ALIAS]
    sql, converters = _calendar(db.vendor)
    adapt = db.ops.adapt_datefield_value
    with db.cursor() as cursor:
        cursor.execute(sql, [adapt(first), adapt(last)])
        return [tuple(_converted(row, converters, db)) for row in cursor.fetchall()]


@cache
def _insert(model: type[models.Model], vendor: str):
    meta = model._meta
    quote = connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if meta.auto_field is not None:
        sql += f" RETURNING {quote(meta.auto_field.column)}"
    return fields, sql


def insert(obj: models.Model) -> None:
    """INSERT `obj` as `obj.save(force_insert=True)` would (defaults, auto_now_add, the database's
    value conversions), in one statement that returns its new primary key."""
    model = type(obj)
    db = connections[DEFAULT_DB_ALIAS]
    fields, sql = _insert(model, db.vendor)
    auto = model._meta.auto_field
    if auto is not None and getattr(obj, auto.attname) is not None:
        raise ValueError(f"{model.__name__} already has a primary key; rows.insert() makes new rows only")
    params = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        if auto is not None:
            setattr(obj, auto.attname, cursor.fetchone()[0])
    obj._state.adding = False
    obj._state.db = db.alias
