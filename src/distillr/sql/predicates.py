"""Which conjuncts travel to an API, and as which predicates (rules in docs/engine.md).

``predicates_for(conj, scan, column_of)`` turns one conjunct of a WHERE or ON clause that
touches one table reference into connector predicates, each marked exact or not, as the
table's columns declare: ``col op literal`` (flipped when the literal comes first), ``IN``
lists and ``OR`` of equalities on one column, ``LIKE 'prefix%'``, ``BETWEEN``, a boolean
column alone. Anything else stays local, with the reason EXPLAIN shows. ``place_conjunct``
pushes them and says where the conjunct went (a ``Conjunct`` with its ``Placement``).

A text literal that DuckDB could not cast to its column's type (``boardId = 'abc'`` on an
integer column) fails the query while it is planned, before any request, as DuckDB would fail
it later: a wrong-typed parameter value never costs a request.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from sqlglot import exp

from distillr.connectors.base import Column, Pred
from distillr.errors import SqlError, TooManyRequests
from distillr.sql.clauses import disjuncts
from distillr.sql.plan import Conjunct, Placement, TableScan
from distillr.sql.values import NotPushable, convert, literal_value

__all__ = ["place_conjunct", "predicates_for"]

#: Arrow types whose text literals DuckDB casts when it binds a comparison
_CASTS = {
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}
_KINDS = {"BIGINT": "whole numbers", "INTEGER": "whole numbers", "DOUBLE": "numbers"}


def _typed(value, col: Column, ref: str, parameter: bool = False):
    """``value`` in the column's type; ``NotPushable`` (stays local) or, for text DuckDB
    cannot cast to that type either (or any other type for a required parameter, which
    cannot stay local), a ``SqlError`` now."""
    try:
        return convert(value, col.type)
    except NotPushable:
        target = _CASTS.get(col.type)
        if parameter and target is not None and not isinstance(value, str):
            kind = _KINDS.get(target, target.lower() + " values")
            raise SqlError(
                f"{ref}: {col.name} is a parameter of the API and takes {kind}, not {value}."
                " Change the value in the WHERE clause; nothing was sent to the API."
            ) from None
        if isinstance(value, str) and target is not None:
            import duckdb

            with duckdb.connect() as db:
                cast = db.execute(f"SELECT TRY_CAST(? AS {target})", [value]).fetchone()
            if cast is not None and cast[0] is None:
                kind = _KINDS.get(target, target.lower() + " values")
                shown = value if len(value) <= 40 else value[:37] + "..."
                raise SqlError(
                    f"{ref}: {col.name} takes {kind}, not {shown!r}. Change the value in the"
                    " WHERE clause; nothing was sent to the API."
                ) from None
        raise


_OPS = {exp.EQ: "eq", exp.GT: "gt", exp.GTE: "gte", exp.LT: "lt", exp.LTE: "lte"}
_FLIP = {"eq": "eq", "gt": "lt", "gte": "lte", "lt": "gt", "lte": "gte"}


def place_conjunct(
    conj: exp.Expr,
    scan: TableScan,
    column_of: Callable[[exp.Expr, TableScan], Column | None],
    sql: str,
) -> Conjunct:
    """Push what the table can take of one conjunct (onto ``scan.predicates``); say where it
    went. ``sql`` is the conjunct as EXPLAIN shows it."""
    preds, why = predicates_for(conj, scan, column_of)
    if not preds:
        return Conjunct(sql, Placement.LOCAL, reason=why)
    exact = all(e for _p, e in preds) and not why
    for p, _e in preds:
        scan.predicates.append(p)
    return Conjunct(
        sql,
        Placement.EXACT if exact else Placement.INEXACT,
        tuple(p for p, _ in preds),
        reason="" if exact else (why or "the API returns a superset; re-checked locally"),
    )


def predicates_for(
    conj: exp.Expr,
    scan: TableScan,
    column_of: Callable[[exp.Expr, TableScan], Column | None],
) -> tuple[list[tuple[Pred, bool]], str]:
    """Predicates (with exactness) for one conjunct, and a reason if some part stays local.

    ``column_of(node, scan)`` is the table column a node names, if it names one of ``scan``."""
    for klass, op in _OPS.items():
        if isinstance(conj, klass):
            return _comparison(conj, op, scan, column_of)
    if isinstance(conj, exp.In):
        col = column_of(conj.this, scan)
        if col is None or conj.args.get("query") or conj.args.get("unnest"):
            return [], "not a list of literals"
        try:
            return [_pred(scan, col, "in", [literal_value(v) for v in conj.expressions])], ""
        except NotPushable as why:
            return [], str(why)
    if isinstance(conj, exp.Or):
        return _equalities(conj, scan, column_of)
    if isinstance(conj, exp.Like) and not isinstance(conj.parent, exp.Escape):
        return _like(conj, scan, column_of)
    if isinstance(conj, exp.Between):
        col = column_of(conj.this, scan)
        if col is None or conj.args.get("symmetric"):
            return [], "BETWEEN needs a column and literals"
        out, why_local = [], ""
        for op, node in (("gte", conj.args.get("low")), ("lte", conj.args.get("high"))):
            try:
                out.append(_pred(scan, col, op, literal_value(node)))
            except NotPushable as why:
                why_local = str(why)
        return out, why_local
    if isinstance(conj, (exp.Column, exp.Paren)):
        col = column_of(conj, scan)
        if col is not None and pa.types.is_boolean(col.type):
            try:
                return [_pred(scan, col, "eq", True)], ""
            except NotPushable as why:
                return [], str(why)
    return [], "not a pushable form"


def _pred(scan: TableScan, col: Column, op: str, value) -> tuple[Pred, bool]:
    """One predicate on ``col`` and whether the API applies it exactly, or ``NotPushable``."""
    filters = col.filters
    parameter = col.name.lower() in {p.lower() for p in scan.table.parameters}
    if op != "in":
        if op not in filters:
            raise NotPushable(f"the API cannot filter {col.name} with {op}")
        return Pred(col.name, op, _typed(value, col, scan.ref, parameter)), filters[op]
    connector = scan.connector
    if "in" in filters:
        exact = filters["in"]
    elif "eq" in filters:
        exact = filters["eq"]
    else:
        raise NotPushable(f"the API cannot filter {col.name} by a list of values")
    values = tuple(dict.fromkeys(_typed(v, col, scan.ref, parameter) for v in value))
    if len(values) > connector.max_fanout:
        if parameter:
            raise TooManyRequests(
                f"{scan.ref}: {len(values)} values for {col.name} would need"
                f" {len(values)} requests; the limit for source '{scan.source}' is"
                f" {connector.max_fanout}. Narrow the list."
            )
        raise NotPushable(
            f"{len(values)} values exceed the source's fan-out cap of {connector.max_fanout}"
        )
    if len(values) == 1 and "eq" in filters:
        return Pred(col.name, "eq", values[0]), filters["eq"]
    if "in" not in filters and not exact:
        # one request per value, each a superset: two values can fetch the same row
        # ('inbound' and 'Inbound' where the API ignores case), and it would count twice
        raise NotPushable(
            f"the API matches {col.name} only approximately, so one"
            " request per value could return a row twice"
        )
    return Pred(col.name, "in", values), exact


def _comparison(conj, op, scan, column_of) -> tuple[list[tuple[Pred, bool]], str]:
    """``col op literal`` or ``literal op col`` (flipped)."""
    col = column_of(conj.this, scan)
    other = conj.expression
    if col is None:
        col = column_of(conj.expression, scan)
        other = conj.this
        op = _FLIP[op]
    if col is None:
        return [], "not a comparison of a column with a literal"
    try:
        return [_pred(scan, col, op, literal_value(other))], ""
    except NotPushable as why:
        return [], str(why)


def _equalities(conj, scan, column_of) -> tuple[list[tuple[Pred, bool]], str]:
    """``col = a OR col = b OR col IN (...)`` on one column, as one ``in`` predicate."""
    mixed = "OR of anything but equalities on one column"
    col_name = None
    values: list = []
    col = None
    for part in disjuncts(conj):
        if isinstance(part, exp.EQ):
            c = column_of(part.this, scan)
            lit = part.expression
            if c is None:
                c, lit = column_of(part.expression, scan), part.this
            try:
                vals = [literal_value(lit)]
            except NotPushable:
                return [], mixed
        elif isinstance(part, exp.In) and not part.args.get("query"):
            c = column_of(part.this, scan)
            try:
                vals = [literal_value(v) for v in part.expressions]
            except NotPushable:
                return [], mixed
        else:
            return [], mixed
        if c is None or (col_name is not None and c.name != col_name):
            return [], mixed
        col, col_name = c, c.name
        values.extend(vals)
    try:
        return [_pred(scan, col, "in", values)], ""
    except NotPushable as why:
        return [], str(why)


def _like(conj, scan, column_of) -> tuple[list[tuple[Pred, bool]], str]:
    """``LIKE 'prefix%'`` as ``prefix``, ``LIKE 'abc'`` as ``eq``."""
    col = column_of(conj.this, scan)
    pattern = conj.expression
    if col is None or not (isinstance(pattern, exp.Literal) and pattern.is_string):
        return [], "LIKE needs a column and a literal pattern"
    text = pattern.this
    body = text[:-1] if text.endswith("%") else text
    if "%" in body or "_" in body or "\\" in body:
        return [], "only LIKE 'prefix%' is pushed"
    try:
        if text.endswith("%"):
            if not body:
                return [], "LIKE '%' filters nothing"
            return [_pred(scan, col, "prefix", body)], ""
        return [_pred(scan, col, "eq", body)], ""
    except NotPushable as why:
        return [], str(why)
