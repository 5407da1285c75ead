"""When LIMIT may travel to an API (rules in docs/engine.md).

``plan_limit`` sets ``limit`` (LIMIT + OFFSET) on the one table reference of a scope when the
first rows the API returns are provably a correct answer, and otherwise says why not in
``limit_note``. ``LIMIT 0`` marks the scope's table references as needing no request.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from distillr.connectors.base import Column
from distillr.sql.clauses import SET_RETURNING, has_query, own_nodes
from distillr.sql.plan import TableScan
from distillr.sql.values import NotPushable, literal_value

__all__ = ["int_literal", "plan_limit"]


def int_literal(node: exp.Expr | None) -> int | None:
    """The integer a literal node holds, else None."""
    if node is None:
        return None
    try:
        value = literal_value(node)
    except NotPushable:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def plan_limit(
    scope: Scope,
    select: exp.Select,
    scans_here: list[TableScan],
    exact_all: bool,
    pushdown: bool,
    column_of: Callable[[exp.Expr, TableScan], Column | None],
) -> None:
    """Decide LIMIT for the table references of one scope; ``exact_all`` says whether every
    WHERE conjunct was pushed exactly."""
    limit_node = select.args.get("limit")
    if limit_node is None:
        return
    if isinstance(limit_node, exp.Fetch):
        opts = limit_node.args.get("limit_options")
        if opts is not None and (opts.args.get("percent") or opts.args.get("with_ties")):
            for s in scans_here:
                s.limit_note = "not pushed: FETCH with PERCENT or WITH TIES"
            return
        count = int_literal(limit_node.args.get("count"))
    else:
        count = int_literal(limit_node.expression)
    offset_node = select.args.get("offset")
    offset = int_literal(offset_node.expression) if offset_node is not None else 0
    if count is None or offset is None:
        for s in scans_here:
            s.limit_note = "not pushed: LIMIT/OFFSET is not an integer literal"
        return
    if count == 0:
        for s in scans_here:
            s.empty = True
            s.limit_note = "LIMIT 0: no request is made"
        return

    def why_not() -> str | None:
        if len(scope.selected_sources) != 1 or len(scans_here) != 1 or select.args.get("joins"):
            return "the scope has more than one relation"
        if select.args.get("distinct"):
            return "the query has DISTINCT"
        if select.args.get("group"):
            return "the query has GROUP BY"
        if select.args.get("having"):
            return "the query has HAVING"
        if select.args.get("qualify"):
            return "the query has QUALIFY"
        for node in own_nodes(select):
            if isinstance(node, exp.AggFunc):
                return "the query has an aggregate"
            if isinstance(node, exp.Window):
                return "the query has a window function"
            if isinstance(node, (exp.Unnest, exp.Explode)) or (
                isinstance(node, exp.Anonymous) and str(node.this).lower() in SET_RETURNING
            ):
                return "the query has a set-returning function"
            if isinstance(node, exp.Func) and node.key.lower() in SET_RETURNING:
                return "the query has a set-returning function"
        if select.args.get("where") is not None and has_query(select.args["where"]):
            return "the WHERE clause has a subquery"
        scan = scans_here[0]
        order = select.args.get("order")
        if order is not None:
            wanted = []
            for o in order.expressions:
                col = column_of(o.this, scan)
                if col is None:
                    return "ORDER BY is not the API's own order"
                wanted.append((col.name.lower(), bool(o.args.get("desc"))))
            api = [(c.lower(), bool(d)) for c, d in scan.table.order]
            if wanted != api:
                return "ORDER BY is not the API's own order"
        if not exact_all:
            return "not every WHERE condition was pushed exactly"
        if not pushdown:
            return "pushdown is off"
        return None

    reason = why_not()
    scan = scans_here[0]
    if reason is not None:
        for s in scans_here:
            s.limit_note = f"not pushed: {reason}"
        return
    scan.limit = count + offset
    scan.limit_note = (
        f"pushed: {count + offset} (LIMIT {count}" + (f" + OFFSET {offset}" if offset else "") + ")"
    )
