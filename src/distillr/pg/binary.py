"""Arrow columns in PostgreSQL's binary format, for clients that ask for binary results (the
result-format codes of a Bind message).

Each value is written as the PostgreSQL type ``rows.oid_of`` gives its column: integers and
floats big-endian, ``bool`` one byte, ``date`` days and ``timestamp``/``timestamptz``/``time``
microseconds from PostgreSQL's epochs, ``interval`` as microseconds, days and months,
``numeric`` in base-10000 digits, ``jsonb`` a version byte and the JSON text, ``text`` and
``bytea`` their bytes. Fixed-size values come back as a numpy array in the big-endian type
they are sent in, the others as an Arrow binary array; both are built with numpy and Arrow
compute, not a Python loop per value (but for decimals beyond 64 bits, intervals with months
and the types that fall back to text).
"""

from __future__ import annotations

import decimal
import json
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["binary_cells", "interval_parts", "json_texts"]

#: days from 1970-01-01 (Arrow's epoch) to 2000-01-01 (PostgreSQL's)
_EPOCH_DAYS = 10_957
_EPOCH_US = _EPOCH_DAYS * 86_400 * 1_000_000
_US_PER = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}
_NUMERIC_NEG, _NUMERIC_NAN = 0x4000, 0xC000


def _fixed(values: np.ndarray, dtype: str) -> np.ndarray:
    """``values`` as the big-endian ``dtype`` they are sent in."""
    return values.astype(dtype, copy=False)


def _ints(col: pa.Array) -> np.ndarray:
    """An integer-like column's values (nulls as 0, the cell left out later)."""
    return col.fill_null(0).to_numpy(zero_copy_only=False) if col.null_count else col.to_numpy()


def _micros(values: np.ndarray, unit: str) -> np.ndarray:
    """Integers in ``unit`` as whole microseconds (nanoseconds rounded down)."""
    per = _US_PER[unit]
    return values // 1000 if per is None else values * per


def binary_cells(col: pa.Array, oid: int) -> np.ndarray | pa.Array:
    """Each value of ``col`` in the binary format of PostgreSQL type ``oid``."""
    t = col.type
    if pa.types.is_dictionary(t):
        return binary_cells(col.dictionary_decode(), oid)
    if pa.types.is_boolean(t):
        return _fixed(col.fill_null(False).to_numpy(zero_copy_only=False), "u1")
    if oid in (21, 23, 20) and pa.types.is_integer(t):
        return _fixed(_ints(col), {21: ">i2", 23: ">i4", 20: ">i8"}[oid])
    if pa.types.is_floating(t):
        values = col.cast(pa.float64()).fill_null(0).to_numpy(zero_copy_only=False)
        return _fixed(values, ">f4" if oid == 700 else ">f8")
    if pa.types.is_timestamp(t):
        values = _ints(col.cast(pa.int64()))
        return _fixed(_micros(values, t.unit) - _EPOCH_US, ">i8")
    if pa.types.is_date32(t):
        return _fixed(_ints(col.cast(pa.int32())).astype(np.int64) - _EPOCH_DAYS, ">i4")
    if pa.types.is_date64(t):
        return _fixed(_ints(col.cast(pa.int64())) // 86_400_000 - _EPOCH_DAYS, ">i4")
    if pa.types.is_time(t):
        values = _ints(col.cast(pa.int64() if pa.types.is_time64(t) else pa.int32()))
        return _fixed(_micros(values.astype(np.int64), t.unit), ">i8")
    if pa.types.is_duration(t) or pa.types.is_interval(t):
        micros, days, months = interval_parts(col)
        out = np.zeros(len(col), dtype=[("us", ">i8"), ("days", ">i4"), ("months", ">i4")])
        out["us"], out["days"], out["months"] = micros, days, months
        return out
    if pa.types.is_decimal(t) or pa.types.is_uint64(t) or oid == 1700:
        return _numeric(col)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return col.cast(pa.binary())
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        return col.cast(pa.binary())
    if pa.types.is_null(t):
        return pa.nulls(len(col), pa.binary())
    if pa.types.is_nested(t):
        jsonb = pa.array(json_texts(col), pa.binary())
        return pc.binary_join_element_wise(b"\x01", jsonb, b"")
    return pa.array([None if v is None else str(v).encode() for v in col.to_pylist()], pa.binary())


def json_texts(col: pa.Array) -> list[str | None]:
    """Structs, lists and maps as JSON text (a map as an object, as in-process results give
    it as a dict; values JSON has no type for, such as timestamps, as strings)."""
    values = col.to_pylist(maps_as_pydicts="lossy")
    return [None if v is None else json.dumps(v, default=str) for v in values]


def interval_parts(col: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A duration or month-day-nano interval column as PostgreSQL's interval fields:
    microseconds, days and months (nulls as zeros)."""
    n = len(col)
    if pa.types.is_duration(col.type):
        micros = _micros(_ints(col.cast(pa.int64())), col.type.unit)
        return micros, np.zeros(n, np.int64), np.zeros(n, np.int64)
    rows = [(0, 0, 0) if v is None else tuple(v) for v in col.to_pylist()]  # MonthDayNano
    months, days, nanos = np.array(rows, dtype=np.int64).reshape(n, 3).T
    return nanos // 1000, days, months


def _numeric(col: pa.Array) -> pa.Array:
    """Decimals (and unsigned 64-bit integers) as PostgreSQL ``numeric``: a header of digit
    count, weight, sign and display scale, then base-10000 digits, leading and trailing zero
    digits left out as PostgreSQL leaves them out."""
    t = col.type
    valid = col.is_valid()
    if pa.types.is_decimal(t) and t.bit_width == 128:
        scale = t.scale
        words = np.frombuffer(col.buffers()[1], dtype="<i8")[
            2 * col.offset : 2 * (col.offset + len(col))
        ]
        lo, hi = words[0::2].view(np.uint64), words[1::2]
        fits = hi == (lo.view(np.int64) >> 63)  # the value is a sign-extended int64
        if not 0 <= scale <= 18 or not fits[valid.to_numpy(zero_copy_only=False)].all():
            return _numeric_slow(col)
        negative = hi < 0
        magnitude = np.where(negative, ~lo + np.uint64(1), lo)
    elif pa.types.is_integer(t):
        scale = 0
        values = _ints(col)
        if values.dtype.kind == "u":
            negative, magnitude = np.zeros(len(values), bool), values.astype(np.uint64)
        else:
            signed = values.astype(np.int64)
            negative, plain = signed < 0, signed.view(np.uint64)
            magnitude = np.where(negative, ~plain + np.uint64(1), plain)
    else:
        return _numeric_slow(col)
    return _numeric_digits(magnitude, negative, scale, valid)


def _numeric_digits(magnitude: np.ndarray, negative: np.ndarray, scale: int, valid) -> pa.Array:
    n = len(magnitude)
    unit = np.uint64(10**scale)
    whole, frac = magnitude // unit, magnitude % unit
    largest = int(whole.max()) if n else 0
    int_groups = max(1, -(-len(str(largest)) // 4))
    frac_groups = -(-scale // 4)
    width = int_groups + frac_groups
    digits = np.empty((width, n), dtype=np.uint64)  # group by group, most significant first
    for j in range(int_groups):
        digits[int_groups - 1 - j] = (whole // np.uint64(10_000**j)) % np.uint64(10_000)
    for k in range(1, frac_groups + 1):
        rest = scale - 4 * k
        if rest >= 0:
            digits[int_groups + k - 1] = (frac // np.uint64(10**rest)) % np.uint64(10_000)
        else:
            low = frac % np.uint64(10 ** (scale - 4 * (k - 1)))
            digits[int_groups + k - 1] = low * np.uint64(10**-rest)
    nonzero = digits != 0
    any_digit = nonzero.any(axis=0)
    first = nonzero.argmax(axis=0)
    last = width - 1 - nonzero[::-1].argmax(axis=0)
    ndigits = np.where(any_digit, last - first + 1, 0)
    table = np.empty((n, 4 + width), dtype=">i2")
    table[:, 0], table[:, 1] = ndigits, np.where(any_digit, int_groups - 1 - first, 0)
    table[:, 2] = np.where(negative & any_digit, _NUMERIC_NEG, 0)
    table[:, 3] = scale
    table[:, 4:] = digits.T
    # each value keeps its header and its digits from the first non-zero one to the last
    at = np.arange(width)[None, :]
    keep = np.ones((n, 4 + width), dtype=bool)
    keep[:, 4:] = (at >= first[:, None]) & (at <= last[:, None]) & any_digit[:, None]
    data = table[keep].tobytes()
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(2 * (4 + ndigits), out=offsets[1:])
    validity = None if valid.false_count == 0 else valid.buffers()[1]
    return pa.Array.from_buffers(
        pa.binary(), n, [validity, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def numeric_bytes(value: decimal.Decimal, scale: int | None = None) -> bytes:
    """One ``Decimal`` as PostgreSQL's binary ``numeric``."""
    if value.is_nan():
        return struct.pack("!hhHh", 0, 0, _NUMERIC_NAN, 0)
    sign, digits, exponent = value.as_tuple()
    dscale = max(-exponent if scale is None else scale, 0)
    text = "".join(map(str, digits)) or "0"
    if exponent > 0:
        text += "0" * exponent
        exponent = 0
    point = len(text) + exponent  # digits before the decimal point
    whole, frac = text[: max(point, 0)], text[max(point, 0) :].rjust(-exponent, "0")
    whole = whole.rjust(-(-len(whole) // 4) * 4, "0")
    frac = frac.ljust(-(-len(frac) // 4) * 4, "0")
    groups = [int(s[i : i + 4]) for s in (whole, frac) for i in range(0, len(s), 4)]
    weight = len(whole) // 4 - 1
    while groups and groups[0] == 0:
        groups.pop(0)
        weight -= 1
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight, sign = 0, 0
    head = struct.pack("!hhHh", len(groups), weight, _NUMERIC_NEG if sign else 0, dscale)
    return head + struct.pack(f"!{len(groups)}h", *groups)


def _numeric_slow(col: pa.Array) -> pa.Array:
    scale = col.type.scale if pa.types.is_decimal(col.type) else 0
    values = [
        None if v is None else numeric_bytes(decimal.Decimal(v), scale) for v in col.to_pylist()
    ]
    return pa.array(values, pa.binary())
