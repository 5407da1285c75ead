"""Arrow results as PostgreSQL rows: a RowDescription from the schema, DataRows from each
batch, in the text format or (for the columns a client asks it for) the binary one.

DataRows are built column-wise with Arrow compute and numpy (each value's text or binary
form, its length prefix, one join per row), so a batch of any size costs a few vectorised
passes, not a Python loop per value. Types map to PostgreSQL's: integers, floats, numeric,
text, bool, date, time, timestamp and timestamptz, interval, bytea, and jsonb for structs,
lists and maps.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillr.pg.binary import binary_cells, interval_parts, json_texts
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


def row_description(schema: pa.Schema, formats: Sequence[int] | None = None) -> bytes:
    """The RowDescription of a result; ``formats`` is each column's format code (0 text, 1
    binary), all text when not given."""
    parts = [struct.pack("!h", len(schema))]
    for i, field in enumerate(schema):
        oid = oid_of(field.type)
        fmt = formats[i] if formats else 0
        parts.append(
            cstr(field.name) + struct.pack("!ihihih", 0, 0, oid, _TYPLEN.get(oid, -1), -1, fmt)
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
        text = _timestamp_text(col)
        return pc.binary_join_element_wise(text, "+00", "") if t.tz else text
    if pa.types.is_floating(t):
        text = col.cast(pa.string())
        return pc.replace_substring(pc.replace_substring(text, "inf", "Infinity"), "nan", "NaN")
    if pa.types.is_integer(t) or pa.types.is_decimal(t) or pa.types.is_date(t):
        return col.cast(pa.string())
    if pa.types.is_time(t):
        return col.cast(pa.string())
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        return _interval_text(col)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return pa.array([None if v is None else "\\x" + v.hex() for v in col.to_pylist()])
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_nested(t):
        return pa.array(json_texts(col), pa.string())
    return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())


def _interval_text(col: pa.Array) -> pa.Array:
    """``[N years] [N mons] [N days] [-]HH:MM:SS[.ffffff]``, PostgreSQL's own interval style
    (what clients parse), from the same fields as the binary format."""
    micros, days, months = interval_parts(col)
    out = []
    for valid, us, d, mo in zip(col.is_valid().to_pylist(), micros, days, months):
        if not valid:
            out.append(None)
            continue
        years, mons = divmod(abs(int(mo)), 12)
        sign = "-" if mo < 0 else ""
        parts = [f"{sign}{years} years"] if years else []
        parts += [f"{sign}{mons} mons"] if mons else []
        parts += [f"{int(d)} days"] if d else []
        seconds, fraction = divmod(abs(int(us)), 1_000_000)
        clock = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        clock += f".{fraction:06d}".rstrip("0") if fraction else ""
        if us or not parts:
            parts.append(("-" if us < 0 else "") + clock)
        out.append(" ".join(parts))
    return pa.array(out, pa.string())


def _timestamp_text(col: pa.Array) -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC (a cast keeps the stored UTC instant), with the
    fraction only where there is one, as PostgreSQL prints it. Casts, not ``strftime``: ten
    times faster, and ``strftime`` would print a zoned column in its own zone."""
    naive = col.cast(pa.timestamp(col.type.unit))
    try:
        return naive.cast(pa.timestamp("s")).cast(pa.string())  # a safe cast: whole seconds
    except pa.ArrowInvalid:
        text = naive.cast(pa.string())
        return pc.replace_substring_regex(text, r"\.?0+$", "", max_replacements=1)


#: the most bytes of a batch encoded at once, so that its DataRows stay well within the
#: 2 GiB that Arrow's binary arrays (32-bit offsets) hold
MAX_CHUNK = 256 << 20
_MAX_BINARY = 2**31 - 1


def _cells(col: pa.Array, binary: bool) -> np.ndarray | pa.Array:
    """One column's cells: a numpy array of fixed-size values when none is null, else a
    binary array (nulls kept)."""
    cells = binary_cells(col, oid_of(col.type)) if binary else _text(col).cast(pa.binary())
    if isinstance(cells, np.ndarray) and col.null_count:
        valid = col.is_valid()
        fixed = pa.Array.from_buffers(
            pa.binary(cells.dtype.itemsize),
            len(col),
            [valid.buffers()[1], pa.py_buffer(cells.tobytes())],
        )
        return fixed.cast(pa.binary())
    return cells


def _lengths(cells: np.ndarray | pa.Array, n: int) -> np.ndarray:
    """Each cell's byte count, -1 for a null."""
    if isinstance(cells, np.ndarray):
        return np.full(n, cells.dtype.itemsize, dtype=np.int64)
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int32)[cells.offset :][: n + 1]
    lengths = np.diff(offsets).astype(np.int64)
    if cells.null_count:
        lengths = np.where(cells.is_valid().to_numpy(zero_copy_only=False), lengths, -1)
    return lengths


def data_rows(batch: pa.RecordBatch, binary: Sequence[bool] | None = None) -> bytes:
    """Every row of ``batch`` as DataRow messages, concatenated; ``binary`` says which columns
    go in the binary format (none when not given).

    Runs of fixed-size fields (the message head, length prefixes, fixed-size binary values)
    are laid out side by side in a numpy record array, then one Arrow join per row
    interleaves them with the variable-size cells."""
    n = batch.num_rows
    if n == 0:
        return b""
    if n > 1 and batch.nbytes > MAX_CHUNK:
        return _halves(batch, binary)
    cells = [_cells(col, bool(binary and binary[i])) for i, col in enumerate(batch.columns)]
    lengths = [_lengths(c, n) for c in cells]
    total = 6 + sum(4 + np.maximum(length, 0) for length in lengths)  # the kind byte aside
    if n > 1 and int(total.sum()) + n > _MAX_BINARY:
        return _halves(batch, binary)
    run = [("kind", "S1", b"D"), ("length", ">i4", total), ("columns", ">i2", batch.num_columns)]
    pieces: list[pa.Array] = []
    for i, (c, length) in enumerate(zip(cells, lengths)):
        run.append((f"n{i}", ">i4", length))
        if isinstance(c, np.ndarray):
            run.append((f"v{i}", c.dtype, c))
            continue
        pieces += [_run(run, n), pc.fill_null(c, b"")]
        run = []
    if not pieces:
        return _records(run, n).tobytes()
    if run:
        pieces.append(_run(run, n))
    rows = pc.binary_join_element_wise(*pieces, b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + n + 1]
    return rows.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def _halves(batch: pa.RecordBatch, binary: Sequence[bool] | None) -> bytes:
    half = batch.num_rows // 2
    return data_rows(batch.slice(0, half), binary) + data_rows(batch.slice(half), binary)


def _records(run: list[tuple[str, object, object]], n: int) -> np.ndarray:
    """Fixed-size fields (name, big-endian type, values), side by side in one record each."""
    out = np.empty(n, dtype=[(name, dtype) for name, dtype, _ in run])
    for name, _, values in run:
        out[name] = values
    return out


def _run(run: list[tuple[str, object, object]], n: int) -> pa.Array:
    """Fixed-size fields as one binary array, a record per row."""
    records = _records(run, n)
    width = records.dtype.itemsize
    fixed = pa.Array.from_buffers(pa.binary(width), n, [None, pa.py_buffer(records.tobytes())])
    return fixed.cast(pa.binary())
