"""Values as text, and results as tables: the rich table fitted to a terminal, and the plain
text table written to a pipe or a file as the rows arrive.

The terminal table fits the screen like the DuckDB shell does: columns that do not fit are
left out and named under the table, long values are cut with an ellipsis, and a footer says
how many rows there are. The plain table (``PlainTable``) keeps every column and holds only the
first ``SAMPLE_ROWS`` rows, which it measures its columns on; the other formats are in
``distillr.cli.writers``.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import re
from collections.abc import Iterator
from typing import IO, Any

import pyarrow as pa

MAX_CELL = 40  # widest a column gets in a table
SAMPLE_ROWS = 1000  # rows the plain table measures its column widths on
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


def _places(value: decimal.Decimal) -> int:
    """Decimal places ``value`` needs to stay exact (``-0.0075000000`` needs 4)."""
    return max(0, -value.normalize().as_tuple().exponent) if value.is_finite() else 0


def _cells(text: str) -> int:
    """Terminal cells ``text`` takes (wide characters take two)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _fit(text: str, width: int) -> str:
    """``text`` padded or cut (with an ellipsis) to ``width`` terminal cells, as rich does."""
    if text.isascii():
        if len(text) <= width:
            return text + " " * (width - len(text))
        return text[: width - 1] + "…"
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


_CONTROL = str.maketrans({"\n": " ", "\r": " ", "\t": " "})
_HAS_CONTROL = re.compile("[\n\r\t]").search


def _clean(text: str) -> str:
    return text.translate(_CONTROL) if _HAS_CONTROL(text) else text


def _fitted(texts: list[str], width: int) -> list[str]:
    """A column's texts padded to ``width``; wider ones are kept whole up to ``MAX_CELL`` and
    cut with an ellipsis past it."""
    out = []
    for t in texts:
        if not t.isascii():
            t = _fit(t, max(width, min(_cells(t), MAX_CELL)))
        elif len(t) <= width:
            t = t.ljust(width)
        elif len(t) > MAX_CELL:
            t = t[: MAX_CELL - 1] + "…"
        out.append(t)
    return out


class PlainTable:
    """A text table written as rows arrive, laid out like the terminal table with every column.

    Columns are as wide as their widest value in the first ``SAMPLE_ROWS`` rows (at most
    ``MAX_CELL``), which are the only rows held. A later value wider than its column is
    written whole up to ``MAX_CELL`` and pushes the rest of its line right, rather than being
    cut. Decimal columns show the places their sampled values need, and more for a later
    value that needs more (never rounding). Line breaks and tabs in values become spaces.
    Ends with the row count. Values are turned into text a column and ``SLICE_ROWS`` rows
    at a time.
    """

    def __init__(self, schema: pa.Schema, out: IO[str]) -> None:
        self.out = out
        self.schema = schema
        self.names = list(schema.names)
        self.places = [0] * len(self.names)
        self.widths: list[int] | None = None
        self.sample: list[pa.RecordBatch] = []
        self.held = 0
        self.rows = 0

    def add(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if not self.names:
            return
        for start in range(0, batch.num_rows, SLICE_ROWS):
            part = batch.slice(start, SLICE_ROWS)
            if self.widths is not None:
                self._write(self._texts(part))
                continue
            self.sample.append(part)
            self.held += part.num_rows
            if self.held >= SAMPLE_ROWS:
                self._start()

    def close(self) -> None:
        if self.widths is None:
            self._start()
        n = self.rows
        self.out.write(f"{n:,} row{'' if n == 1 else 's'}\n")

    def _texts(self, part: pa.RecordBatch) -> list[list[str]]:
        """Each column of ``part`` as text."""
        columns = []
        for i, field in enumerate(self.schema):
            t = field.type
            values = part.column(i).to_pylist()
            if pa.types.is_string(t) or pa.types.is_large_string(t):
                texts = ["NULL" if v is None else _clean(v) for v in values]
            elif pa.types.is_decimal(t):
                least = self.places[i]
                texts = [
                    "NULL"
                    if v is None
                    else format(v, f".{max(least, _places(v))}f")
                    if v.is_finite()
                    else str(v)
                    for v in values
                ]
            elif pa.types.is_map(t):
                texts = [cell(None if v is None else dict(v)) for v in values]
            else:
                texts = [_clean(cell(v)) for v in values]
            columns.append(texts)
        return columns

    def _start(self) -> None:
        """Measure the columns on the sample, write the header and the sampled rows."""
        for i, field in enumerate(self.schema):
            if pa.types.is_decimal(field.type):
                self.places[i] = max(
                    (
                        _places(v)
                        for part in self.sample
                        for v in part.column(i).to_pylist()
                        if v is not None
                    ),
                    default=0,
                )
        sample = [self._texts(part) for part in self.sample]
        self.sample = []
        self.widths = [
            min(
                max(_cells(name), max((_cells(t) for cols in sample for t in cols[i]), default=0)),
                MAX_CELL,
            )
            for i, name in enumerate(self.names)
        ]
        if not self.names:
            return
        self._write([[name] for name in self.names])
        self.out.write("─" * (sum(self.widths) + 3 * (len(self.widths) - 1)) + "\n")
        for columns in sample:
            self._write(columns)

    def _write(self, columns: list[list[str]]) -> None:
        fitted = [_fitted(texts, width) for texts, width in zip(columns, self.widths)]
        self.out.write("".join("   ".join(row) + "\n" for row in zip(*fitted)))
