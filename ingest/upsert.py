"""Bulk upsert of plain row tuples: the write half of ingest's hot path.

The ORM's bulk_create(update_conflicts=True) builds a model instance per row and compiles large
statements; at thousands of changed agents per batch that costs more than the database does.
Here rows go straight to the driver: COPY into a session temp table and one
INSERT ... SELECT ... ON CONFLICT on PostgreSQL, executemany(INSERT ... ON CONFLICT) on SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from itertools import chain, islice
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from wallboard.jsontext import compact


def json_text(value: Any) -> str:
    """Compact JSON text, as JSONEncoder(separators=(",", ":")).encode gives it."""
    if not value and type(value) in (dict, list):
        return "{}" if type(value) is dict else "[]"
    return compact(value)


def epoch_to_db() -> Callable[[float], Any]:
    """Epoch seconds -> the column value this connection stores, without Django's per-value
    adapter (thousands of rows a batch). Each call gives a converter with a memory of its own:
    a batch's rows share a few instants (the batch's, an interval's start, a state's start), so
    take one per batch."""
    # What Django's SQLite backend stores: naive UTC text (USE_TZ, connection in UTC).
    naive_text = connection.vendor == "sqlite"
    seen: dict[float, Any] = {}

    def when(t: float) -> Any:
        value = seen.get(t)
        if value is None:
            moment = datetime.fromtimestamp(t, UTC)
            value = seen[t] = str(moment.replace(tzinfo=None)) if naive_text else moment
        return value

    return when


_small_json: dict[Any, str] = {}


def json_small(value: dict[str, Any] | tuple[str, ...] | list[Any]) -> str:
    """json_text for the few distinct small values rows repeat (skills, a direction field)."""
    try:
        key = tuple(value.items()) if isinstance(value, dict) else (type(value), tuple(value))
        text = _small_json.get(key)
    except TypeError:  # unhashable values inside: encode as usual
        return compact(value)
    if text is None:
        text = compact(list(value) if isinstance(value, tuple) else value)
        if len(_small_json) < 50_000:
            _small_json[key] = text
    return text


def _column(model: type[Model], name: str) -> str:
    """The database column of one of `model`'s concrete fields."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:  # a relation's reverse side, ...
        raise ValueError(f"{model._meta.label}.{name} has no column of its own")
    return field.column


# Rows handed to one executemany on SQLite: the rows in memory at once, and no more calls than
# needed (a call costs a few microseconds; a row some fifteen).
SQLITE_ROWS_PER_CALL = 2000


def bulk_upsert(
    model: type[Model], fields: list[str], unique: list[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """Insert rows (tuples in `fields` order), updating the other fields where `unique` clash.

    Rows given as an iterator are made as the driver takes them, never all held at once (tens
    of thousands of interval rows at a quarter hour's close)."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = chain((first,), rows)
    meta = model._meta
    qn = connection.ops.quote_name
    columns = [_column(model, f) for f in fields]
    keys = [_column(model, f) for f in unique]
    column_sql = ", ".join(qn(c) for c in columns)
    conflict_sql = ", ".join(qn(c) for c in keys)
    set_sql = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in columns if c not in keys)
    table = qn(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            temp = qn(f"upsert_{meta.db_table}")
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {temp} AS "
                f"SELECT {column_sql} FROM {table} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {temp}")
            with cursor.copy(f"COPY {temp} ({column_sql}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) SELECT {column_sql} FROM {temp} "
                f"ON CONFLICT ({conflict_sql}) DO UPDATE SET {set_sql}"
            )
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = (
                f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders}) "
                f"ON CONFLICT ({conflict_sql}) DO UPDATE SET {set_sql}"
            )
            # Django's SQLite executemany holds every row of an iterator it is given (it peeks
            # at the first with itertools.tee), so rows go to it a slice at a time.
            while part := list(islice(rows, SQLITE_ROWS_PER_CALL)):
                cursor.executemany(sql, part)
