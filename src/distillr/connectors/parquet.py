"""Parquet files read with ``pyarrow.dataset``: pushed filters become expressions, checked
against each row group's statistics (row groups that cannot match are never read), then
applied to the rows read; only the requested columns are decoded. A read without filters, of a
file in the table's own schema, goes through ``pyarrow.parquet`` alone (the same rows and types,
without importing ``pyarrow.dataset``).

Shared by every source that keeps its data in Parquet (files sources, saved tables). Filters
keep DuckDB's semantics: ``column_filters`` declares none on floating-point columns, where
Arrow and DuckDB order NaN differently.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from distillr.connectors.base import Pred
from distillr.errors import SourceError

__all__ = ["BATCH_ROWS", "batches", "column_filters", "failed", "row_groups", "schema_of"]

BATCH_ROWS = 65_536
_RANGE = {"eq": True, "gt": True, "gte": True, "lt": True, "lte": True}


def failed(what: str, exc: Exception) -> SourceError:
    text = str(exc).strip().split("\n")[0]
    return SourceError(f"Reading {what} failed: {text}")


def column_filters(type_: pa.DataType, floats: bool = False) -> dict[str, bool]:
    """The operators a column of ``type_`` takes, all exact (``floats``: floating-point
    columns take them too, for readers with DuckDB's semantics)."""
    if pa.types.is_boolean(type_):
        return {"eq": True}
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return {**_RANGE, "prefix": True}
    if pa.types.is_floating(type_):
        return dict(_RANGE) if floats else {}
    if (
        pa.types.is_integer(type_)
        or pa.types.is_decimal(type_)
        or pa.types.is_timestamp(type_)
        or pa.types.is_date(type_)
    ):
        return dict(_RANGE)
    return {}


def schema_of(paths: Sequence[Path], shown: str) -> pa.Schema:
    """The schema of one Parquet file, or the unified schema of several."""
    import pyarrow.parquet as pq

    try:
        schemas = [pq.read_schema(p) for p in paths]
        return pa.unify_schemas(schemas) if len(schemas) > 1 else schemas[0]
    except (pa.ArrowException, OSError) as exc:
        raise failed(shown, exc) from None


def _local():
    import pyarrow.fs as pafs

    return pafs.LocalFileSystem()


def _file(path: Path):
    """The file through ``pyarrow.parquet`` alone: a read without filters needs neither
    ``pyarrow.dataset`` nor what it imports (pandas: seconds on a busy machine, once per
    process)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(path)


def _expression(preds: Sequence[Pred], schema: pa.Schema):
    import pyarrow.compute as pc

    expr = None
    for p in preds:
        field = pc.field(p.column)
        typ = schema.field(p.column).type
        if p.op == "in":
            term = field.isin(pa.array(list(p.value), type=typ))
        elif p.op == "prefix":
            term = pc.starts_with(field, p.value)
        else:
            value = pa.scalar(p.value, type=typ)
            term = {
                "eq": field == value,
                "gt": field > value,
                "gte": field >= value,
                "lt": field < value,
                "lte": field <= value,
            }[p.op]
        expr = term if expr is None else expr & term
    return expr


def row_groups(
    path: Path, schema: pa.Schema, preds: Sequence[Pred], shown: str
) -> tuple[list[int], int]:
    """(row groups that may match, row groups in the file), by the file's statistics."""
    if not preds:
        try:
            with _file(path) as file:
                total = file.metadata.num_row_groups
        except (pa.ArrowException, OSError) as exc:
            raise failed(shown, exc) from None
        return list(range(total)), total
    import pyarrow.dataset as ds

    try:
        fragment = ds.ParquetFileFormat().make_fragment(str(path), _local())
        total = fragment.metadata.num_row_groups
        expr = _expression(preds, schema)
        if expr is None:
            return list(range(total)), total
        kept = [
            rg.id
            for piece in fragment.split_by_row_group(expr, schema=schema)
            for rg in piece.row_groups
        ]
        return kept, total
    except (pa.ArrowException, OSError) as exc:
        raise failed(shown, exc) from None


def batches(
    path: Path,
    schema: pa.Schema,
    columns: Sequence[str] | None,
    preds: Sequence[Pred],
    groups: Sequence[int] | None,
    shown: str,
) -> Iterator[pa.RecordBatch]:
    """The rows of ``path`` (only ``groups``, if given) that may match ``preds``."""
    names = list(schema.names) if columns is None else list(columns)
    if not preds:
        try:
            with _file(path) as file:
                if file.schema_arrow.equals(schema):
                    everything = range(file.metadata.num_row_groups)
                    yield from file.iter_batches(
                        batch_size=BATCH_ROWS,
                        row_groups=everything if groups is None else groups,
                        columns=names,
                    )
                    return
        except (pa.ArrowException, OSError) as exc:
            raise failed(shown, exc) from None
    import pyarrow.dataset as ds

    try:
        fmt = ds.ParquetFileFormat()
        fragment = fmt.make_fragment(str(path), _local(), row_groups=groups)
        yield from fragment.to_batches(
            schema=schema,
            columns=names,
            filter=_expression(preds, schema),
            batch_size=BATCH_ROWS,
        )
    except (pa.ArrowException, OSError) as exc:
        raise failed(shown, exc) from None
