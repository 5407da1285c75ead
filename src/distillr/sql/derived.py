"""Conditions of an outer query pushed through a derived table or CTE to its API table.

``push_through_derived`` handles ``(SELECT cols FROM api_table WHERE ...) d``: only when the
derived table (or CTE) is used once, reads one API table, and has no join, GROUP BY,
aggregate, DISTINCT, window, LIMIT or OFFSET; then a condition on ``d.col`` is a condition on
the table's column. Forms that travel reject NULLs, so outer joins in the outer scope do not
matter for WHERE; ON conditions travel only from the ON of an inner or LEFT join that joins
``d``.
"""

from __future__ import annotations

import functools

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from distillr.connectors.base import Column
from distillr.sql.clauses import SET_RETURNING, columns_unless_query, conjuncts, own_nodes
from distillr.sql.plan import Placement, TableScan
from distillr.sql.predicates import place_conjunct
from distillr.sql.state import PlanState, column_of, conjunct_text

__all__ = ["push_through_derived"]

#: clauses of a derived table that make a condition on its columns mean something else
_BLOCKING = ("joins", "group", "having", "distinct", "qualify", "limit", "offset", "laterals")


def push_through_derived(state: PlanState) -> None:
    """Push outer conditions into single-use derived tables and CTEs over one API table."""
    uses: dict[int, int] = {}
    for scope in state.scopes:
        for _node, source in scope.selected_sources.values():
            if isinstance(source, Scope):
                uses[id(source)] = uses.get(id(source), 0) + 1
    for scope in state.scopes:
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        for alias, (_node, inner) in scope.selected_sources.items():
            if not isinstance(inner, Scope) or uses.get(id(inner)) != 1:
                continue
            mapped = _derived_columns(state, inner)
            if mapped:
                _push_outer(state, scope, select, alias, *mapped)


def _push_outer(
    state: PlanState,
    scope: Scope,
    select: exp.Select,
    alias: str,
    scan: TableScan,
    columns: dict[str, Column],
) -> None:
    """Push the outer conditions on ``alias``'s columns (all of them mapped in ``columns``)."""
    sources = scope.selected_sources
    conjs = conjuncts(select.args["where"].this) if select.args.get("where") else []
    for join in select.args.get("joins") or []:
        side, kind = (join.side or "").upper(), (join.kind or "").upper()
        target = join.this
        if target.alias_or_name.lower() != alias.lower():
            continue
        if (side == "" and kind in ("", "INNER", "CROSS")) or (
            side == "LEFT" and kind in ("", "OUTER")
        ):
            conjs += conjuncts(join.args.get("on"))
    names = functools.partial(column_of, state)
    for conj in conjs:
        cols = columns_unless_query(conj)
        if not cols:
            continue
        hits = []
        for c in cols:
            owner = c.table.lower() if c.table else (alias.lower() if len(sources) == 1 else None)
            col = columns.get(c.name.lower()) if owner == alias.lower() else None
            if col is None:
                break
            hits.append((c, col))
        else:
            for c, col in hits:
                state.via_derived[id(c)] = (scan, col)
            result = place_conjunct(conj, scan, names, conjunct_text(state, conj))
            if result.placement is not Placement.LOCAL:
                result.reason = (
                    result.reason + "; " if result.reason else ""
                ) + f"from the outer query through {alias}"
                scan.conjuncts.append(result)


def _derived_columns(state: PlanState, inner: Scope) -> tuple[TableScan, dict[str, Column]] | None:
    """The one API table a derived table reads, and which of its output names are which of
    the table's columns; None when conditions on it cannot travel."""
    select = inner.expression
    if not isinstance(select, exp.Select) or len(inner.selected_sources) != 1:
        return None
    ((_node, source),) = inner.selected_sources.values()
    scan = state.by_node.get(id(source)) if isinstance(source, exp.Table) else None
    if scan is None:
        return None
    if any(select.args.get(key) for key in _BLOCKING):
        return None
    for node in own_nodes(select):
        if isinstance(node, (exp.AggFunc, exp.Window, exp.Unnest, exp.Explode)) or (
            isinstance(node, exp.Anonymous) and str(node.this).lower() in SET_RETURNING
        ):
            return None
    columns: dict[str, Column] = {}
    seen: set[str] = set()
    for expr in select.expressions:
        names: list[tuple[str, Column | None]] = []
        if isinstance(expr, exp.Star):
            names = [(c.name.lower(), c) for c in scan.table.columns if not c.virtual]
        else:
            target = expr.this if isinstance(expr, exp.Alias) else expr
            hit = state.resolved.get(id(target)) if isinstance(target, exp.Column) else None
            col = hit[1] if hit is not None and hit[0] is scan else None
            names = [(expr.alias_or_name.lower(), col)]
        for name, col in names:
            if name in seen:
                columns.pop(name, None)
                continue
            seen.add(name)
            if col is not None:
                columns[name] = col
    return scan, columns
