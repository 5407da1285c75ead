"""Write a result as CSV, JSON, JSON lines, Markdown, Parquet or a plain text table, batch by
batch as it arrives.

Every writer takes the result's record batches one at a time and keeps none of them: memory
stays at a batch (plus, for the text table, the rows it measures its columns on), whatever the
row count. Parquet gets one row group per batch (``pyarrow.parquet.ParquetWriter``).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from distillr.cli.plaintable import PlainTable
from distillr.cli.render import cell, json_default, row_dicts

__all__ = ["BINARY", "FORMATS", "atomic_output", "open_writer", "write_batches"]

FORMATS = ("table", "csv", "json", "jsonl", "parquet", "markdown")
BINARY = {"csv", "parquet"}  # written to a binary stream


class Writer:
    """Takes batches with ``write`` and finishes the output with ``close``."""

    def write(self, batch: pa.RecordBatch) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Write what ends the output (a closing bracket, a footer, Parquet's metadata)."""


class CsvWriter(Writer):
    def __init__(self, schema: pa.Schema, out: IO[bytes]) -> None:
        import pyarrow.csv as pacsv

        self._writer = pacsv.CSVWriter(out, flat_schema(schema))

    def write(self, batch: pa.RecordBatch) -> None:
        self._writer.write_batch(flat_batch(batch))

    def close(self) -> None:
        self._writer.close()


def flat_schema(schema: pa.Schema) -> pa.Schema:
    """The schema with nested columns (lists, structs, maps) as text, which CSV can hold."""
    return pa.schema(
        [pa.field(f.name, pa.string()) if pa.types.is_nested(f.type) else f for f in schema]
    )


def flat_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """The batch with nested values as compact JSON text (as the text table shows them)."""
    if not any(pa.types.is_nested(t) for t in batch.schema.types):
        return batch
    arrays = []
    for col in batch.columns:
        t = col.type
        if pa.types.is_nested(t):
            values = col.to_pylist()
            if pa.types.is_map(t):
                values = [None if v is None else dict(v) for v in values]
            col = pa.array([None if v is None else cell(v) for v in values], pa.string())
        arrays.append(col)
    return pa.RecordBatch.from_arrays(arrays, schema=flat_schema(batch.schema))


class JsonWriter(Writer):
    """One JSON array of objects, one object a line."""

    def __init__(self, schema: pa.Schema, out: IO[str]) -> None:
        self._out = out
        self._rows = 0
        out.write("[")

    def write(self, batch: pa.RecordBatch) -> None:
        out = self._out
        for row in row_dicts(batch):
            out.write(",\n  " if self._rows else "\n  ")
            out.write(json.dumps(row, default=json_default, ensure_ascii=False))
            self._rows += 1

    def close(self) -> None:
        self._out.write("\n]\n" if self._rows else "]\n")


class JsonLinesWriter(Writer):
    def __init__(self, schema: pa.Schema, out: IO[str]) -> None:
        self._out = out

    def write(self, batch: pa.RecordBatch) -> None:
        out = self._out
        for row in row_dicts(batch):
            out.write(json.dumps(row, default=json_default, ensure_ascii=False) + "\n")


class MarkdownWriter(Writer):
    def __init__(self, schema: pa.Schema, out: IO[str]) -> None:
        self._out = out
        names = schema.names
        out.write("| " + " | ".join(_md(n) for n in names) + " |\n")
        out.write("|" + "|".join(" --- " for _ in names) + "|\n")

    def write(self, batch: pa.RecordBatch) -> None:
        out = self._out
        for row in row_dicts(batch):
            out.write("| " + " | ".join(_md(cell(v)) for v in row.values()) + " |\n")


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


class ParquetWriter(Writer):
    def __init__(self, schema: pa.Schema, out: IO[bytes]) -> None:
        import pyarrow.parquet as pq

        self._writer = pq.ParquetWriter(out, schema)

    def write(self, batch: pa.RecordBatch) -> None:
        if batch.num_rows:
            self._writer.write_batch(batch)

    def close(self) -> None:
        self._writer.close()


class TableWriter(Writer):
    """The text table, for a pipe or a file (a terminal gets the fitted rich table)."""

    def __init__(self, schema: pa.Schema, out: IO[str]) -> None:
        self._table = PlainTable(schema, out)

    def write(self, batch: pa.RecordBatch) -> None:
        self._table.add(batch)

    def close(self) -> None:
        self._table.close()


_WRITERS: dict[str, Callable[[pa.Schema, IO[Any]], Writer]] = {
    "csv": CsvWriter,
    "json": JsonWriter,
    "jsonl": JsonLinesWriter,
    "markdown": MarkdownWriter,
    "parquet": ParquetWriter,
    "table": TableWriter,
}


def open_writer(fmt: str, schema: pa.Schema, out: IO[Any]) -> Writer:
    """A writer of ``fmt`` on ``out`` (binary for csv and parquet, text otherwise)."""
    return _WRITERS[fmt](schema, out)


def write_batches(
    batches: Iterable[pa.RecordBatch],
    schema: Callable[[], pa.Schema],
    fmt: str,
    out: IO[Any],
    *,
    before_first: Callable[[], None] | None = None,
    written: Callable[[int], None] | None = None,
) -> int:
    """Write every batch as ``fmt`` and return the number of rows.

    The writer takes its schema from the first batch; ``schema()`` is asked only for an empty
    result (to write the header of no rows). ``before_first`` runs once before anything is
    written, ``written`` after each batch with the rows so far.
    """
    writer: Writer | None = None
    rows = 0
    for batch in batches:
        if writer is None:
            if before_first is not None:
                before_first()
            writer = open_writer(fmt, batch.schema, out)
        writer.write(batch)
        rows += batch.num_rows
        if written is not None:
            written(rows)
    if writer is None:
        if before_first is not None:
            before_first()
        writer = open_writer(fmt, schema(), out)
    writer.close()
    return rows


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
