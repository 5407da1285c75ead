"""Query results as files (CSV, JSON, Parquet) and as Arrow IPC for the results grid.

Files are written batch by batch (``write_file``), so an export of a large kept result (which
may be memory-mapped from disk) never needs a second copy of it in memory.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["FORMATS", "display_table", "json_page", "to_arrow_ipc", "to_file", "write_file"]

#: format -> (media type, file extension)
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "arrow": ("application/vnd.apache.arrow.stream", "arrows"),
}
_SAFE_INT = 2**53


def _display_column(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """One column as a type a browser shows exactly: numbers that fit a double, else text."""
    t = col.type
    if pa.types.is_integer(t):
        if t.bit_width < 64:
            return col
        lo, hi = pc.min_max(col).values()
        fits = lo.as_py() is None or (abs(lo.as_py()) < _SAFE_INT and abs(hi.as_py()) < _SAFE_INT)
        return col.cast(pa.float64()) if fits else col.cast(pa.string())
    if pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_string(t):
        return col
    if pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_timestamp(t):
        fmt = "%Y-%m-%dT%H:%M:%S" + ("Z" if t.tz else "")
        secs = col.cast(pa.timestamp("s", tz=t.tz)) if t.unit != "s" else col
        text = pc.strftime(secs, format=fmt)
        return pa.chunked_array([c.cast(pa.string()) for c in text.chunks], type=pa.string())
    if pa.types.is_date(t) or pa.types.is_time(t) or pa.types.is_decimal(t):
        return col.cast(pa.string())
    if pa.types.is_null(t):
        return col.cast(pa.string())
    return _json_text(col)


def _json_text(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Lists, structs, maps and binary values as JSON text (DuckDB's to_json: vectorised)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("col", pa.table({"v": col}))
        out = con.sql("SELECT CAST(to_json(v) AS VARCHAR) AS v FROM col").to_arrow_table()
    except duckdb.Error:  # a type DuckDB cannot read: the slow, sure way
        values = [None if v is None else json.dumps(v, default=str) for v in col.to_pylist()]
        return pa.chunked_array([pa.array(values, type=pa.string())])
    finally:
        con.close()
    return out.column("v")


def display_table(table: pa.Table) -> pa.Table:
    """``table`` with every column in a type the web grid shows without surprises; text
    columns with few distinct values are dictionary-encoded (a smaller, faster download)."""
    cols = [_compact(_display_column(table.column(i))) for i in range(table.num_columns)]
    names = _unique_names(table.column_names)
    return pa.table(cols, names=names)


def _compact(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if not pa.types.is_string(col.type) or len(col) < 1000:
        return col
    encoded = pc.dictionary_encode(col.combine_chunks())
    if len(encoded.dictionary) > len(col) // 4:
        return col
    return pa.chunked_array([encoded])


def _unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}_{k + 1}")
    return out


def to_arrow_ipc(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=65536)
    return sink.getvalue()


def json_page(table: pa.Table, offset: int, limit: int) -> dict[str, Any]:
    """Rows ``offset``..``offset+limit`` as ``{"columns", "rows", "offset", "total"}``."""
    page = table.slice(offset, limit)
    rows = [list(r.values()) for r in page.to_pylist()]
    return {
        "columns": [{"name": f.name, "type": str(f.type)} for f in table.schema],
        "rows": json.loads(json.dumps(rows, default=str)),
        "offset": offset,
        "total": table.num_rows,
    }


#: rows converted at once while a file is written
_CHUNK = 65536


def to_file(table: pa.Table, fmt: str) -> bytes:
    """The whole result as a CSV, JSON (array of objects), Parquet or Arrow IPC file."""
    sink = io.BytesIO()
    write_file(table, fmt, sink)
    return sink.getvalue()


def write_file(table: pa.Table, fmt: str, sink: Any) -> None:
    """Write ``table`` to the binary file ``sink`` as ``fmt``, a slice at a time."""
    if fmt == "arrow":
        sink.write(to_arrow_ipc(table))
        return
    if fmt not in ("csv", "json", "parquet"):
        raise ValueError(fmt)
    slices = [table.slice(i, _CHUNK) for i in range(0, table.num_rows, _CHUNK)] or [table]
    if fmt == "csv":
        writer = None
        for part in slices:
            ready = _csv_ready(part)
            if writer is None:
                writer = pacsv.CSVWriter(sink, ready.schema)
            writer.write_table(ready)
        writer.close()
    elif fmt == "parquet":
        with pq.ParquetWriter(sink, table.schema) as writer:
            for part in slices:
                writer.write_table(part)
    else:
        sink.write(b"[")
        for i, part in enumerate(p for p in slices if p.num_rows):
            sink.write((b",\n" if i else b"") + _json_rows(part))
        sink.write(b"]")


def _json_rows(table: pa.Table) -> bytes:
    """Objects, one per row, joined by commas (DuckDB's to_json: maps become objects)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("result", table.rename_columns(_unique_names(table.column_names)))
        rows = con.sql("SELECT CAST(to_json(result) AS VARCHAR) FROM result").fetchall()
    except duckdb.Error:
        rows = [(json.dumps(r, default=str, ensure_ascii=False),) for r in table.to_pylist()]
    finally:
        con.close()
    return ",\n".join(r[0] for r in rows).encode()


def _csv_ready(table: pa.Table) -> pa.Table:
    """Nested columns as JSON text (CSV has no lists or structs)."""
    cols = []
    for col in table.columns:
        t = col.type
        if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
            col = _json_text(col)
        cols.append(col)
    return pa.table(cols, names=_unique_names(table.column_names))
