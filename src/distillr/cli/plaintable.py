"""The text table of a result, written to a pipe or a file as the rows arrive.

Laid out like the terminal table (``distillr.cli.render.terminal_table``, without fitting to a
screen), it holds only the first ``SAMPLE_ROWS`` rows, which it measures its columns on. Text,
integer, boolean and whole-second UTC timestamp columns are turned into text with Arrow's
compute kernels (imported on first use: a ``LIMIT 0`` query never loads them); other columns
go through ``render.cell`` a slice at a time.
"""

from __future__ import annotations

import decimal
import re
from typing import IO, Any

import pyarrow as pa

from distillr.cli.render import MAX_CELL, SLICE_ROWS, cell

SAMPLE_ROWS = 1000  # rows the table measures its column widths on


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

    def _texts(self, part: pa.RecordBatch) -> list[Any]:
        """Each column of ``part`` as text: an Arrow string array, or a list of ``str``."""
        columns = []
        for i, field in enumerate(self.schema):
            col = part.column(i)
            fast = _arrow_texts(col)
            if fast is not None:
                columns.append(fast)
                continue
            t = field.type
            values = col.to_pylist()
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
            min(max([_cells(name), *(_widest(cols[i]) for cols in sample)]), MAX_CELL)
            for i, name in enumerate(self.names)
        ]
        if not self.names:
            return
        self._write([[name] for name in self.names])
        self.out.write("─" * (sum(self.widths) + 3 * (len(self.widths) - 1)) + "\n")
        for columns in sample:
            self._write(columns)

    def _write(self, columns: list[Any]) -> None:
        if all(isinstance(c, list) for c in columns):
            fitted = [_fitted(texts, width) for texts, width in zip(columns, self.widths)]
            self.out.write("".join("   ".join(row) + "\n" for row in zip(*fitted)))
            return
        import pyarrow.compute as pc

        arrays = [
            _fitted_arrow(c, w) if isinstance(c, pa.Array) else pa.array(_fitted(c, w), pa.string())
            for c, w in zip(columns, self.widths)
        ]
        lines = pc.binary_join_element_wise(*arrays, "   ") if len(arrays) > 1 else arrays[0]
        self.out.write("".join(line + "\n" for line in lines.to_pylist()))


def _widest(column: Any) -> int:
    """Cells the widest text of a column takes."""
    import pyarrow.compute as pc  # not at start-up: a LIMIT 0 query never needs it

    if isinstance(column, pa.Array):
        return (pc.max(pc.utf8_length(column)).as_py() or 0) if len(column) else 0
    return max((_cells(t) for t in column), default=0)


def _arrow_texts(col: pa.Array) -> pa.Array | None:
    """``col`` as text with Arrow's kernels, exactly as ``render.cell`` writes each value, or
    ``None`` for a column that needs Python: other types, text that is not ASCII (wide
    characters), timestamps with fractions of a second, a zone other than UTC or a year
    before 1000."""
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = col.cast(pa.string()) if pa.types.is_large_string(t) else col
        if pc.all(pc.string_is_ascii(text)).as_py() is False:
            return None
        if pc.any(pc.match_substring_regex(text, "[\n\r\t]")).as_py():
            text = pc.replace_substring_regex(text, "[\n\r\t]", " ")
    elif pa.types.is_integer(t) or pa.types.is_boolean(t):
        text = col.cast(pa.string())
    elif pa.types.is_timestamp(t) and t.tz in (None, "UTC", "+00:00"):
        if len(col) and (
            pc.any(pc.not_equal(pc.subsecond(col), 0)).as_py()
            or (pc.min(pc.year(col)).as_py() or 1000) < 1000
        ):
            return None
        whole = col.cast(pa.timestamp("s", tz=t.tz), safe=False)
        text = pc.strftime(whole, format="%Y-%m-%d %H:%M:%S" + ("+00:00" if t.tz else ""))
    else:
        return None
    return pc.fill_null(text, "NULL")


def _fitted_arrow(texts: pa.Array, width: int) -> pa.Array:
    """``_fitted`` for an ASCII string array."""
    import pyarrow.compute as pc  # not at start-up: a LIMIT 0 query never needs it

    padded = pc.utf8_rpad(texts, width=width, padding=" ")
    long = pc.greater(pc.utf8_length(texts), MAX_CELL)
    if pc.any(long).as_py():
        cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(texts, 0, MAX_CELL - 1), "…", "")
        padded = pc.if_else(long, cut, padded)
    return padded
