"""When a query's LIMIT may travel to its table's view on Spark.

PySpark's Python data source reader is told no LIMIT (4.0 to 4.3 offer it none), so
:func:`pushed_limit` finds it in the query itself: the result must be the first rows of one
table's filtered scan (one ``source.table``, no join, grouping, aggregate, DISTINCT, window,
generator, ORDER BY, set operation or subquery) and every WHERE conjunct a predicate the API
applies exactly, by the engine's own rules (``sql/predicates.py``). The view then gets the
limit (LIMIT + OFFSET) and the predicates' slots as options; the reader passes the limit to
the connector only if Spark pushed it exactly those filters and it accepted each one exactly
(:meth:`distillr.spark.source.PushingReader.limit_holds`). Spark applies LIMIT again on top.
"""

from __future__ import annotations

import json

from sqlglot import exp

from distillr.connectors.base import Column, Connector, Pred, TableDef
from distillr.errors import DistillrError
from distillr.sql.clauses import SET_RETURNING, conjuncts, own_nodes
from distillr.sql.limits import int_literal
from distillr.sql.plan import TableScan
from distillr.sql.predicates import predicates_for

__all__ = ["FILTERS_OPTION", "LIMIT_OPTION", "limit_options", "pushed_limit", "slot"]

#: the reader options a pushed LIMIT travels in (internal: set by ``distillr.spark.sql``)
LIMIT_OPTION = "distillr_limit"
FILTERS_OPTION = "distillr_limit_filters"

#: clauses after which the first rows of the scan are no longer the first rows of the result
_BLOCKING = (
    "joins",
    "laterals",
    "group",
    "having",
    "distinct",
    "qualify",
    "order",
    "windows",
    "pivots",
    "cluster",
    "distribute",
    "sort",
)
#: Spark's generators (several rows per input row), besides the engine's
_GENERATORS = SET_RETURNING | {"explode_outer", "posexplode", "posexplode_outer", "inline"}
_GENERATORS |= {"inline_outer", "stack", "json_tuple"}


def slot(pred: Pred) -> tuple[str, str]:
    """One predicate per column and operator reaches the connector (an equality and a list
    count as one); Spark applies any other."""
    return pred.column.lower(), "eq" if pred.op == "in" else pred.op


def pushed_limit(
    tree: exp.Expr, table: exp.Table, conn: Connector, tdef: TableDef
) -> tuple[int, list[tuple[str, str]]] | None:
    """The rows to read (LIMIT + OFFSET) and the slots of the WHERE predicates, when the
    query's result is the first rows of ``table``'s scan filtered exactly by the API; else
    ``None``. Virtual columns must be replaced first (Spark filters their expressions)."""
    if not isinstance(tree, exp.Select) or not _first_rows(tree, table):
        return None
    limit = tree.args.get("limit")
    count = int_literal(limit.expression) if isinstance(limit, exp.Limit) else None
    offset_node = tree.args.get("offset")
    offset = int_literal(offset_node.expression) if offset_node is not None else 0
    if count is None or offset is None or count < 0 or offset < 0:
        return None
    scan = TableScan(0, "", table.db, conn, tdef, table.alias_or_name, table.name, 0)
    real = {c.name.lower(): c for c in tdef.columns if not c.virtual}

    def column_of(node: exp.Expr, _scan: TableScan) -> Column | None:
        if not isinstance(node, exp.Column) or node.table.lower() not in (
            "",
            table.alias_or_name.lower(),
        ):
            return None
        return real.get(node.name.lower())

    slots: list[tuple[str, str]] = []
    where = tree.args.get("where")
    for conj in conjuncts(where.this if where is not None else None):
        try:
            preds, why = predicates_for(conj, scan, column_of)
        except DistillrError:  # a literal the API cannot take: Spark decides
            return None
        if why or not preds or not all(exact for _p, exact in preds):
            return None
        slots.extend(slot(p) for p, _e in preds)
    if len(set(slots)) != len(slots):  # the reader takes one predicate per slot
        return None
    return count + offset, sorted(slots)


def _first_rows(select: exp.Select, table: exp.Table) -> bool:
    """Whether ``select`` reads ``table`` alone and keeps its rows in order, one for one."""
    tables = list(select.find_all(exp.Table))
    if tables != [table] or table.args.get("sample") or table.args.get("joins"):
        return False
    if any(select.args.get(arg) for arg in _BLOCKING):
        return False
    if any(isinstance(n, exp.Query) for n in select.walk() if n is not select):
        return False
    for node in own_nodes(select):
        if isinstance(node, exp.AggFunc | exp.Window | exp.UDTF):
            return False
        name = node.name if isinstance(node, exp.Anonymous) else node.key
        if isinstance(node, exp.Func) and str(name).lower() in _GENERATORS:
            return False
    return True


def limit_options(found: tuple[int, list[tuple[str, str]]]) -> dict[str, str]:
    """The reader options of a pushed limit."""
    count, slots = found
    return {LIMIT_OPTION: str(count), FILTERS_OPTION: json.dumps(slots)}
