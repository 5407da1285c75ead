"""PEP 249 cursors: ``execute`` with qmark parameters, results fetched as they stream.

A cursor keeps one Arrow batch of its result at a time: a ``fetchmany`` loop over a large scan
holds a batch, not the whole answer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from distillr.dbapi.backends import Run
from distillr.dbapi.exceptions import Error, InterfaceError, ProgrammingError
from distillr.dbapi.params import bind
from distillr.dbapi.rows import python_rows
from distillr.dbapi.types import type_codes
from distillr.errors import DistillrError

__all__ = ["Cursor"]

#: rows of a batch turned into Python values at once
_SLICE = 4096


class Cursor:
    """Runs statements on its connection and fetches their rows."""

    #: rows ``fetchmany()`` returns when given no size
    arraysize = 1

    def __init__(self, connection: Any) -> None:
        #: the ``Connection`` the cursor runs its statements on
        self.connection = connection
        self._run: Run | None = None
        #: the result's rows a slice at a time, the current slice and the next row in it
        self._slices: Iterator[list[tuple]] = iter(())
        self._slice: list[tuple] = []
        self._at = 0
        self._fetched = 0
        self._done = True
        self._closed = False
        self.description: tuple[tuple, ...] | None = None
        self.rowcount = -1

    # -- running
    def execute(self, operation: str, parameters: Sequence[Any] | None = None) -> Cursor:
        """Run one statement; ``?`` placeholders take ``parameters`` in order."""
        self._check_open()
        if not isinstance(operation, str):
            raise ProgrammingError("execute() needs the SQL text as a string.")
        sql = bind(operation, parameters)
        self._reset()
        run = self.connection._backend.execute(
            sql, pushdown=self.connection.pushdown, timeout=self.connection.timeout
        )
        self._run = run
        self._done = False
        self._slices, self._slice, self._at = self._stream(run), [], 0
        self.description = _description(run.schema)
        return self

    def executemany(self, operation: str, seq_of_parameters: Sequence[Sequence[Any]]) -> Cursor:
        """Run ``operation`` once per parameter sequence; the last result can be fetched."""
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
        return self

    def _stream(self, run: Run) -> Iterator[list[tuple]]:
        for batch in run.batches:
            # Python objects for a slice at a time: a batch may hold 65,536 rows or more
            for start in range(0, batch.num_rows, _SLICE):
                yield python_rows(batch.slice(start, _SLICE))
        self._done = True

    def _take(self, size: int | None) -> list[tuple]:
        """Up to ``size`` more rows (all if None), whole slices at a time where they fit."""
        out: list[tuple] = []
        while size is None or len(out) < size:
            if self._at >= len(self._slice):
                self._slice, self._at = next(self._slices, []), 0
                if not self._slice and self._done:
                    break
                continue
            end = len(self._slice) if size is None else self._at + size - len(out)
            piece = self._slice[self._at : end]
            self._at += len(piece)
            if out:
                out.extend(piece)
            else:
                out = piece
        self._fetched += len(out)
        if self._done:  # the stream ended inside this call: count this call's rows too
            self.rowcount = self._fetched
        return out

    # -- fetching
    def fetchone(self) -> tuple | None:
        """The next row, or None when there are no more."""
        self._check_result()
        row = self._take(1)
        return row[0] if row else None

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        """Up to ``size`` (default ``arraysize``) more rows; an empty list at the end."""
        self._check_result()
        size = self.arraysize if size is None else size
        if not isinstance(size, int) or size < 0:
            raise ProgrammingError("fetchmany(size): size is a count of rows, 0 or more.")
        return self._take(size) if size else []

    def fetchall(self) -> list[tuple]:
        """Every remaining row."""
        self._check_result()
        return self._take(None)

    def fetch_arrow_table(self) -> pa.Table:
        """The remaining rows as an Arrow table, in the result's own types."""
        self._check_result()
        if self._fetched:
            raise ProgrammingError(
                "fetch_arrow_table() reads the whole result: call it right after execute()."
            )
        run = self._run
        batches = list(run.batches)
        self._slices, self._slice, self._at, self._done = iter(()), [], 0, True
        table = pa.Table.from_batches(batches, schema=run.schema)
        self._fetched = self.rowcount = table.num_rows
        return table

    def fetch_df(self):
        """The remaining rows as a pandas DataFrame."""
        return self.fetch_arrow_table().to_pandas()

    def __iter__(self) -> Cursor:
        return self

    def __next__(self) -> tuple:
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    # -- the rest of PEP 249
    @property
    def stats(self) -> dict[str, Any]:
        """Requests, pages, rows and time of the last statement (as ``Result.stats``)."""
        return self._run.stats() if self._run is not None else {}

    def cancel(self) -> None:
        """Stop the running statement (from another thread, say)."""
        if self._run is not None:
            self._run.cancel()

    def setinputsizes(self, sizes: Any) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    def setoutputsize(self, size: Any, column: int | None = None) -> None:
        """Accepted and ignored, as PEP 249 allows."""

    def nextset(self) -> None:
        """distillr statements give one result set."""
        self._check_open()
        return None

    def close(self) -> None:
        """Stop the result if it is still streaming; the cursor can no longer be used."""
        self._reset()
        self._closed = True

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reset(self) -> None:
        run, self._run = self._run, None
        if run is not None and not self._done:
            with contextlib.suppress(DistillrError, Error):  # a stopped query may say so
                run.close()
        self._slices, self._slice, self._at = iter(()), [], 0
        self._fetched, self._done = 0, True
        self.description, self.rowcount = None, -1

    def _check_open(self) -> None:
        if self._closed:
            raise InterfaceError("This cursor is closed; open another with connection.cursor().")
        self.connection._check_open()

    def _check_result(self) -> None:
        self._check_open()
        if self._run is None:
            raise InterfaceError("There is nothing to fetch: call execute() first.")


def _description(schema: pa.Schema) -> tuple[tuple, ...]:
    codes = type_codes(schema)
    return tuple(
        (field.name, code, None, None, *_precision(field.type), field.nullable)
        for field, code in zip(schema, codes, strict=True)
    )


def _precision(t: pa.DataType) -> tuple[int | None, int | None]:
    if pa.types.is_decimal(t):
        return t.precision, t.scale
    return None, None
