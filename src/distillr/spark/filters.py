"""Spark's pushed filters as connector predicates, each marked exact or not.

Spark trusts a filter the reader accepts and does not apply it again, so a reader accepts only
what the connector applies exactly (the column declares the operator ``True``). A filter the
API only approximates (dates rounded to whole days) still travels to the API, as a superset,
and is handed back for Spark to apply. The rules follow the engine's (``sql/predicates.py``).
"""

from __future__ import annotations

from typing import Any

from pyspark.sql.datasource import (
    EqualNullSafe,
    EqualTo,
    Filter,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    LessThan,
    LessThanOrEqual,
    StringStartsWith,
)

from distillr.connectors.base import Column, Pred, TableDef
from distillr.sql.values import NotPushable, convert

__all__ = ["exact_op", "predicate_for"]

_OPS: dict[type, str] = {
    EqualTo: "eq",
    EqualNullSafe: "eq",
    GreaterThan: "gt",
    GreaterThanOrEqual: "gte",
    LessThan: "lt",
    LessThanOrEqual: "lte",
    In: "in",
    StringStartsWith: "prefix",
}


def predicate_for(flt: Filter, table: TableDef, max_fanout: int) -> tuple[Pred, bool] | None:
    """The predicate and its exactness for one Spark filter, or ``None`` when the API cannot
    take it (Spark then applies it alone)."""
    op = _OPS.get(type(flt))
    attribute = getattr(flt, "attribute", ())
    if op is None or len(attribute) != 1:
        return None
    names = {c.name: c for c in table.columns if not c.virtual}
    col = names.get(attribute[0])
    if col is None:
        return None
    try:
        return _one(col, op, flt.value, max_fanout)
    except NotPushable:
        return None


def exact_op(col: Column, op: str) -> bool | None:
    """Whether the API applies ``op`` on ``col`` exactly (a list as its own filter, else as one
    equality per value); ``None`` when it cannot take it at all."""
    filters = col.filters
    if op == "in" and "in" not in filters:
        op = "eq"
    return filters.get(op)


def _one(col: Column, op: str, value: Any, max_fanout: int) -> tuple[Pred, bool]:
    filters = col.filters
    exact = exact_op(col, op)
    if exact is None:
        raise NotPushable(op)
    if op != "in":
        return Pred(col.name, op, convert(value, col.type)), exact
    values = tuple(dict.fromkeys(convert(v, col.type) for v in value))
    if not values or len(values) > max_fanout:
        raise NotPushable("fan-out")
    if len(values) == 1 and "eq" in filters:
        return Pred(col.name, "eq", values[0]), filters["eq"]
    if "in" not in filters and not exact:
        raise NotPushable("one approximate request per value could return a row twice")
    return Pred(col.name, "in", values), exact
