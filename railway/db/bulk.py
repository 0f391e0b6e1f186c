"""Inserting and updating many rows at once, at the speed a timetable import needs.

The ORM's bulk_create builds a model instance and a parameter list per row; a national
timetable has a million stops. On PostgreSQL the rows go through COPY, which the server
parses in bulk; elsewhere through one prepared INSERT executed for every row. Either way the
values pass through each field's own conversion for the database, so a row reads back as
the ORM wrote it, and the database's constraints check every row as they would an INSERT.
"""

import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

# COPY's text format: a backslash starts an escape, tab separates values, a line ends a row.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def rows_insert(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Insert `rows` (each the values of `fields`, in order) into `model`'s table; return how many.

    Runs in the caller's transaction. No model's save() runs and no primary key comes back:
    for rows that need neither, such as a train's stops.
    """
    model_fields = [model._meta.get_field(name) for name in fields]
    # The connection itself, not django.db.connection's per-access lookup: a million values pass.
    database = connections[DEFAULT_DB_ALIAS]
    prepared = (
        [field.get_db_prep_save(value, database) for field, value in zip(model_fields, row, strict=True)]
        for row in rows
    )
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in model_fields)
    if connection.vendor == "postgresql":
        return _copy(f"COPY {table} ({columns}) FROM STDIN", prepared)
    placeholders = ", ".join(["%s"] * len(model_fields))
    values = list(prepared)
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", values)  # noqa: S608
    return len(values)


def rows_update(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Set `fields` of many rows of `model`'s table: each row is its primary key, then the values.

    Runs in the caller's transaction; return how many rows were given. On PostgreSQL the rows
    are copied into a temporary table (dropped at commit) and applied in one UPDATE; elsewhere
    one prepared UPDATE runs for every row. The ORM's bulk_update builds a CASE per field and
    row instead, which costs more than the writes themselves.
    """
    model_fields = [model._meta.get_field(name) for name in fields]
    key = model._meta.pk
    database = connections[DEFAULT_DB_ALIAS]
    prepared = (
        [
            key.get_db_prep_save(row[0], database),
            *(
                field.get_db_prep_save(value, database)
                for field, value in zip(model_fields, row[1:], strict=True)
            ),
        ]
        for row in rows
    )
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(key.column), *(quote(field.column) for field in model_fields)]
    if connection.vendor == "postgresql":
        staged = quote(f"{model._meta.db_table}_staged")
        with connection.cursor() as cursor:
            # The table's own column types, none of its constraints.
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staged} ON COMMIT DROP AS"  # noqa: S608
                f" SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {staged}")
        count = _copy(f"COPY {staged} ({', '.join(columns)}) FROM STDIN", prepared)
        assignments = ", ".join(f"{column} = staged.{column}" for column in columns[1:])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {staged} staged"  # noqa: S608
                f" WHERE {table}.{columns[0]} = staged.{columns[0]}"
            )
        return count
    values = [[*row[1:], row[0]] for row in prepared]
    if values:
        assignments = ", ".join(f"{column} = %s" for column in columns[1:])
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {columns[0]} = %s", values)  # noqa: S608
    return len(values)


def _copy(statement: str, rows: Iterable[list[object]]) -> int:
    text = io.StringIO()
    count = 0
    for row in rows:
        text.write("\t".join(_copy_text(value) for value in row))
        text.write("\n")
        count += 1
    if count:
        text.seek(0)
        # The driver's own cursor, wrapped so that its errors are Django's (IntegrityError, ...).
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.copy_expert(statement, text)
    return count


def _copy_text(value: object) -> str:
    """Return a value as COPY's text format reads it."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime.timedelta):
        # Exact, whatever the interval's size: days and seconds would round through floats.
        return f"{value // datetime.timedelta(microseconds=1)} microseconds"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)
