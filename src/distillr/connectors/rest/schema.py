"""Column types inferred from sampled records, and records fitted to the types a table has.

Inference (:func:`infer`) reads every sampled record and merges what each field held:

- JSON numbers stay numbers (``int``; ``float`` once a fraction is seen), booleans stay
  booleans; a text field is a ``timestamp`` when every value is ISO 8601 with a time (or
  ``timestamp_rfc2822`` when every value is RFC 2822), a ``date`` when every value is
  ``YYYY-MM-DD``, else ``string``; for text-only formats (CSV,
  XML) numbers and booleans in text are read as such;
- objects become structs (their keys merged over all records), arrays lists of their merged
  item type;
- nulls (and empty objects) decide nothing: a field only ever null or ``{}`` is ``json`` (any
  later value fits);
- values that disagree widen to their common type: ``int`` and ``float`` to ``float``,
  a timestamp and other text to ``string``, an object and a scalar to ``json``.

Fitting (:func:`fit`) is what keeps a later page from crashing a query or losing data: each
value that fits its column goes there; a field the table has no column for, or a value its
column's type cannot hold (``1.5`` in an ``int`` column), goes to the record's
:data:`EXTRA` column instead, as JSON that mirrors the record (``{"fields": {"new": 1}}``).
``refresh`` then widens the types, and the values move into their columns.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from distillr.connectors.arrow import FieldSpec

__all__ = ["EXTRA", "fit", "infer", "merge_specs", "widen"]

#: the column holding, per row, what the table's columns could not
EXTRA = "_extra"

_TS = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: RFC 2822 (``Thu, 26 Nov 2026 23:30:22 +0000``), as some APIs (Twilio's) write times
_RFC = re.compile(r"^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")
_INT = re.compile(r"^[+-]?\d{1,18}$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)$")
_BOOL_TEXT = {"true": True, "false": False}
#: the order types widen in, among scalars that widen to each other
_NUMERIC = ("int", "float")


def _kind_of(value: Any, textual: bool) -> FieldSpec | None:
    """The spec one value suggests (``None`` for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return FieldSpec("", "bool")
    if isinstance(value, int):
        return FieldSpec("", "int")
    if isinstance(value, float):
        return FieldSpec("", "float")
    if isinstance(value, str):
        if _TS.match(value) and _timestamp_ok(value):
            return FieldSpec("", "timestamp_iso")
        if _DATE.match(value) and _date_ok(value):
            return FieldSpec("", "date")
        if _RFC.match(value) and _rfc_ok(value):
            return FieldSpec("", "timestamp_rfc")
        if textual:
            if _INT.match(value):
                return FieldSpec("", "int")
            if _FLOAT.match(value):
                return FieldSpec("", "float")
            if value.lower() in _BOOL_TEXT:
                return FieldSpec("", "bool")
        return FieldSpec("", "string")
    if isinstance(value, dict):
        if not value:
            return _unseen()  # {} says nothing of its fields (a struct needs some)
        return FieldSpec("", "struct", children=_struct_children([value], textual))
    if isinstance(value, list):
        item = None
        for v in value:
            item = widen(item, _kind_of(v, textual))
        return FieldSpec("", "list", children=(_named(item or _unseen(), "item"),))
    return FieldSpec("", "string")


#: marks a field seen only as null (or an empty list's items) while inferring
_UNSEEN = "\0unseen"


def _unseen(name: str = "") -> FieldSpec:
    return FieldSpec(name, "json", _UNSEEN)


def _named(spec: FieldSpec, name: str) -> FieldSpec:
    return FieldSpec(name, spec.kind, spec.key, spec.children)


def _final(spec: FieldSpec) -> FieldSpec:
    """The spec with the inference marks gone (a field never seen with a value is json)."""
    return FieldSpec(spec.name, spec.kind, None, tuple(_final(c) for c in spec.children))


def widen(a: FieldSpec | None, b: FieldSpec | None) -> FieldSpec | None:
    """The narrowest type that holds values of both (``None`` is no value seen yet)."""
    if a is None:
        return b
    if b is None:
        return a
    if a.key == _UNSEEN:
        return _named(b, a.name or b.name)  # a null-only field learns its type
    if b.key == _UNSEEN:
        return a
    if a.kind == "json" or b.kind == "json":
        return FieldSpec(a.name, "json")
    if a.kind == b.kind == "struct":
        return FieldSpec(a.name, "struct", None, merge_specs(a.children, b.children))
    if a.kind == b.kind == "list":
        item = widen(a.children[0], b.children[0]) or a.children[0]
        return FieldSpec(a.name, "list", None, (_named(item, "item"),))
    if a.kind == b.kind:
        return a
    if a.kind in _NUMERIC and b.kind in _NUMERIC:
        return FieldSpec(a.name, "float")
    if {a.kind, b.kind} <= {"timestamp_iso", "timestamp_rfc", "date"}:
        return FieldSpec(a.name, "timestamp_iso")  # parsed value by value: any of the three
    scalar = {"string", "timestamp_iso", "timestamp_rfc", "date", "int", "float", "bool", "decimal"}
    if a.kind in scalar and b.kind in scalar:
        return FieldSpec(a.name, "string")
    return FieldSpec(a.name, "json")


def merge_specs(a: Sequence[FieldSpec], b: Sequence[FieldSpec]) -> tuple[FieldSpec, ...]:
    """Fields of both, in first-seen order, each widened to hold both."""
    out = {f.name: f for f in a}
    for f in b:
        out[f.name] = _named(widen(out.get(f.name), f) or f, f.name)
    return tuple(out.values())


def _struct_children(records: Iterable[Mapping[str, Any]], textual: bool) -> tuple[FieldSpec, ...]:
    fields: dict[str, FieldSpec | None] = {}
    for record in records:
        for key, value in record.items():
            fields[key] = widen(fields.get(key), _kind_of(value, textual))
    return tuple(_named(spec or _unseen(), key) for key, spec in fields.items())


def infer(records: Iterable[Mapping[str, Any]], textual: bool = False) -> tuple[FieldSpec, ...]:
    """The columns the records suggest, in the order their fields were first seen.

    >>> [(f.name, f.kind) for f in infer([{"id": 1, "at": "2025-03-01T10:15:30.000+0000"},
    ...                                    {"id": 2, "at": None, "x": None}])]
    [('id', 'int'), ('at', 'timestamp_iso'), ('x', 'json')]
    """
    return tuple(_final(f) for f in _struct_children(records, textual))


def _timestamp_ok(text: str) -> bool:
    t = text.replace(" ", "T", 1)
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    try:
        datetime.fromisoformat(t)
    except ValueError:
        return False
    return True


def _rfc_ok(text: str) -> bool:
    try:
        email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return False
    return True


def _date_ok(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# -- fitting records to the table's types ------------------------------------------------

_NOTHING = object()


def fit(
    records: Sequence[Mapping[str, Any]], fields: Sequence[FieldSpec]
) -> tuple[list[dict[str, Any]], list[Any]]:
    """Records with only what fits the fields, and per record what did not (``None``: all
    fitted). The records are not changed."""
    keyed = {f.json_key: f for f in fields}
    out: list[dict[str, Any]] = []
    extras: list[Any] = []
    for record in records:
        kept, left = _fit_struct(record, keyed)
        out.append(kept)
        extras.append(left)
    return out, extras


def _fit_struct(
    record: Mapping[str, Any], keyed: Mapping[str, FieldSpec]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    kept: dict[str, Any] = {}
    left: dict[str, Any] | None = None
    for key, value in record.items():
        spec = keyed.get(key)
        if spec is None:
            if value is not None:
                left = left or {}
                left[key] = value
            continue
        fitted, rest = _fit(value, spec)
        if fitted is not _NOTHING:
            kept[key] = fitted
        if rest is not _NOTHING:
            left = left or {}
            left[key] = rest
    return kept, left


def _fit(value: Any, spec: FieldSpec) -> tuple[Any, Any]:
    """(what goes in the column or _NOTHING, what is left over or _NOTHING)."""
    if value is None:
        return None, _NOTHING
    kind = spec.kind
    if kind in ("string", "json"):
        return value, _NOTHING
    if kind == "struct":
        if not isinstance(value, dict):
            return _NOTHING, value
        kept, left = _fit_struct(value, {c.json_key: c for c in spec.children})
        return kept, (_NOTHING if left is None else left)
    if kind == "list":
        if not isinstance(value, list):
            return _NOTHING, value
        item = spec.children[0]
        kept_items, left_items, any_left = [], [], False
        for v in value:
            k, r = _fit(v, item)
            kept_items.append(None if k is _NOTHING else k)
            left_items.append(None if r is _NOTHING else r)
            any_left = any_left or r is not _NOTHING
        return kept_items, (left_items if any_left else _NOTHING)
    return (value, _NOTHING) if _scalar_fits(value, kind) else (_NOTHING, value)


def _scalar_fits(value: Any, kind: str) -> bool:
    if isinstance(value, (dict, list)):
        return False
    if kind == "int":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return -(2**63) <= value < 2**63
        if isinstance(value, float):
            return value.is_integer() and abs(value) < 2**53
        return isinstance(value, str) and bool(_INT.match(value.strip()))
    if kind == "float":
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return True
        return isinstance(value, str) and bool(_FLOAT.match(value.strip()))
    if kind == "bool":
        return isinstance(value, bool) or (
            isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0")
        )
    if kind == "decimal":
        if isinstance(value, bool):
            return False
        try:
            d = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            return False
        return d.is_finite() and d.quantize(Decimal("1e-10")) == d and abs(d) < Decimal(10) ** 27
    if kind in ("timestamp_iso", "timestamp_rfc"):
        return isinstance(value, str) and (value == "" or _timestamp_text(value))
    if kind == "date":
        return isinstance(value, str) and (value == "" or _date_ok(value.strip()[:10]))
    return True


def _timestamp_text(text: str) -> bool:
    t = text.strip()
    return _timestamp_ok(t) or _date_ok(t) or _rfc_ok(t)
