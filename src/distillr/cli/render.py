"""Render an Arrow table as a terminal table, CSV, JSON, JSON lines, Parquet or Markdown.

The terminal table fits the screen like the DuckDB shell does: columns that do not fit are
left out and named under the table, long values are cut with an ellipsis, and a footer says
how many rows there are; every other format writes every row and column.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

FORMATS = ("table", "csv", "json", "jsonl", "parquet", "markdown")
BINARY_FORMATS = {"parquet"}
MAX_CELL = 40  # widest a column gets in a terminal table


def cell(value: Any) -> str:
    """A value as text for tables: ISO dates, exact decimals, compact JSON for nested data."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time | decimal.Decimal):
        return str(value)
    if isinstance(value, list | dict | tuple):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact: 0.1 stays 0.1
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def _rows(table: pa.Table) -> Iterator[dict[str, Any]]:
    """Rows as dicts; map columns become dicts too (Arrow gives lists of key/value pairs)."""
    maps = [i for i, f in enumerate(table.schema) if pa.types.is_map(f.type)]
    names = table.column_names
    for batch in table.to_batches():
        if not maps:
            yield from batch.to_pylist()
            continue
        columns = [col.to_pylist() for col in batch.columns]
        for i in maps:
            columns[i] = [None if v is None else dict(v) for v in columns[i]]
        for values in zip(*columns):
            yield dict(zip(names, values))


def terminal_table(
    table: pa.Table,
    console: Any,
    *,
    max_rows: int | None = None,
    fit: bool = True,
    footer: str | None = None,
) -> None:
    """Print ``table`` with rich, fitted to the console's width when ``fit``."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    names = table.column_names
    shown_rows = _short_decimals(table if max_rows is None else table.slice(0, max_rows))
    rows = [[cell(v) for v in r.values()] for r in _rows(shown_rows)] if names else []
    widths = []
    for i, name in enumerate(names):
        longest = max((len(r[i]) for r in rows), default=0)
        widths.append(min(max(len(name), longest, 4), MAX_CELL))
    keep = len(names)
    if fit:
        used = 0
        for i, w in enumerate(widths):
            used += w + 3
            if used > console.width and i > 0:
                keep = i
                break
    out = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False, pad_edge=False)
    for name, w in zip(names[:keep], widths[:keep]):
        out.add_column(name, max_width=w, overflow="ellipsis", no_wrap=True)
    for r in rows:
        out.add_row(*[Text("NULL", style="dim") if v == "NULL" else Text(v) for v in r[:keep]])
    console.print(out)
    notes = []
    n = table.num_rows
    count = f"{n:,} row{'' if n == 1 else 's'}"
    if max_rows is not None and n > max_rows:
        count += (
            f" (showing the first {max_rows:,}; write them all with --format csv --output FILE)"
        )
    notes.append(count)
    if keep < len(names):
        hidden = names[keep:]
        listed = ", ".join(hidden[:8]) + (", ..." if len(hidden) > 8 else "")
        notes.append(
            f"{len(hidden)} more column{'s' if len(hidden) > 1 else ''} not shown "
            f"(widen the terminal, SELECT fewer columns or use --format json): {listed}"
        )
    if footer:
        notes.append(footer)
    for note in notes:
        console.print(Text(note, style="dim"))


def _short_decimals(table: pa.Table) -> pa.Table:
    """Decimal columns as text with as few places as their values need.

    A decimal column has one scale for every value (distillr reads money as
    ``decimal128(38, 10)``), so ``-0.00750`` arrives as ``-0.0075000000``. The table shows
    each column with the fewest places that keep all of its shown values exact (``-0.0075``
    and ``-0.0980`` side by side), never rounding.
    """
    for i, field in enumerate(table.schema):
        if not pa.types.is_decimal(field.type) or not table.num_rows:
            continue
        values = table.column(i).to_pylist()
        places = 0
        for v in values:
            if v is not None and v.is_finite():
                places = max(places, -v.normalize().as_tuple().exponent)
        texts = [
            None if v is None else format(v, f".{places}f") if v.is_finite() else str(v)
            for v in values
        ]
        table = table.set_column(i, field.name, pa.array(texts, pa.string()))
    return table


def markdown(table: pa.Table, out: IO[str]) -> None:
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    names = table.column_names
    out.write("| " + " | ".join(esc(n) for n in names) + " |\n")
    out.write("|" + "|".join(" --- " for _ in names) + "|\n")
    for row in _rows(table):
        out.write("| " + " | ".join(esc(cell(v)) for v in row.values()) + " |\n")


def csv(table: pa.Table, out: IO[bytes]) -> None:
    import pyarrow.csv as pacsv

    pacsv.write_csv(_flat(table), out)


def _flat(table: pa.Table) -> pa.Table:
    """Nested columns (lists, structs, maps) as JSON text, which CSV can hold."""
    cols = []
    for col in table.columns:
        t = col.type
        if pa.types.is_nested(t) and not len(col):
            col = pa.chunked_array([], type=pa.string())  # pa.array([]) would import pandas
        elif pa.types.is_nested(t):
            values = col.to_pylist()
            if pa.types.is_map(t):
                values = [None if v is None else dict(v) for v in values]
            col = pa.array([None if v is None else cell(v) for v in values], pa.string())
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def json_array(table: pa.Table, out: IO[str]) -> None:
    out.write("[")
    for i, row in enumerate(_rows(table)):
        out.write(",\n  " if i else "\n  ")
        out.write(json.dumps(row, default=_json_default, ensure_ascii=False))
    out.write("\n]\n" if table.num_rows else "]\n")


def json_lines(table: pa.Table, out: IO[str]) -> None:
    for row in _rows(table):
        out.write(json.dumps(row, default=_json_default, ensure_ascii=False) + "\n")


def parquet(table: pa.Table, out: IO[bytes]) -> None:
    import pyarrow.parquet as pq

    pq.write_table(table, out)


def write(table: pa.Table, fmt: str, out: IO[Any]) -> None:
    """Write ``table`` as ``fmt`` (not ``table``) to ``out`` (binary for csv and parquet)."""
    {"csv": csv, "json": json_array, "jsonl": json_lines, "parquet": parquet, "markdown": markdown}[
        fmt
    ](table, out)


@contextmanager
def atomic_output(path: Path, binary: bool) -> Iterator[IO[Any]]:
    """Write to a temporary file next to ``path`` and move it into place only on success, so a
    failed or interrupted query never leaves a half-written file."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(
            fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})
        ) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
