"""``SavedConnector``: the saved tables as the source ``saved`` (``SELECT * FROM saved.x``).

Each table is its current Parquet file, read like any Parquet file (filters skip row groups,
only the requested columns are decoded). The description tells rows, size, age and the SQL;
the record is read again on every plan, so a refresh by another process shows at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import ClassVar

import pyarrow as pa

from distillr.connectors import parquet
from distillr.connectors.base import Column, Connector, ScanRequest, ScanStats, Split, TableDef
from distillr.saved.store import SavedInfo, SavedStore

__all__ = ["SOURCE", "SavedConnector", "age", "size"]

SOURCE = "saved"


def size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def age(when: datetime) -> str:
    seconds = max(0, int((datetime.now(UTC) - when).total_seconds()))
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{seconds // length} {unit}"
    return f"{seconds} s"


class SavedConnector(Connector):
    """Read-only view of a :class:`SavedStore`."""

    type: ClassVar[str] = ""
    max_fanout = 10_000

    def __init__(self, store: SavedStore) -> None:
        super().__init__(SOURCE)
        self.store = store
        self._schemas: dict[str, pa.Schema] = {}

    def _def(self, info: SavedInfo) -> TableDef:
        schema = self._schemas.get(info.file)
        if schema is None:
            schema = parquet.schema_of([self.store.data_path(info)], f"saved.{info.name}")
            self._schemas[info.file] = schema
        columns = tuple(
            Column(f.name, f.type, filters=parquet.column_filters(f.type)) for f in schema
        )
        text = (
            f"{info.rows:,} rows, {size(info.bytes)}, saved {age(info.ran)} ago"
            + (f" (incremental on {info.incremental}, key {info.key})" if info.incremental else "")
            + f": {' '.join(info.sql.split())}"
        )
        return TableDef(name=info.name, columns=columns, description=text)

    def tables(self) -> Sequence[TableDef]:
        return [self._def(info) for info in self.store.list()]

    def table(self, name: str) -> TableDef:
        return self._def(self.store.get(name.lower()))

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        info = self.store.get(request.table)
        table = self._def(info)
        path = self.store.data_path(info)
        kept, total = parquet.row_groups(path, table.schema, request.predicates, info.name)
        if not kept:
            return []
        return [
            Split(
                table=info.name,
                params={
                    "file": info.file,
                    "columns": request.columns,
                    "predicates": tuple(request.predicates),
                    "row_groups": tuple(kept),
                },
                limit=request.limit,
                describe=f"read saved.{info.name}: {len(kept)} of {total} row groups"
                f" ({total - len(kept)} skipped by statistics)",
            )
        ]

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        p = split.params
        path = self.store.folder / p["file"]
        info = self.store.get(split.table)
        schema = self._def(info).schema if info.file == p["file"] else parquet.schema_of([path], "")
        left = split.limit
        for batch in parquet.batches(
            path,
            schema,
            p["columns"],
            p["predicates"],
            list(p["row_groups"]),
            f"saved.{split.table}",
        ):
            if left is not None:
                if left <= 0:
                    return
                batch = batch.slice(0, left)
                left -= batch.num_rows
            if stats is not None:
                stats.add(pages=1, rows=batch.num_rows)
            yield batch
