"""Pushed predicates -> the values of an endpoint's parameters, written as the API wants them.

:func:`bind` reads a table's predicates: an ``eq`` parameter takes the values of ``=`` and
``IN`` on its column (several values fan out, one split each; contradicting values make the
answer empty without asking); a comparison parameter takes the tightest bound of its operator.
Then every parameter without a value gets its default, and a required one without either is a
:class:`~distillr.errors.MissingParameter`, before any request.

:func:`wire` writes one value: booleans as ``true``/``false``, numbers plainly, timestamps and
dates per the parameter's ``format`` (``iso8601`` by default, ``epoch``, ``epoch_ms``, ``date``
or a strftime pattern). A value that is not of the parameter's ``type`` is a
:class:`~distillr.errors.SqlError` saying what it takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from distillr.connectors.base import Pred
from distillr.connectors.rest.definition import ParamDef
from distillr.connectors.rest.tables import RestTable
from distillr.errors import MissingParameter, SqlError

__all__ = ["Bound", "bind", "wire"]

_INT = re.compile(r"^[+-]?\d+$")
_TIGHTER = {"gt": max, "gte": max, "lt": min, "lte": min, "prefix": None}


@dataclass
class Bound:
    """Per parameter (wire name): its values (several fan out) and the typed value of each,
    for the column it fills."""

    values: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    empty: bool = False


def _intersect(current: tuple[Any, ...] | None, new: Iterable[Any]) -> tuple[Any, ...]:
    new_t = tuple(dict.fromkeys(new))
    if current is None:
        return new_t
    return tuple(v for v in current if v in set(new_t))


def bind(table: RestTable, predicates: Iterable[Pred]) -> Bound:
    """The parameter values a query's pushed predicates give, defaults and requirements
    applied."""
    out = Bound()
    for pred in predicates:
        for p in table.by_column.get(pred.column.lower(), []):
            if p.op == "eq" and pred.op in ("eq", "in"):
                values = pred.value if pred.op == "in" else (pred.value,)
                values = [v for v in values if v is not None]
                out.values[p.name] = _intersect(out.values.get(p.name), values)
            elif p.op == pred.op:
                pick = _TIGHTER[p.op]
                old = out.values.get(p.name)
                value = pred.value if old is None or pick is None else pick(old[0], pred.value)
                out.values[p.name] = (value,)
    if any(len(v) == 0 for v in out.values.values()):
        out.empty = True
        return out
    for p in table.params.values():
        if p.name in out.values:
            continue
        if p.default is not None:
            out.values[p.name] = (p.default,)
        elif p.required or p.location == "path":
            raise _missing(table, p)
    return out


def _missing(table: RestTable, p: ParamDef) -> MissingParameter:
    column = p.target
    ops = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
    example = f"WHERE {column} {ops.get(p.op, '=')} {_example(p)}"
    join = (
        " (or IN (...)), or join it on that column to a table that has it" if p.op == "eq" else ""
    )
    kind = "path parameter" if p.location == "path" else "required parameter"
    return MissingParameter(
        f"Table '{table.name}' needs a value for its {kind} {p.name}: add {example}{join}.",
        table=table.name,
        parameter=column,
    )


def _example(p: ParamDef) -> str:
    if p.example is not None:
        return repr(p.example) if isinstance(p.example, str) else str(p.example)
    return {
        "integer": "1",
        "number": "1.5",
        "boolean": "true",
        "timestamp": "'2025-01-01 00:00:00'",
        "date": "'2025-01-01'",
    }.get(p.type, "'...'")


def wire(value: Any, p: ParamDef, table: str = "") -> Any:
    """One value as the parameter sends it (text, or a JSON value for a JSON body)."""
    if isinstance(value, str):
        value = _typed_text(value, p, table)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime) or (isinstance(value, date) and p.type == "timestamp"):
        return _when(
            value if isinstance(value, datetime) else datetime.combine(value, time(), tzinfo=UTC), p
        )
    if isinstance(value, date):
        if p.format and p.format not in ("iso8601", "date"):
            return _when(datetime.combine(value, time(), tzinfo=UTC), p)
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _typed_text(text: str, p: ParamDef, table: str) -> Any:
    t = p.type
    if t == "integer":
        if not _INT.match(text.strip()):
            raise _wrong(text, p, table, "a whole number")
        return int(text)
    if t == "number":
        try:
            return float(text)
        except ValueError:
            raise _wrong(text, p, table, "a number") from None
    if t == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise _wrong(text, p, table, "true or false")
        return text.strip().lower() == "true"
    if t in ("timestamp", "date"):
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise _wrong(text, p, table, "a date or time ('2025-01-01 00:00:00')") from None
        if t == "date" and len(text.strip()) == 10:
            return parsed.date()
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return text


def _wrong(text: str, p: ParamDef, table: str, what: str) -> SqlError:
    where = f" of table '{table}'" if table else ""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return SqlError(
        f"Parameter {p.name}{where} takes {what}, not {shown!r}. Change the value in the"
        f" WHERE clause (e.g. {p.target} = {_example(p)})."
    )


def _when(value: datetime, p: ParamDef) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    fmt = p.format or "iso8601"
    if fmt == "epoch":
        return str(int(value.timestamp()))
    if fmt == "epoch_ms":
        return str(int(value.timestamp() * 1000))
    if fmt == "date":
        return value.date().isoformat()
    if fmt == "iso8601":
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return value.strftime(fmt)
