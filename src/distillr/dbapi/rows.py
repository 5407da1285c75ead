"""Arrow batches as Python rows, for cursors: ``to_pylist``'s values, faster for the types
where Arrow's per-value conversion is slow (timestamps with a zone, decimals)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pyarrow as pa

__all__ = ["python_rows", "python_values"]

_UTC = dt.UTC
#: what numpy's datetime64[us] turns into Python datetimes (beyond it, ints)
_FIRST, _LAST = np.datetime64("0001-01-01", "us"), np.datetime64("9999-12-31T23:59:59.999999")


def python_values(col: pa.Array) -> list:
    """``col.to_pylist()``: the same values, types and time zones."""
    t = col.type
    if pa.types.is_timestamp(t) and t.unit != "ns" and len(col) > col.null_count:
        return _timestamps(col)
    if pa.types.is_decimal(t):
        return [None if s is None else Decimal(s) for s in col.cast(pa.string()).to_pylist()]
    return col.to_pylist()


def _timestamps(col: pa.Array) -> list:
    t = col.type
    naive = col.cast(pa.timestamp(t.unit)) if t.tz else col  # UTC wall-clock time
    stamps = naive.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    valid = stamps[~np.isnat(stamps)]
    if valid.min() < _FIRST or valid.max() > _LAST:
        return col.to_pylist()  # to_pylist's own error for what a datetime cannot hold
    values = stamps.tolist()
    if not t.tz:
        return values
    first = next(i for i, v in enumerate(values) if v is not None)
    zone = col.slice(first, 1).to_pylist()[0].tzinfo  # the tzinfo object to_pylist gives
    if zone.utcoffset(None) == dt.timedelta(0) and getattr(zone, "key", "UTC") == "UTC":
        return [None if v is None else v.replace(tzinfo=zone) for v in values]
    return [None if v is None else v.replace(tzinfo=_UTC).astimezone(zone) for v in values]


def python_rows(batch: pa.RecordBatch) -> list[tuple]:
    """The rows of ``batch`` as tuples."""
    columns = [python_values(col) for col in batch.columns]
    return list(zip(*columns)) if columns else [() for _ in range(batch.num_rows)]
