"""Kept query results, within budgets.

A query's batches go into a ``ResultSink`` as they arrive:

- each result may hold at most ``max_rows`` rows and ``max_bytes`` bytes; past either the query
  is stopped and fails with ``ResultTooLarge``, which says what to do (never a silent cut);
- results in memory share ``memory`` bytes in all (finished ones and those still arriving);
  a result that does not fit is spilled: its batches so far and every later one are written to
  an Arrow IPC file in a private temporary folder (mode 0700), and it is read back
  memory-mapped;
- files share ``disk`` bytes in all; when a new one does not fit, the oldest finished spilled
  results expire (their queries answer "expired"), and if that is not enough the query fails.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import pyarrow as pa

from distillr.errors import DistillrError

__all__ = ["KeptResult", "ResultSink", "ResultStore", "ResultTooLarge"]


class ResultTooLarge(DistillrError):
    """A result past the server's cap for kept results."""

    kind = "too_large"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"


class KeptResult:
    """A finished result, in memory or in a file."""

    def __init__(self, store: ResultStore, table: pa.Table | None, path: Path | None) -> None:
        self._store, self._table, self.path = store, table, path
        self.expired = False
        self.num_rows = 0
        self.nbytes = 0
        self.schema: pa.Schema | None = table.schema if table is not None else None

    @property
    def where(self) -> str:
        return "memory" if self.path is None else "disk"

    def table(self) -> pa.Table:
        if self._table is not None:
            return self._table
        if self.path is None or self.expired:
            raise DistillrError("This result expired; run the query again.")
        with pa.memory_map(str(self.path), "r") as source:
            return pa.ipc.open_file(source).read_all()

    def release(self) -> None:
        """Free what the result holds (memory or file) and its share of the budget."""
        self._store._release(self)


class ResultSink:
    """Takes one query's batches; ``finish()`` gives the ``KeptResult``."""

    def __init__(self, store: ResultStore, name: str) -> None:
        self._store, self._name = store, name
        self._batches: list[pa.RecordBatch] = []
        self._memory = 0  # bytes reserved in memory
        self._disk = 0  # bytes reserved on disk
        self._path: Path | None = None
        self._writer: pa.ipc.RecordBatchFileWriter | None = None
        self._file = None
        self._schema: pa.Schema | None = None
        self.rows = 0
        self.bytes = 0

    def add(self, batch: pa.RecordBatch) -> None:
        store = self._store
        self.rows += batch.num_rows
        self.bytes += batch.nbytes
        if self.rows > store.max_rows or self.bytes > store.max_bytes:
            self.discard()
            raise ResultTooLarge(
                f"The result is larger than this server keeps for one query (at most"
                f" {store.max_rows:,} rows and {_mib(store.max_bytes)}). Add a LIMIT or a WHERE,"
                " aggregate it, or run it with the CLI (`distillr query ... --output FILE`)."
            )
        if self._writer is None and store._reserve_memory(batch.nbytes):
            self._memory += batch.nbytes
            self._batches.append(batch)
            return
        self._spill(batch)

    def _spill(self, batch: pa.RecordBatch) -> None:
        store = self._store
        if self._writer is None:
            self._path = store._new_file(self._name)
            self._file = open(self._path, "wb")  # noqa: SIM115 - closed in finish/discard
            self._writer = pa.ipc.new_file(self._file, batch.schema)
            self._schema = batch.schema
            pending, self._batches = self._batches, []
            for old in pending:
                self._write(old)
            store._release_memory(self._memory)
            self._memory = 0
        self._write(batch)

    def _write(self, batch: pa.RecordBatch) -> None:
        if not self._store._reserve_disk(batch.nbytes):
            self.discard()
            raise ResultTooLarge(
                f"The server's space for kept results is full ({_mib(self._store.disk)} on"
                " disk, held by queries still running). Try again when they finish, or add a"
                " LIMIT."
            )
        self._disk += batch.nbytes
        self._writer.write_batch(batch)

    def finish(self, schema: pa.Schema) -> KeptResult:
        if self._writer is not None:
            self._writer.close()
            self._file.close()
            kept = KeptResult(self._store, None, self._path)
            kept.schema = self._schema
        else:
            table = pa.Table.from_batches(self._batches, schema=None if self._batches else schema)
            kept = KeptResult(self._store, table, None)
        kept.num_rows, kept.nbytes = self.rows, self.bytes
        kept._memory, kept._disk = self._memory, self._disk
        if kept.schema is None:
            kept.schema = schema
        self._batches, self._writer = [], None
        self._store._finished(kept)
        return kept

    def discard(self) -> None:
        """Drop everything taken so far (the query failed or was cancelled)."""
        self._batches = []
        if self._writer is not None:
            try:
                self._writer.close()
                self._file.close()
            except (OSError, pa.ArrowException):
                pass
            self._writer = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None
        self._store._release_memory(self._memory)
        self._store._release_disk(self._disk)
        self._memory = self._disk = 0


class ResultStore:
    def __init__(
        self,
        *,
        max_rows: int,
        max_bytes: int,
        memory: int,
        disk: int,
        folder: str | os.PathLike | None = None,
    ) -> None:
        self.max_rows, self.max_bytes, self.memory, self.disk = max_rows, max_bytes, memory, disk
        self._parent = Path(folder) if folder else None
        self._dir: Path | None = None
        self._memory_used = 0
        self._disk_used = 0
        self._spilled: OrderedDict[int, KeptResult] = OrderedDict()  # finished, oldest first
        self._lock = threading.Lock()
        self._seq = 0

    @property
    def used(self) -> tuple[int, int]:
        """Bytes held (in memory, on disk)."""
        return self._memory_used, self._disk_used

    @property
    def folder(self) -> Path | None:
        return self._dir

    def sink(self, name: str) -> ResultSink:
        return ResultSink(self, name)

    def close(self) -> None:
        with self._lock:
            folder, self._dir = self._dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    # -- budget (called by sinks and kept results) ------------------------------------------
    def _reserve_memory(self, n: int) -> bool:
        with self._lock:
            if self._memory_used + n > self.memory:
                return False
            self._memory_used += n
            return True

    def _release_memory(self, n: int) -> None:
        with self._lock:
            self._memory_used -= n

    def _reserve_disk(self, n: int) -> bool:
        while True:
            with self._lock:
                if self._disk_used + n <= self.disk:
                    self._disk_used += n
                    return True
                if not self._spilled:
                    return False
                _, oldest = self._spilled.popitem(last=False)
            self._expire(oldest)

    def _release_disk(self, n: int) -> None:
        with self._lock:
            self._disk_used -= n

    def _new_file(self, name: str) -> Path:
        with self._lock:
            if self._dir is None:
                if self._parent is not None:
                    self._parent.mkdir(parents=True, exist_ok=True)
                self._dir = Path(tempfile.mkdtemp(prefix="distillr-results-", dir=self._parent))
                os.chmod(self._dir, 0o700)
            self._seq += 1
            return self._dir / f"{self._seq:06d}-{name}.arrow"

    def _finished(self, kept: KeptResult) -> None:
        if kept.path is not None:
            with self._lock:
                self._spilled[id(kept)] = kept

    def _expire(self, kept: KeptResult) -> None:
        kept.expired = True
        self._free(kept)

    def _release(self, kept: KeptResult) -> None:
        with self._lock:
            self._spilled.pop(id(kept), None)
        self._free(kept)

    def _free(self, kept: KeptResult) -> None:
        memory, disk = getattr(kept, "_memory", 0), getattr(kept, "_disk", 0)
        kept._memory = kept._disk = 0
        kept._table = None
        self._release_memory(memory)
        self._release_disk(disk)
        if kept.path is not None:
            kept.path.unlink(missing_ok=True)
