"""JSON records to Arrow record batches, fast and typed.

A :class:`BatchBuilder` holds one :class:`FieldSpec` per column. ``build(records)`` pulls each
column out of the list of dicts once and converts it with vectorised Arrow kernels (RFC 2822 and
ISO 8601 timestamps, decimal and integer strings, dates), falling back to a per-value path only
when a page holds something the fast path rejects. A value that cannot be converted at all
raises :class:`~distillr.errors.SourceError` naming the column: never a silently wrong cell.

Kinds (``FieldSpec.kind``):

==================  =====================================================
``string``          text (numbers or objects found here are rendered as text)
``int``             int64, from numbers or integer strings
``float``           float64
``bool``            booleans, also from ``"true"``/``"false"``
``decimal``         decimal128(38, 10), from decimal strings or numbers
``timestamp_rfc``   RFC 2822 (``Fri, 18 Oct 2019 17:00:00 +0000``) -> UTC timestamp
``timestamp_iso``   ISO 8601 -> UTC timestamp (naive values are taken as UTC)
``date``            ``YYYY-MM-DD`` -> date32
``json``            any JSON value, stored as its compact JSON text
``map``             an object of strings (Twilio's ``uri-map``) -> map<string, string>
``struct``          an object with known keys (``children``)
``list``            a JSON array (``children[0]`` describes the items)
==================  =====================================================
"""

from __future__ import annotations

import email.utils
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from distillr.errors import SourceError

__all__ = ["KINDS", "BatchBuilder", "FieldSpec", "arrow_type"]

TIMESTAMP = pa.timestamp("us", tz="UTC")
TIMESTAMP_NAIVE = pa.timestamp("us")
DECIMAL = pa.decimal128(38, 10)
RFC2822 = "%a, %d %b %Y %H:%M:%S %z"
#: kinds parsed from text by one Arrow kernel; columns of one kind are converted together
_TEXT_KINDS = frozenset({"timestamp_rfc", "timestamp_iso", "date", "decimal"})

_SCALAR_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "decimal": DECIMAL,
    "timestamp_rfc": TIMESTAMP,
    "timestamp_iso": TIMESTAMP,
    "date": pa.date32(),
    "json": pa.string(),
    "map": pa.map_(pa.string(), pa.string()),
}
KINDS = frozenset(_SCALAR_TYPES) | {"struct", "list"}
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError,
                 OverflowError, TypeError, ValueError)


@dataclass(frozen=True)
class FieldSpec:
    """One column: its name, the JSON key it comes from, and how to convert it."""

    name: str
    kind: str
    key: str | None = None
    children: tuple[FieldSpec, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {sorted(KINDS)}")

    @property
    def json_key(self) -> str:
        return self.key if self.key is not None else self.name

    @property
    def type(self) -> pa.DataType:
        return arrow_type(self)


def arrow_type(spec: FieldSpec) -> pa.DataType:
    """The Arrow type a field converts to."""
    if spec.kind == "struct":
        return pa.struct([pa.field(c.name, arrow_type(c)) for c in spec.children])
    if spec.kind == "list":
        return pa.list_(arrow_type(spec.children[0]))
    return _SCALAR_TYPES[spec.kind]


class BatchBuilder:
    """Converts pages of JSON records to record batches of one fixed schema."""

    def __init__(self, fields: Sequence[FieldSpec]) -> None:
        self.fields = tuple(fields)
        self.schema = pa.schema([pa.field(f.name, f.type) for f in self.fields])
        keys = [f.json_key for f in self.fields]
        self._getter = itemgetter(*keys) if len(keys) > 1 else None
        self._groups: dict[str, list[int]] = {}
        for i, f in enumerate(self.fields):
            if f.kind in _TEXT_KINDS or f.kind == "string":
                self._groups.setdefault(f.kind, []).append(i)

    def build(self, records: Sequence[Mapping[str, Any]],
              constants: Mapping[str, Any] | None = None) -> pa.RecordBatch:
        """One record batch from a page of records.

        ``constants`` fills columns the records leave empty (null or absent), e.g. the path
        parameter a page was fetched with.
        """
        constants = constants or {}
        columns: list[Sequence[Any]] = self._columns(records)
        for i, spec in enumerate(self.fields):
            if spec.name in constants and constants[spec.name] is not None:
                fill = constants[spec.name]
                columns[i] = [fill if v is None else v for v in columns[i]]
        arrays: list[pa.Array | None] = [None] * len(self.fields)
        for kind, idxs in self._groups.items():
            if len(idxs) > 1:
                done = _convert_together(kind, [columns[i] for i in idxs])
                if done is not None:
                    for i, arr in zip(idxs, done, strict=True):
                        arrays[i] = arr
        for i, spec in enumerate(self.fields):
            if arrays[i] is None:
                arrays[i] = convert(spec, columns[i])
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)


    def _columns(self, records: Sequence[Mapping[str, Any]]) -> list[Sequence[Any]]:
        """Records to columns: one C-level transpose when every record has every key."""
        if self._getter is not None and records:
            try:
                return list(zip(*map(self._getter, records), strict=True))
            except (KeyError, TypeError):
                pass
        return [[r.get(f.json_key) for r in records] for f in self.fields]


def _convert_together(kind: str, columns: list[list[Any]]) -> list[pa.Array] | None:
    """Convert several columns of one text kind with one kernel call; None if any fails."""
    flat: list[Any] = []
    for col in columns:
        flat.extend(col)
    try:
        if kind == "string":
            whole = pa.array(flat, pa.string())
        else:
            whole = _from_texts(kind, _texts(flat))
    except _ARROW_ERRORS:
        return None
    out, start = [], 0
    for col in columns:
        out.append(whole.slice(start, len(col)))
        start += len(col)
    return out


def convert(spec: FieldSpec, values: list[Any]) -> pa.Array:
    """Convert one column's Python values to an Arrow array of the spec's type."""
    kind = spec.kind
    try:
        if kind == "struct":
            return _struct(spec, values)
        if kind == "list":
            return _list(spec, values)
        if kind == "json":
            return pa.array([None if v is None else _dumps(v) for v in values], pa.string())
        if kind in ("string", "int", "float", "bool", "map"):
            return _native(spec, values)
        return _from_texts(kind, _texts(values))
    except _ARROW_ERRORS:
        return _slow(spec, values)


def _from_texts(kind: str, texts: pa.Array) -> pa.Array:
    if kind == "timestamp_rfc":
        return _rfc2822(texts)
    return pc.cast(texts, _SCALAR_TYPES[kind])


def _rfc2822(texts: pa.Array) -> pa.Array:
    """RFC 2822 text to UTC timestamps.

    Twilio writes every timestamp in one fixed shape, ``Thu, 26 Nov 2026 23:30:22 +0000``;
    those are decoded straight from the string bytes with numpy. Anything else goes through
    Arrow's ``strptime`` (and, failing that, the per-value path).
    """
    fast = _rfc2822_fixed(texts)
    if fast is not None:
        return fast
    parsed = pc.strptime(texts, format=RFC2822, unit="s", error_is_null=False)
    return parsed.cast(TIMESTAMP)


_MONTH_CODES = {m.encode(): i + 1 for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])}
_MONTH_KEYS = np.array(sorted(k[0] << 16 | k[1] << 8 | k[2] for k in _MONTH_CODES))
_MONTH_VALUES = np.array([_MONTH_CODES[bytes([(k >> 16) & 255, (k >> 8) & 255, k & 255])]
                          for k in _MONTH_KEYS])
_DIGIT_COLUMNS = [5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24]


def _rfc2822_fixed(texts: pa.Array) -> pa.Array | None:
    valid = texts.drop_null() if texts.null_count else texts
    n = len(valid)
    if n == 0:
        return None
    offsets = np.frombuffer(valid.buffers()[1], dtype=np.int32)[valid.offset:valid.offset + n + 1]
    if not np.all(np.diff(offsets) == 31):
        return None
    raw = np.frombuffer(valid.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[0] + 31 * n]
    b = raw.reshape(n, 31).astype(np.int64)
    if not (np.all(b[:, 25:31] == np.frombuffer(b" +0000", dtype=np.uint8))
            and np.all(b[:, [4, 7, 11, 16]] == 32) and np.all(b[:, [19, 22]] == 58)):
        return None
    digits = b[:, _DIGIT_COLUMNS] - 48
    if digits.min() < 0 or digits.max() > 9:
        return None
    day = digits[:, 0] * 10 + digits[:, 1]
    year = digits[:, 2] * 1000 + digits[:, 3] * 100 + digits[:, 4] * 10 + digits[:, 5]
    secs = (digits[:, 6] * 10 + digits[:, 7]) * 3600 + (digits[:, 8] * 10 + digits[:, 9]) * 60 \
        + digits[:, 10] * 10 + digits[:, 11]
    key = b[:, 8] << 16 | b[:, 9] << 8 | b[:, 10]
    pos = np.searchsorted(_MONTH_KEYS, key)
    pos = np.minimum(pos, len(_MONTH_KEYS) - 1)
    if not np.all(_MONTH_KEYS[pos] == key):
        return None
    month = _MONTH_VALUES[pos]
    if day.min() < 1 or day.max() > 31 or secs.max() >= 86400:
        return None
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    micros = ((era * 146097 + doe - 719468) * 86400 + secs) * 1_000_000
    if len(valid) == len(texts):
        return pa.array(micros, TIMESTAMP)
    mask = texts.is_null().to_numpy(zero_copy_only=False)
    out = np.zeros(len(texts), dtype=np.int64)
    out[~mask] = micros
    return pa.array(out, TIMESTAMP, mask=mask)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _texts(values: Sequence[Any]) -> pa.Array:
    """Values as a string array; empty strings become null."""
    try:  # the common case, all text: let Arrow do it, then null the empty strings
        arr = pa.array(values, pa.string())
    except _ARROW_ERRORS:
        pass
    else:
        empty = pc.equal(arr, "")
        if not pc.any(empty).as_py():
            return arr
        return pc.if_else(empty, pa.scalar(None, pa.string()), arr)
    return pa.array(
        [None if v is None or v == "" else (v if isinstance(v, str) else str(v)) for v in values],
        pa.string(),
    )


def _native(spec: FieldSpec, values: list[Any]) -> pa.Array:
    target = _SCALAR_TYPES[spec.kind]
    if spec.kind in ("int", "float"):
        first = next((v for v in values if v is not None), None)
        if isinstance(first, str):
            return pc.cast(_texts(values), target)  # numbers sent as strings: one cast
    try:
        return pa.array(values, target)
    except _ARROW_ERRORS:
        if spec.kind == "string":
            return pa.array(
                [None if v is None else (v if isinstance(v, str) else
                                         _dumps(v) if isinstance(v, (dict, list)) else
                                         ("true" if v is True else "false" if v is False
                                          else str(v)))
                 for v in values], pa.string())
        if spec.kind in ("int", "float"):
            return pc.cast(_texts(values), target)
        raise


def _struct(spec: FieldSpec, values: list[Any]) -> pa.Array:
    for v in values:
        if v is not None and not isinstance(v, dict):
            _bad(spec, v)
    children = [convert(c, [None if v is None else v.get(c.json_key) for v in values])
                for c in spec.children]
    mask = pa.array([v is None for v in values], pa.bool_())
    return pa.StructArray.from_arrays(children, fields=list(arrow_type(spec)), mask=mask)


def _list(spec: FieldSpec, values: list[Any]) -> pa.Array:
    offsets = [0]
    flat: list[Any] = []
    for v in values:
        if v is not None and not isinstance(v, list):
            _bad(spec, v)
        if v:
            flat.extend(v)
        offsets.append(len(flat))
    items = convert(spec.children[0], flat)
    mask = pa.array([v is None for v in values], pa.bool_())
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items,
                                    type=arrow_type(spec), mask=mask)


# -- the slow path: one value at a time, with a precise error ---------------------------------

def _slow(spec: FieldSpec, values: list[Any]) -> pa.Array:
    parse = _PARSERS[spec.kind]
    out = []
    for v in values:
        if v is None or v == "":
            out.append(None)
            continue
        try:
            out.append(parse(v))
        except (ValueError, TypeError, AttributeError, ArithmeticError, InvalidOperation):
            _bad(spec, v)
    return pa.array(out, _SCALAR_TYPES[spec.kind])


def _bad(spec: FieldSpec, value: Any) -> None:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise SourceError(
        f"The API returned {shown} in field '{spec.json_key}', which is not a valid"
        f" {spec.kind.replace('_', ' ')}. Report this; the column's type may need to change."
    )


def _int(v: Any) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    d = Decimal(str(v).strip())
    if d != d.to_integral_value():
        raise ValueError("not an integer")
    return int(d)


def _float(v: Any) -> float:
    return float(v)


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError("not a boolean")


def _decimal(v: Any) -> Decimal:
    if isinstance(v, float):
        v = repr(v)
    d = Decimal(str(v).strip())
    if not d.is_finite():
        raise ValueError("not a finite decimal")
    return d.quantize(Decimal("1e-10"))


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _rfc(v: Any) -> datetime:
    text = str(v).strip()
    try:
        return _utc(email.utils.parsedate_to_datetime(text))
    except (TypeError, ValueError):
        return _iso(text)


def _iso(v: Any) -> datetime:
    text = str(v).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        return _utc(email.utils.parsedate_to_datetime(text))


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    return date.fromisoformat(str(v).strip()[:10])


def _string(v: Any) -> str:
    return v if isinstance(v, str) else _dumps(v)


_PARSERS = {
    "string": _string,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "decimal": _decimal,
    "timestamp_rfc": _rfc,
    "timestamp_iso": _iso,
    "date": _date,
    "json": _dumps,
    "map": lambda v: {str(k): (x if isinstance(x, str) or x is None else _dumps(x))
                      for k, x in v.items()},
}
