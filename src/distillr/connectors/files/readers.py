"""Read files as Arrow: schemas and batches, with filters and column pruning applied early.

CSV/TSV and JSON/NDJSON are read by DuckDB (its sniffer decides the schema) in a private
connection confined to the source's directory (``allowed_directories``, external access off,
configuration locked), so even a path that slipped past ``paths`` could not be opened.
Parquet is read by ``connectors.parquet`` (``pyarrow.dataset``): filters are checked against
each row group's statistics, so row groups that cannot match are never read. Excel
(``.xlsx``) is read by openpyxl, the first row naming the columns; its values then go through
the same DuckDB filter.

Pushed predicates are applied with the engine's own semantics (DuckDB's), so a pushed filter
never changes a result; floating-point columns of Parquet files take no filters (Arrow and
DuckDB order NaN differently).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from distillr.connectors import parquet
from distillr.connectors.base import Pred
from distillr.connectors.parquet import BATCH_ROWS, failed
from distillr.errors import SourceError

__all__ = ["ReadOptions", "options_of", "private_db", "read_batches", "schema_of"]


@dataclass(frozen=True)
class ReadOptions:
    """Reader options of a source (``None``: the reader's own default or guess)."""

    delimiter: str | None = None
    header: bool | None = None
    sheet: str | None = None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def private_db(root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that can read files under ``root`` and nothing else."""
    con = duckdb.connect(
        config={"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    )
    try:
        folder = str(root).rstrip("/") + "/"
        con.execute("SET allowed_directories = $1", [[folder]])
        con.execute("SET TimeZone = 'UTC'")  # as the engine: timestamps read in UTC
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        con.close()
        raise
    return con


def _scan_sql(fmt: str, paths: Sequence[Path], opts: ReadOptions) -> tuple[str, list[Any]]:
    """The table function reading ``paths`` and its parameters."""
    files = [str(p) for p in paths]
    params: list[Any] = [files if len(files) > 1 else files[0]]
    if fmt == "json":
        extra = ", union_by_name = true" if len(files) > 1 else ""
        return f"read_json_auto($1{extra})", params
    args = []
    delimiter = opts.delimiter
    if delimiter is None and all(p.suffix.lower() == ".tsv" for p in paths):
        delimiter = "\t"
    if delimiter is not None:
        params.append(delimiter)
        args.append(f"delim = ${len(params)}")
    if opts.header is not None:
        params.append(opts.header)
        args.append(f"header = ${len(params)}")
    if len(files) > 1:
        args.append("union_by_name = true")
    return "read_csv($1" + "".join(", " + a for a in args) + ")", params


def _where(preds: Sequence[Pred], params: list[Any]) -> str:
    out = []
    for p in preds:
        col = _quote(p.column)
        if p.op == "in":
            marks = []
            for v in p.value:
                params.append(v)
                marks.append(f"${len(params)}")
            out.append(f"{col} IN ({', '.join(marks)})")
            continue
        params.append(p.value)
        mark = f"${len(params)}"
        if p.op == "prefix":
            out.append(f"starts_with({col}, {mark})")
        else:
            sym = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}[p.op]
            out.append(f"{col} {sym} {mark}")
    return (" WHERE " + " AND ".join(out)) if out else ""


def _select(columns: Sequence[str] | None) -> str:
    return "*" if columns is None else ", ".join(_quote(c) for c in columns) or "NULL AS _none"


def schema_of(fmt: str, root: Path, paths: Sequence[Path], opts: ReadOptions, shown: str):
    """The Arrow schema of a file (or files) as its reader infers it."""
    if fmt == "parquet":
        return parquet.schema_of(paths, shown)
    if fmt == "excel":
        return _excel_table(paths, opts, shown).schema
    con = private_db(root)
    try:
        sql, params = _scan_sql(fmt, paths, opts)
        return con.sql(f"SELECT * FROM {sql} LIMIT 0", params=params).to_arrow_table().schema
    except duckdb.Error as exc:
        raise failed(shown, exc) from None
    finally:
        con.close()


def read_batches(
    fmt: str,
    root: Path,
    paths: Sequence[Path],
    opts: ReadOptions,
    *,
    shown: str,
    schema: pa.Schema,
    columns: Sequence[str] | None,
    preds: Sequence[Pred],
    limit: int | None,
    row_groups: Sequence[int] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The rows of ``paths`` that may match ``preds``, in batches, at most ``limit``."""
    if fmt == "parquet":
        source = parquet.batches(paths[0], schema, columns, preds, row_groups, shown)
    else:
        source = _duckdb_batches(fmt, root, paths, opts, columns, preds, shown)
    left = limit
    for batch in source:
        if left is not None:
            if left <= 0:
                return
            if batch.num_rows > left:
                batch = batch.slice(0, left)
            left -= batch.num_rows
        yield batch


def _duckdb_batches(fmt, root, paths, opts, columns, preds, shown) -> Iterator[pa.RecordBatch]:
    con = private_db(root)
    try:
        if fmt == "excel":
            con.register("__sheet", _excel_table(paths, opts, shown))
            source, params = "__sheet", []
        else:
            source, params = _scan_sql(fmt, paths, opts)
        sql = f"SELECT {_select(columns)} FROM {source}" + _where(preds, params)
        try:
            reader = con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
            yield from reader
        except duckdb.Error as exc:
            raise failed(shown, exc) from None
    finally:
        con.close()


# --------------------------------------------------------------------------- excel


def _excel_table(paths: Sequence[Path], opts: ReadOptions, shown: str) -> pa.Table:
    tables = [_excel_sheet(p, opts, shown) for p in paths]
    if len(tables) == 1:
        return tables[0]
    try:
        return pa.concat_tables(tables, promote_options="permissive")
    except pa.ArrowException as exc:
        raise failed(shown, exc) from None


def _excel_sheet(path: Path, opts: ReadOptions, shown: str) -> pa.Table:
    try:
        import openpyxl
    except ModuleNotFoundError:
        raise SourceError("Reading Excel files needs openpyxl: pip install openpyxl.") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a bad file
        raise failed(shown, exc) from None
    try:
        if opts.sheet is not None:
            if opts.sheet not in book.sheetnames:
                names = ", ".join(book.sheetnames)
                raise SourceError(f"{shown} has no sheet '{opts.sheet}'; its sheets: {names}.")
            sheet = book[opts.sheet]
        else:
            sheet = book.worksheets[0]
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return _rows_table(rows, header=opts.header is not False)


def _rows_table(rows: list[list[Any]], header: bool) -> pa.Table:
    width = max((len(r) for r in rows), default=0)
    rows = [r + [None] * (width - len(r)) for r in rows]
    names = _names(rows[0] if header and rows else [None] * width)
    body = rows[1:] if header and rows else rows
    arrays = {}
    for i, name in enumerate(names):
        values = [r[i] for r in body]
        try:
            arrays[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arrays[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
        if pa.types.is_null(arrays[name].type):
            arrays[name] = arrays[name].cast(pa.string())
    return pa.table(arrays) if arrays else pa.table({})


def _names(first: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for i, value in enumerate(first):
        name = str(value).strip() if value is not None and str(value).strip() else f"column{i}"
        base, n = name, 1
        while name in out:
            n += 1
            name = f"{base}_{n}"
        out.append(name)
    return out


def options_of(values: Mapping[str, Any]) -> ReadOptions:
    return ReadOptions(
        delimiter=values.get("delimiter"), header=values.get("header"), sheet=values.get("sheet")
    )
