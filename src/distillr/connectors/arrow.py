"""JSON records to Arrow record batches, fast and typed.

A :class:`BatchBuilder` holds one :class:`FieldSpec` per column. ``build(records)`` reads every
scalar field of the page in one pass in C++ (``pa.array`` of the records as a struct of their
JSON types: text, or the number or boolean type a field was first seen with), then converts the
text columns with vectorised kernels (RFC 2822 and ISO 8601 timestamps, decimal and integer
strings, dates). Maps, structs, lists and JSON fields are read per column. A page the one-pass
read rejects (a number where text was expected, say) is converted column by column instead, and
a column the kernels reject value by value. A value that cannot be converted at all raises
:class:`~distillr.errors.SourceError` naming the column: never a silently wrong cell.

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
import functools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from distillr.errors import SourceError

__all__ = ["KINDS", "BatchBuilder", "FieldSpec", "arrow_type", "convert", "from_text", "warm_up"]

TIMESTAMP = pa.timestamp("us", tz="UTC")
TIMESTAMP_NAIVE = pa.timestamp("us")
DECIMAL = pa.decimal128(38, 10)
RFC2822 = "%a, %d %b %Y %H:%M:%S %z"
#: kinds parsed from text by one Arrow kernel; columns of one kind are converted together
_TEXT_KINDS = frozenset({"timestamp_rfc", "timestamp_iso", "date", "decimal"})
#: kinds read as JSON numbers or booleans (or as text, if a page sends them so)
_NATIVE_KINDS = frozenset({"int", "float", "bool"})

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
_ARROW_ERRORS = (
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    OverflowError,
    TypeError,
    ValueError,
)


@functools.cache
def warm_up() -> None:
    """Start, in the background, what the first conversion would otherwise wait for.

    The first time ``pa.array`` is given Python values, pyarrow imports pandas (to check they
    are not pandas objects): about 0.5 s. A connector calls this when it sends its first
    request, so that the import overlaps the wait for the answer. Later calls do nothing."""

    def load() -> None:
        try:
            import pandas  # noqa: F401
        except ImportError:
            pass  # pyarrow then converts without it

    threading.Thread(target=load, name="distillr-warm-up").start()


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
        # the fields read in one pass: scalars, each JSON key once
        self._scalar: list[int] = []
        seen: set[str] = set()
        for i, f in enumerate(self.fields):
            if (
                f.kind in _TEXT_KINDS or f.kind in _NATIVE_KINDS or f.kind == "string"
            ) and f.json_key not in seen:
                self._scalar.append(i)
                seen.add(f.json_key)
        self._struct: pa.DataType | None = None
        #: the one-pass fields of a record as a tuple (Arrow reads tuples faster than dicts)
        one_pass = [self.fields[i].json_key for i in self._scalar]
        self._one_pass_getter = itemgetter(*one_pass) if len(one_pass) > 1 else None

    def build(
        self, records: Sequence[Mapping[str, Any]], constants: Mapping[str, Any] | None = None
    ) -> pa.RecordBatch:
        """One record batch from a page of records.

        ``constants`` fills columns the records leave empty (null or absent), e.g. the path
        parameter a page was fetched with.
        """
        constants = constants or {}
        if self._scalar and records:
            batch = self._build_one_pass(records, constants)
            if batch is not None:
                return batch
        return self._build_by_columns(records, constants)

    def _raw_struct(self, records: Sequence[Mapping[str, Any]]) -> pa.DataType:
        """The JSON types of the one-pass fields, as a struct: text, or a native field's
        number or boolean type (text when its first value is a string, as Twilio sends some
        counts). Learnt from a page; a page that disagrees is read column by column and the
        types are learnt again from the next."""
        struct = self._struct  # read once: other threads may reset it meanwhile
        if struct is None:
            types = []
            for i in self._scalar:
                spec = self.fields[i]
                raw = pa.string()
                if spec.kind in _NATIVE_KINDS:
                    key = spec.json_key
                    first = next((v for v in (r.get(key) for r in records) if v is not None), None)
                    if not isinstance(first, str):
                        raw = _SCALAR_TYPES[spec.kind]
                types.append(pa.field(spec.json_key, raw))
            struct = self._struct = pa.struct(types)
        return struct

    @property
    def one_pass_fields(self) -> tuple[FieldSpec, ...]:
        """The fields read in one pass in their raw JSON types (scalars, each JSON key once);
        ``finish`` converts the others through its ``column`` callback."""
        return tuple(self.fields[i] for i in self._scalar)

    def learnt_struct(self) -> pa.DataType | None:
        """The JSON types of the one-pass fields as learnt from the last page built from
        records (see ``_raw_struct``), or None before the first page or after a page that
        disagreed. ``finish`` takes arrays of these types, in this order."""
        return self._struct if self._scalar else None

    def _build_one_pass(
        self, records: Sequence[Mapping[str, Any]], constants: Mapping[str, Any]
    ) -> pa.RecordBatch | None:
        """The page read by one ``pa.array`` call over the records; None if it rejects it."""
        rows: Sequence[Any] = records
        if self._one_pass_getter is not None:
            try:
                rows = list(map(self._one_pass_getter, records))
            except (KeyError, TypeError):
                pass  # a key missing somewhere: Arrow reads the dicts (a missing key is null)
        try:
            raw = pa.array(rows, type=self._raw_struct(records)).flatten()
        except _ARROW_ERRORS + (AttributeError,):
            self._struct = None  # the page had other JSON types: learn them again
            return None

        def column(spec: FieldSpec) -> pa.Array:
            key = spec.json_key
            try:
                values = list(map(itemgetter(key), records))
            except KeyError:
                values = [r.get(key) for r in records]
            fill = constants.get(spec.name)
            if fill is not None:
                values = [fill if v is None else v for v in values]
            return convert(spec, values)

        return self.finish(raw, constants, column)

    def finish(
        self,
        raw: Sequence[pa.Array],
        constants: Mapping[str, Any],
        column: Callable[[FieldSpec], pa.Array],
    ) -> pa.RecordBatch:
        """The batch from the one-pass fields read in their raw JSON types (``raw``, in the
        order of ``learnt_struct()``); ``column(spec)`` converts every other column."""
        arrays: list[pa.Array | None] = [None] * len(self.fields)
        kinds: dict[str, list[tuple[int, pa.Array]]] = {}
        for i, arr in zip(self._scalar, raw, strict=True):
            spec = self.fields[i]
            fill = constants.get(spec.name)
            if fill is not None and arr.null_count:
                if not (isinstance(fill, str) and arr.type == pa.string()):
                    continue  # converted with the other columns below
                arr = arr.fill_null(fill)
            if spec.kind in _TEXT_KINDS:
                kinds.setdefault(spec.kind, []).append((i, arr))
            else:
                arrays[i] = _finish(spec, arr)
        for kind, group in kinds.items():
            # one kernel call for all columns of a kind (the calls' overhead dominates)
            if len(group) > 1:
                try:
                    whole = _finish_texts(kind, pa.concat_arrays([arr for _, arr in group]))
                except _ARROW_ERRORS:
                    pass
                else:
                    start = 0
                    for i, arr in group:
                        arrays[i] = whole.slice(start, len(arr))
                        start += len(arr)
                    continue
            for i, arr in group:
                arrays[i] = _finish(self.fields[i], arr)
        for i, spec in enumerate(self.fields):
            if arrays[i] is None:
                arrays[i] = column(spec)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _build_by_columns(
        self, records: Sequence[Mapping[str, Any]], constants: Mapping[str, Any]
    ) -> pa.RecordBatch:
        """Every column pulled out in Python and converted on its own (any JSON types)."""
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
        whole = pa.array(flat, pa.string()) if kind == "string" else _from_texts(kind, _texts(flat))
    except _ARROW_ERRORS:
        return None
    out, start = [], 0
    for col in columns:
        out.append(whole.slice(start, len(col)))
        start += len(col)
    return out


def _finish(spec: FieldSpec, arr: pa.Array) -> pa.Array:
    """A column read in one pass (as text, a number or a boolean) in the spec's type."""
    if arr.type == _SCALAR_TYPES[spec.kind]:
        return arr
    try:
        return _finish_texts(spec.kind, arr)
    except _ARROW_ERRORS:
        return _slow(spec, arr.to_pylist())


def _finish_texts(kind: str, texts: pa.Array) -> pa.Array:
    """Text of a typed kind (numbers and booleans sent as text too) in the kind's type."""
    texts = _blank_to_null(texts)
    if kind in _NATIVE_KINDS:
        return texts.cast(_SCALAR_TYPES[kind])
    return _from_texts(kind, texts)


def from_text(kind: str, texts: pa.Array) -> pa.Array:
    """A string array of a text kind (``timestamp_iso``, ``date``, ...) in the kind's type, by
    the kernels ``build`` uses (empty strings are null); raises where a kernel rejects a text."""
    return _finish_texts(kind, texts)


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
        if kind == "map":
            return _map(values)
        if kind in ("string", "int", "float", "bool"):
            return _native(spec, values)
        return _from_texts(kind, _texts(values))
    except _ARROW_ERRORS:
        return _slow(spec, values)


def _from_texts(kind: str, texts: pa.Array) -> pa.Array:
    if kind == "timestamp_rfc":
        return _rfc2822(texts)
    return texts.cast(_SCALAR_TYPES[kind])


def _rfc2822(texts: pa.Array) -> pa.Array:
    """RFC 2822 text to UTC timestamps.

    Twilio writes every timestamp in one fixed shape, ``Thu, 26 Nov 2026 23:30:22 +0000``;
    those are decoded straight from the string bytes with numpy. Anything else goes through
    Arrow's ``strptime`` (and, failing that, the per-value path).
    """
    import pyarrow.compute as pc

    fast = _rfc2822_fixed(texts)
    if fast is not None:
        return fast
    parsed = pc.strptime(texts, format=RFC2822, unit="s", error_is_null=False)
    return parsed.cast(TIMESTAMP)


_MONTHS = b"JanFebMarAprMayJunJulAugSepOctNovDec"
#: the three letters of a month as one number, in month order, for np.searchsorted
_MONTH_KEYS = np.array(
    [_MONTHS[i] << 16 | _MONTHS[i + 1] << 8 | _MONTHS[i + 2] for i in range(0, 36, 3)]
)
_MONTH_ORDER = np.argsort(_MONTH_KEYS)
_MONTH_SORTED = _MONTH_KEYS[_MONTH_ORDER]
#: days from 1970-01-01 to the first of each month from 1900 to 2199, and each month's length
_FIRST_YEAR, _LAST_YEAR = 1900, 2199
_MONTH_STARTS = (
    np.arange(f"{_FIRST_YEAR}-01", f"{_LAST_YEAR + 1}-02", dtype="datetime64[M]")
    .astype("datetime64[D]")
    .astype(np.int64)
)
_MONTH_DAYS = np.diff(_MONTH_STARTS)
_MONTH_STARTS = _MONTH_STARTS[:-1]
# byte positions in "Thu, 26 Nov 2026 23:30:22 +0000"
_FIXED_POSITIONS = [3, 4, 7, 11, 16, 19, 22, 25, 26, 27, 28, 29, 30]
_FIXED_BYTES = np.frombuffer(b",    :: +0000", dtype=np.uint8)
_DIGIT_COLUMNS = [5, 6, 12, 13, 14, 15, 17, 18, 20, 21, 23, 24]
#: digits (as above) -> day, year, seconds of the day; in floats, which numpy multiplies with
#: BLAS (exact: every sum is far below 2**53)
_DIGIT_WEIGHTS = np.array(
    [
        [10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        [0, 0, 1000, 100, 10, 1, 0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 36000, 3600, 600, 60, 10, 1],
    ],
    dtype=np.float64,
).T


def _rfc2822_fixed(texts: pa.Array) -> pa.Array | None:
    """Timestamps in Twilio's one fixed shape decoded from the string bytes; None if any value
    has another shape (or a year outside 1900-2199) and must go the general way."""
    valid = texts.drop_null() if texts.null_count else texts
    n = len(valid)
    if n == 0:
        return None
    offsets = np.frombuffer(valid.buffers()[1], dtype=np.int32)[valid.offset : valid.offset + n + 1]
    if offsets[-1] - offsets[0] != 31 * n or np.any(np.diff(offsets) != 31):
        return None
    raw = np.frombuffer(valid.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[0] + 31 * n]
    b = raw.reshape(n, 31)
    if not np.array_equal(b[:, _FIXED_POSITIONS], np.broadcast_to(_FIXED_BYTES, (n, 13))):
        return None
    digits = b[:, _DIGIT_COLUMNS] - np.uint8(48)  # a non-digit wraps round to more than 9
    if digits.max() > 9:
        return None
    day, year, secs = (digits.astype(np.float64) @ _DIGIT_WEIGHTS).astype(np.int64).T
    key = b[:, 8:11].astype(np.int64) @ np.array([1 << 16, 1 << 8, 1])
    pos = np.minimum(np.searchsorted(_MONTH_SORTED, key), 11)
    if (
        not np.array_equal(_MONTH_SORTED[pos], key)
        or year.min() < _FIRST_YEAR
        or year.max() > _LAST_YEAR
        or secs.max() >= 86400
    ):
        return None
    month = (year - _FIRST_YEAR) * 12 + _MONTH_ORDER[pos]
    if day.min() < 1 or np.any(day > _MONTH_DAYS[month]):
        return None
    micros = ((_MONTH_STARTS[month] + day - 1) * 86400 + secs) * 1_000_000
    if n == len(texts):
        return pa.array(micros, TIMESTAMP)
    out = np.zeros(texts.offset + len(texts), dtype=np.int64)
    out[texts.offset :][texts.is_valid().to_numpy(zero_copy_only=False)] = micros
    # the texts' validity bitmap is the timestamps' too
    return pa.Array.from_buffers(
        TIMESTAMP,
        len(texts),
        [texts.buffers()[0], pa.py_buffer(out)],
        texts.null_count,
        texts.offset,
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _texts(values: Sequence[Any]) -> pa.Array:
    """Values as a string array; empty strings become null."""
    try:  # the common case, all text: let Arrow do it, then null the empty strings
        arr = pa.array(values, pa.string())
    except _ARROW_ERRORS:
        pass
    else:
        return _blank_to_null(arr)
    return pa.array(
        [None if v is None or v == "" else (v if isinstance(v, str) else str(v)) for v in values],
        pa.string(),
    )


def _blank_to_null(texts: pa.Array) -> pa.Array:
    """A string array with its empty strings as null (an API's "no value" in a typed field)."""
    n = len(texts)
    if n == 0:
        return texts
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset : texts.offset + n + 1]
    if np.count_nonzero(offsets[1:] == offsets[:-1]) == texts.null_count:
        return texts  # every empty slot is a null already
    import pyarrow.compute as pc

    return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)


def _map(values: list[Any]) -> pa.Array:
    """Objects of strings (Twilio's ``subresource_uris``) as map<string, string>."""
    target = _SCALAR_TYPES["map"]
    if None not in values:
        try:  # dict.values raises TypeError on anything but an object
            items = pa.array(list(chain.from_iterable(map(dict.values, values))), pa.string())
            keys = pa.array(list(chain.from_iterable(values)), pa.string())
        except _ARROW_ERRORS:
            pass  # not all objects of text: the general path below
        else:
            offsets = pa.array(list(accumulate(map(len, values), initial=0)), pa.int32())
            return pa.MapArray.from_arrays(offsets, keys, items, type=target)
    return pa.array(values, target)


def _native(spec: FieldSpec, values: list[Any]) -> pa.Array:
    target = _SCALAR_TYPES[spec.kind]
    if spec.kind in ("int", "float"):
        first = next((v for v in values if v is not None), None)
        if isinstance(first, str):
            return _texts(values).cast(target)  # numbers sent as strings: one cast
    try:
        return pa.array(values, target)
    except _ARROW_ERRORS:
        if spec.kind == "string":
            return pa.array(
                [
                    None
                    if v is None
                    else (
                        v
                        if isinstance(v, str)
                        else _dumps(v)
                        if isinstance(v, (dict, list))
                        else ("true" if v is True else "false" if v is False else str(v))
                    )
                    for v in values
                ],
                pa.string(),
            )
        if spec.kind in ("int", "float"):
            return _texts(values).cast(target)
        raise


def _struct(spec: FieldSpec, values: list[Any]) -> pa.Array:
    for v in values:
        if v is not None and not isinstance(v, dict):
            _bad(spec, v)
    children = [
        convert(c, [None if v is None else v.get(c.json_key) for v in values])
        for c in spec.children
    ]
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
    return pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()), items, type=arrow_type(spec), mask=mask
    )


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
    q = d.quantize(Decimal("1e-10"))
    if q != d:  # more than 10 places: never rounded silently
        raise ValueError("more decimal places than the column holds")
    return q


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


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
    "map": lambda v: {
        str(k): (x if isinstance(x, str) or x is None else _dumps(x)) for k, x in v.items()
    },
}
