"""Values as text, and the rich table fitted to a terminal.

The terminal table fits the screen like the DuckDB shell does: columns that do not fit are
left out and named under the table, long values are cut with an ellipsis, and a footer says
how many rows there are. The text table for a pipe or a file is ``distillr.cli.plaintable``;
the other formats are in ``distillr.cli.writers``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

MAX_CELL = 40  # widest a column gets in a table
SLICE_ROWS = 2048  # rows turned into Python values at once


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
        return json.dumps(value, default=json_default, ensure_ascii=False)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value.as_tuple().exponent == 0:
            # scale 0: an integer, such as DuckDB's HUGEINT sum() of integers (Arrow has no
            # 128-bit integer); a JSON number, as DuckDB writes it, and still exact
            return int(value)
        return str(value)  # exact: 0.1 stays 0.1
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)


def row_lists(batch: pa.RecordBatch | pa.Table) -> Iterator[list[Any]]:
    """Rows as lists of Python values, a slice at a time (a whole batch of Python objects can
    be many times the batch); map columns become dicts (Arrow gives key/value pairs)."""
    maps = [i for i, f in enumerate(batch.schema) if pa.types.is_map(f.type)]
    for start in range(0, batch.num_rows, SLICE_ROWS):
        part = batch.slice(start, SLICE_ROWS)
        columns = [col.to_pylist() for col in part.columns]
        for i in maps:
            columns[i] = [None if v is None else dict(v) for v in columns[i]]
        yield from (list(values) for values in zip(*columns))


def row_dicts(batch: pa.RecordBatch | pa.Table) -> Iterator[dict[str, Any]]:
    """Rows as dicts of column name to Python value (see ``row_lists``)."""
    names = batch.schema.names
    for values in row_lists(batch):
        yield dict(zip(names, values))


def terminal_table(
    table: pa.Table,
    console: Any,
    *,
    max_rows: int | None = None,
    fit: bool = True,
    footer: str | None = None,
    total: int | None = None,
) -> None:
    """Print ``table`` with rich, fitted to the console's width when ``fit``. ``total`` is the
    result's row count when ``table`` holds only its first rows."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    names = table.column_names
    shown_rows = _short_decimals(table if max_rows is None else table.slice(0, max_rows))
    rows = [[cell(v) for v in r] for r in row_lists(shown_rows)] if names else []
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
    n = table.num_rows if total is None else total
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
