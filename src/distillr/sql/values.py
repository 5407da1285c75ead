"""Turn SQL literals into Python values of a column's Arrow type, or refuse.

The planner pushes a predicate only when the value it sends means exactly what DuckDB will
compare locally (DuckDB runs with ``TimeZone = 'UTC'``). Anything doubtful raises
``NotPushable`` and the predicate stays local.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import pyarrow as pa
from sqlglot import exp

__all__ = ["NotPushable", "convert", "literal_value"]

UTC = dt.UTC
_INT = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class NotPushable(Exception):
    """The value cannot be sent to the API safely; keep the predicate local."""


_MISSING = object()


def literal_value(node: exp.Expr):
    """The Python value of a SQL literal (``_MISSING`` marker via NotPushable if not one)."""
    if isinstance(node, exp.Paren):
        return literal_value(node.this)
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if isinstance(node, exp.Neg):
        value = literal_value(node.this)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return -value
        raise NotPushable("not a literal")
    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        if _INT.fullmatch(text):
            return int(text)
        try:
            return Decimal(text)
        except InvalidOperation:
            raise NotPushable("not a number") from None
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal) and node.this.is_string:
        to = node.to.this
        text = node.this.this
        if to == exp.DataType.Type.DATE:
            if not _DATE.fullmatch(text.strip()):
                raise NotPushable("unusual date text")
            return dt.date.fromisoformat(text.strip())
        if to in (exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIMESTAMPTZ):
            return _parse_timestamp(text)
    raise NotPushable("not a literal")


def _parse_timestamp(text: str) -> dt.datetime:
    text = text.strip()
    if _DATE.fullmatch(text):
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=UTC)
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise NotPushable("unusual timestamp text") from None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def convert(value, type_: pa.DataType):
    """``value`` as the column's type would compare it in DuckDB, or ``NotPushable``."""
    if value is None:
        raise NotPushable("NULL never matches")
    if pa.types.is_boolean(type_):
        if isinstance(value, bool):
            return value
        raise NotPushable("not a boolean")
    if isinstance(value, bool):
        raise NotPushable("boolean against a non-boolean column")
    if pa.types.is_integer(type_):
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str) and _INT.fullmatch(value.strip()):
            return int(value.strip())
        raise NotPushable("not an integer")
    if pa.types.is_floating(type_):
        if isinstance(value, (int, Decimal)):
            return float(value)
        raise NotPushable("not a number")
    if pa.types.is_decimal(type_):
        if isinstance(value, (int, Decimal)):
            return Decimal(value)
        raise NotPushable("not a number")
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        if isinstance(value, str):
            return value
        raise NotPushable("not a string")
    if pa.types.is_timestamp(type_):
        if isinstance(value, dt.datetime):
            ts = value
        elif isinstance(value, dt.date):
            ts = dt.datetime.combine(value, dt.time(), tzinfo=UTC)
        elif isinstance(value, str):
            ts = _parse_timestamp(value)
        else:
            raise NotPushable("not a timestamp")
        if type_.tz is None:
            return ts.astimezone(UTC).replace(tzinfo=None)
        return ts.astimezone(UTC)
    if pa.types.is_date(type_):
        if isinstance(value, dt.datetime):
            raise NotPushable("timestamp against a date column")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value.strip()):
            return dt.date.fromisoformat(value.strip())
        raise NotPushable("not a date")
    raise NotPushable(f"values of type {type_} are not pushed")
