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
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from distillr.errors import SourceError

__all__ = ["KINDS", "BatchBuilder", "FieldSpec", "arrow_type"]

TIMESTAMP = pa.timestamp("us", tz="UTC")
TIMESTAMP_NAIVE = pa.timestamp("us")
DECIMAL = pa.decimal128(38, 10)
RFC2822 = "%a, %d %b %Y %H:%M:%S %z"
_MONTHS = pa.array(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                    "Nov", "Dec"])
_MONTH_NUMBERS = pa.array([f"{i:02d}" for i in range(1, 13)])
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
        self._groups: dict[str, list[int]] = {}
        for i, f in enumerate(self.fields):
            if f.kind in _TEXT_KINDS:
                self._groups.setdefault(f.kind, []).append(i)

    def build(self, records: Sequence[Mapping[str, Any]],
              constants: Mapping[str, Any] | None = None) -> pa.RecordBatch:
        """One record batch from a page of records.

        ``constants`` fills columns the records leave empty (null or absent), e.g. the path
        parameter a page was fetched with.
        """
        constants = constants or {}
        columns: list[list[Any]] = []
        for spec in self.fields:
            key = spec.json_key
            values = [r.get(key) for r in records]
            if spec.name in constants and constants[spec.name] is not None:
                fill = constants[spec.name]
                values = [fill if v is None else v for v in values]
            columns.append(values)
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


def _convert_together(kind: str, columns: list[list[Any]]) -> list[pa.Array] | None:
    """Convert several columns of one text kind with one kernel call; None if any fails."""
    flat = [v for col in columns for v in col]
    try:
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
    """RFC 2822 text to UTC timestamps; Twilio's fixed ``Thu, 26 Nov 2026 23:30:22 +0000``
    shape is rebuilt as ISO 8601 with string kernels (much faster than ``strptime``)."""
    valid = texts.drop_null()
    if len(valid) and pc.all(pc.equal(pc.utf8_length(valid), 31)).as_py() and \
            pc.all(pc.ends_with(valid, " +0000")).as_py():
        month = pc.take(_MONTH_NUMBERS, pc.index_in(pc.utf8_slice_codeunits(texts, 8, 11),
                                                    value_set=_MONTHS))
        if month.null_count == texts.null_count:
            iso = pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(texts, 12, 16), "-", month, "-",
                pc.utf8_slice_codeunits(texts, 5, 7), "T",
                pc.utf8_slice_codeunits(texts, 17, 25), "")
            return pc.cast(iso, pa.timestamp("s")).cast(TIMESTAMP_NAIVE).cast(TIMESTAMP)
    parsed = pc.strptime(texts, format=RFC2822, unit="s", error_is_null=False)
    return parsed.cast(TIMESTAMP)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _texts(values: list[Any]) -> pa.Array:
    """Values as a string array; empty strings become null."""
    return pa.array(
        [None if v is None or v == "" else (v if isinstance(v, str) else str(v)) for v in values],
        pa.string(),
    )


def _native(spec: FieldSpec, values: list[Any]) -> pa.Array:
    target = _SCALAR_TYPES[spec.kind]
    first = next((v for v in values if v is not None), None)
    if spec.kind in ("int", "float") and isinstance(first, str):
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
