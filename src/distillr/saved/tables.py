"""Save, refresh and drop saved tables; run ``CREATE TABLE saved.x AS ...`` and ``DROP TABLE``.

A save runs the query through the session (every source, pushdown and all), streams its
batches into a temporary Parquet file and commits it (see ``store``). An incremental table
(``incremental=COLUMN, key=KEY``) is refreshed by running its query with
``COLUMN >= <the saved maximum>`` added around it, so the planner pushes the bound to the API
(a date filter becomes ``DateSent>=``), then merging: new rows replace saved rows of the same
key, saved rows not fetched again stay. ``>=`` rather than ``>``, so rows that share the
maximum but arrived after the last run are not lost; the merge makes them count once (of
several new rows of one key, the one with the highest COLUMN is kept).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pyarrow as pa

from distillr.errors import CatalogError, ConfigError, SqlError, UnsupportedError
from distillr.saved.store import SavedInfo, SavedStore, check_saved_name, now

__all__ = ["Statement", "drop", "parse_statement", "refresh", "run_statement", "save"]

#: rows per Parquet row group of a saved table
ROW_GROUP = 65_536
_IDENT = r"(?:`([^`]+)`|\"([^\"]+)\"|([A-Za-z_][A-Za-z0-9_]*))"
_CREATE = re.compile(
    rf"(?is)\s*create\s+(or\s+replace\s+)?table\s+(if\s+not\s+exists\s+)?{_IDENT}\s*\.\s*{_IDENT}"
    r"\s+as\s+(.+?)\s*;?\s*"
)
_DROP = re.compile(rf"(?is)\s*drop\s+table\s+(if\s+exists\s+)?{_IDENT}\s*\.\s*{_IDENT}\s*;?\s*")
_STARTS = re.compile(r"(?is)\s*(create(\s+or\s+replace)?|drop)\s+table\b")


@dataclass(frozen=True)
class Statement:
    kind: str  # "create" or "drop"
    name: str
    sql: str = ""
    replace: bool = False
    if_exists: bool = False  # DROP ... IF EXISTS
    if_not_exists: bool = False  # CREATE ... IF NOT EXISTS


def _ident(groups: tuple[str | None, ...]) -> str:
    return next(g for g in groups if g is not None)


def parse_statement(text: str) -> Statement | None:
    """The saved-table statement ``text`` is, ``None`` if it is none, or an error for a
    CREATE/DROP TABLE outside the ``saved`` schema."""
    if not _STARTS.match(text):
        return None
    m = _CREATE.fullmatch(text)
    if m:
        schema, name = _ident(m.group(3, 4, 5)), _ident(m.group(6, 7, 8))
        _saved_schema(schema, name)
        return Statement(
            "create",
            check_saved_name(name.lower()),
            sql=m.group(9),
            replace=bool(m.group(1)),
            if_not_exists=bool(m.group(2)),
        )
    m = _DROP.fullmatch(text)
    if m:
        schema, name = _ident(m.group(2, 3, 4)), _ident(m.group(5, 6, 7))
        _saved_schema(schema, name)
        return Statement("drop", name.lower(), if_exists=bool(m.group(1)))
    raise UnsupportedError(
        "CREATE TABLE works as CREATE TABLE saved.NAME AS SELECT ... (and DROP TABLE"
        " saved.NAME): saved tables are the only tables distillr writes."
    )


def _saved_schema(schema: str, name: str) -> None:
    if schema.lower() != "saved":
        raise UnsupportedError(
            f"Tables are written to the saved schema only: write saved.{name.lower()}, not"
            f" {schema}.{name}. API sources are read-only."
        )


def run_statement(session: Any, stmt: Statement):
    """Run a parsed statement; returns a one-row ``Result``."""
    from distillr.sql.result import Result

    store = SavedStore(session.home)
    if stmt.kind == "drop":
        if stmt.if_exists and not store.exists(stmt.name):
            return Result(table=pa.table({"dropped": pa.array([], pa.string())}))
        drop(session, stmt.name)
        return Result(table=pa.table({"dropped": [f"saved.{stmt.name}"]}))
    if store.exists(stmt.name) and stmt.if_not_exists:
        info = store.get(stmt.name)
    else:
        info = save(session, stmt.name, stmt.sql, replace=stmt.replace)
    return Result(table=_summary(info))


def _summary(info: SavedInfo) -> pa.Table:
    return pa.table(
        {
            "table": [f"saved.{info.name}"],
            "rows": pa.array([info.rows], pa.int64()),
            "bytes": pa.array([info.bytes], pa.int64()),
            "ran_at": [info.ran_at],
        }
    )


def save(
    session: Any,
    name: str,
    sql: str,
    *,
    replace: bool = False,
    incremental: str | None = None,
    key: str | None = None,
    pushdown: bool = True,
) -> SavedInfo:
    """Run ``sql`` and save its result as ``saved.NAME``."""
    check_saved_name(name)
    if (incremental is None) != (key is None):
        raise ConfigError("An incremental table needs both a column (--incremental) and --key.")
    store = SavedStore(session.home)
    with store.lock(name):
        if store.exists(name) and not replace:
            raise ConfigError(
                f"Saved table '{name}' already exists: refresh it with `distillr refresh"
                f" {name}`, replace it with CREATE OR REPLACE TABLE saved.{name} AS ..., or"
                f" drop it with DROP TABLE saved.{name}."
            )
        started = time.perf_counter()
        result = _run(session, sql, pushdown)
        temp, final = store.new_data_file(name)
        rows = _write(result, temp, incremental, key)
        info = SavedInfo(
            name=name,
            sql=sql.strip(),
            file=final.name,
            ran_at=now(),
            rows=rows,
            bytes=temp.stat().st_size,
            incremental=incremental,
            key=key,
            seconds=round(time.perf_counter() - started, 3),
        )
        return store.commit(info, temp, final)


def refresh(session: Any, name: str, *, full: bool = False, pushdown: bool = True) -> SavedInfo:
    """Run a saved table's query again (only the new rows, if it is incremental and not
    ``full``); the old table stays whole until the new one is committed."""
    store = SavedStore(session.home)
    info = store.get(name)
    if info.incremental is None or full:
        return save(
            session,
            name,
            info.sql,
            replace=True,
            incremental=info.incremental,
            key=info.key,
            pushdown=pushdown,
        )
    import pyarrow.parquet as pq

    with store.lock(name):
        info = store.get(name)
        started = time.perf_counter()
        old = pq.read_table(store.data_path(info))
        column = _column(old.schema, info.incremental)
        top = _max(old, column)
        sql = info.sql
        if top is not None:
            sql = (
                f"SELECT * FROM ({info.sql}) AS __saved"
                f" WHERE __saved.`{column}` >= {_literal(top, old.schema.field(column).type)}"
            )
        new = _run(session, sql, pushdown).arrow()
        merged = _merge(old, new, _column(new.schema, info.key), _column(new.schema, column))
        temp, final = store.new_data_file(name)
        _write_table(merged, temp)
        fresh = replace(
            info,
            file=final.name,
            ran_at=now(),
            rows=merged.num_rows,
            bytes=temp.stat().st_size,
            seconds=round(time.perf_counter() - started, 3),
        )
        return store.commit(fresh, temp, final)


def drop(session: Any, name: str) -> None:
    SavedStore(session.home).drop(name)


# --------------------------------------------------------------------------- helpers


def _run(session: Any, sql: str, pushdown: bool):
    from distillr.sql.dialect import classify

    if classify(sql).kind != "query":
        raise SqlError("A saved table is the result of a SELECT query.")
    return session.sql(sql, pushdown=pushdown)


def _column(schema: pa.Schema, name: str) -> str:
    for f in schema:
        if f.name.lower() == name.lower():
            return f.name
    raise CatalogError(
        f"The saved table has no column '{name}' (its columns: {', '.join(schema.names)})."
    )


def _check_names(schema: pa.Schema) -> None:
    seen: set[str] = set()
    for n in schema.names:
        if n.lower() in seen:
            raise SqlError(
                f"The query returns two columns named '{n}': name them apart with AS to save"
                " the result."
            )
        seen.add(n.lower())


def _write(result: Any, temp, incremental: str | None, key: str | None) -> int:
    import pyarrow.parquet as pq

    schema = result.schema
    _check_names(schema)
    for name in (incremental, key):
        if name is not None:
            _column(schema, name)
    rows = 0
    # the result's batches are small (a page each): gathered into row groups of ROW_GROUP
    # rows, a read yields a few large batches instead of many small ones
    pending: list[pa.Table] = []
    held = 0
    with pq.ParquetWriter(temp, schema, compression="zstd") as writer:
        for batch in result.batches():
            table = pa.Table.from_batches([batch])
            if not table.schema.equals(schema):
                table = table.cast(schema)
            pending.append(table)
            held += table.num_rows
            rows += table.num_rows
            if held >= ROW_GROUP:
                whole = pa.concat_tables(pending)
                cut = held - held % ROW_GROUP
                writer.write_table(whole.slice(0, cut), row_group_size=ROW_GROUP)
                left = whole.slice(cut)
                pending, held = ([left] if left.num_rows else []), left.num_rows
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)
    return rows


def _write_table(table: pa.Table, temp) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, temp, compression="zstd", row_group_size=ROW_GROUP)


def _max(table: pa.Table, column: str) -> Any:
    import pyarrow.compute as pc

    value = pc.max(table.column(column)).as_py()
    return value


def _literal(value: Any, type_: pa.DataType) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ConfigError(f"An incremental column must be a date, time, number or text, not {type_}.")


def _merge(old: pa.Table, new: pa.Table, key: str, column: str) -> pa.Table:
    """The newest row (by ``column``) of each key in ``new``, plus the rows of ``old`` whose
    key ``new`` does not hold."""
    import duckdb

    if new.num_rows == 0:
        return old
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        con.register("__old", old)
        con.register("__new", new)
        k = '"' + key.replace('"', '""') + '"'
        c = '"' + column.replace('"', '""') + '"'
        return con.sql(
            f"SELECT * FROM __new QUALIFY {k} IS NULL OR row_number() OVER"
            f" (PARTITION BY {k} ORDER BY {c} DESC NULLS LAST) = 1 UNION ALL BY NAME"
            f" SELECT o.* FROM __old o ANTI JOIN __new n ON o.{k} = n.{k}"
        ).to_arrow_table()
    finally:
        con.close()
