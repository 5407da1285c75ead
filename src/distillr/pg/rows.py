"""Arrow results as PostgreSQL rows: a RowDescription from the schema, DataRows from each
batch, in the text format.

DataRows are built column-wise with Arrow compute (each value's text, its length prefix, one
join per row), so a batch of any size costs a few vectorised passes, not a Python loop per
value. Types map to PostgreSQL's: integers, floats, numeric, text, bool, date, time,
timestamp and timestamptz, bytea, and jsonb for structs, lists and maps.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillr.pg.messages import cstr, message

__all__ = ["data_rows", "oid_of", "row_description"]

BOOL, BYTEA, INT8, INT2, INT4, TEXT, JSON = 16, 17, 20, 21, 23, 25, 114
FLOAT4, FLOAT8, UNKNOWN, VARCHAR, DATE, TIME = 700, 701, 705, 1043, 1082, 1083
TIMESTAMP, TIMESTAMPTZ, INTERVAL, NUMERIC, UUID, JSONB = 1114, 1184, 1186, 1700, 2950, 3802

#: bytes of each fixed-size type (typlen), -1 for variable
_TYPLEN = {BOOL: 1, INT2: 2, INT4: 4, INT8: 8, FLOAT4: 4, FLOAT8: 8, DATE: 4, TIME: 8}
_TYPLEN.update({TIMESTAMP: 8, TIMESTAMPTZ: 8, INTERVAL: 16, UUID: 16})


def oid_of(t: pa.DataType) -> int:
    """The PostgreSQL type OID of an Arrow type."""
    if pa.types.is_dictionary(t):
        return oid_of(t.value_type)
    if pa.types.is_boolean(t):
        return BOOL
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return INT2
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return INT4
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return INT8
    if pa.types.is_uint64(t) or pa.types.is_decimal(t):
        return NUMERIC
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return FLOAT4
    if pa.types.is_float64(t):
        return FLOAT8
    if pa.types.is_timestamp(t):
        return TIMESTAMPTZ if t.tz else TIMESTAMP
    if pa.types.is_date(t):
        return DATE
    if pa.types.is_time(t):
        return TIME
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return INTERVAL
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return BYTEA
    if pa.types.is_nested(t):
        return JSONB
    return TEXT


def row_description(schema: pa.Schema) -> bytes:
    """The RowDescription of a result (every column in the text format)."""
    parts = [struct.pack("!h", len(schema))]
    for field in schema:
        oid = oid_of(field.type)
        parts.append(
            cstr(field.name) + struct.pack("!ihihih", 0, 0, oid, _TYPLEN.get(oid, -1), -1, 0)
        )
    return message(b"T", b"".join(parts))


def _text(col: pa.Array) -> pa.Array:
    """Each value of ``col`` in PostgreSQL's text format, as a string array (nulls kept)."""
    t = col.type
    if pa.types.is_dictionary(t):
        return _text(col.dictionary_decode())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.string())
    if pa.types.is_boolean(t):
        return pc.if_else(col, "t", "f")
    if pa.types.is_timestamp(t):
        text = pc.strftime(col, format="%Y-%m-%d %H:%M:%S")
        return pc.binary_join_element_wise(text, "+00", "") if t.tz else text
    if pa.types.is_floating(t):
        text = col.cast(pa.string())
        return pc.replace_substring(pc.replace_substring(text, "inf", "Infinity"), "nan", "NaN")
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_date(t):
        return col.cast(pa.string())
    if pa.types.is_time(t):
        return col.cast(pa.string())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return pa.array([None if v is None else "\\x" + v.hex() for v in col.to_pylist()])
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_nested(t):
        return pa.array(
            [None if v is None else json.dumps(v, default=str) for v in col.to_pylist()],
            pa.string(),
        )
    return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())


def _fixed(data: bytes, width: int, n: int) -> pa.Array:
    return pa.Array.from_buffers(pa.binary(width), n, [None, pa.py_buffer(data)]).cast(pa.binary())


def data_rows(batch: pa.RecordBatch) -> bytes:
    """Every row of ``batch`` as DataRow messages, concatenated."""
    n = batch.num_rows
    if n == 0:
        return b""
    total = np.full(n, 6, dtype=np.int64)  # the length field itself and the column count
    cells = []
    for col in batch.columns:
        text = _text(col).cast(pa.binary())
        lengths = pc.binary_length(text).to_numpy(zero_copy_only=False)
        valid = col.is_valid().to_numpy(zero_copy_only=False)
        lengths = np.where(valid, np.nan_to_num(lengths, nan=0), -1).astype(np.int64)
        total += 4 + np.maximum(lengths, 0)
        prefix = _fixed(lengths.astype(">i4").tobytes(), 4, n)
        cells.append(pc.binary_join_element_wise(prefix, pc.fill_null(text, b""), b""))
    head = np.empty(n, dtype=[("kind", "S1"), ("length", ">i4"), ("columns", ">i2")])
    head["kind"], head["length"], head["columns"] = b"D", total, batch.num_columns
    rows = pc.binary_join_element_wise(_fixed(head.tobytes(), 7, n), *cells, b"")
    rows = rows.cast(pa.large_binary())
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int64)[rows.offset : rows.offset + n + 1]
    return rows.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]
