"""From a parsed Drill query to one scan request per API table reference.

The planner is a short list of rules, each a function over the query's ``PlanState``
(``state.py``), applied in order by ``plan_query``, in the manner of sqlglot's optimizer rules
over its scopes. They walk every scope of the query (the main SELECT, CTEs, derived tables,
subqueries), find each API table reference (``find_tables``), resolve columns to them
(``resolve_columns``), split WHERE and ON into conjuncts and place each one: pushed exact,
pushed inexact, or local (``place_conjuncts``, which also decides whether LIMIT may travel),
push outer conditions through derived tables (``derived.py``), bind path parameters
(``binds.py``), and rewrite the tree so that DuckDB reads every table reference under a
private name (``rewrite.py``). Every predicate stays in the query DuckDB runs: pushdown only
narrows what is fetched (rules in docs/engine.md).

Which forms of a conjunct travel is in ``predicates.py``, when LIMIT travels in ``limits.py``;
``clauses.py`` walks a scope and splits its clauses. The plan's data types are in ``plan.py``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from distillr.connectors.base import Connector
from distillr.errors import CatalogError, SqlError
from distillr.sql.binds import bind_parameters, check_bind_order, note_bind
from distillr.sql.clauses import conjuncts, own_nodes
from distillr.sql.derived import push_through_derived
from distillr.sql.dialect import name_computed_columns, parse
from distillr.sql.limits import plan_limit
from distillr.sql.plan import Conjunct, Placement, Plan, TableScan
from distillr.sql.predicates import place_conjunct
from distillr.sql.rewrite import rewrite, virtual_inputs
from distillr.sql.state import PlanState, column_of, conjunct_text, scan_of, single_scan

__all__ = ["RULES", "find_tables", "place_conjuncts", "plan_query", "resolve_columns"]

_query_ids = itertools.count(1)


def plan_query(
    sql: str | exp.Expr,
    resolve_source: Callable[[str], Connector],
    pushdown: bool = True,
    describe: bool = True,
    probes: bool = True,
) -> Plan:
    """Plan one Drill query: parse, find table references, decide pushdown, rewrite.

    ``describe=False`` skips writing each condition's text for EXPLAIN; ``probes=False``
    asks every connector to plan without sending requests (``ScanRequest.probes``)."""
    tree = name_computed_columns(parse(sql) if isinstance(sql, str) else sql)
    state = PlanState(tree, resolve_source, pushdown, describe, next(_query_ids))
    try:
        find_tables(state)
    except SqlglotError as err:
        raise SqlError(f"The query is not valid: {err}.") from None
    for rule in RULES:
        rule(state)
    duck_sql = rewrite(state)
    for scan in state.scans:
        scan.probes = probes
    check_bind_order(state.scans)
    return Plan(
        sql=duck_sql, scans=state.scans, pushdown=pushdown, query_id=state.query_id, probes=probes
    )


# --------------------------------------------------------------------------- table references


def find_tables(state: PlanState) -> None:
    """One ``TableScan`` per API table reference of every scope."""
    state.scopes = list(traverse_scope(state.tree))
    state.scope_ids = {id(s): i for i, s in enumerate(state.scopes)}
    for scope_id, scope in enumerate(state.scopes):
        for alias, (_node, source) in scope.selected_sources.items():
            if not isinstance(source, exp.Table) or id(source) in state.by_node:
                continue
            if not isinstance(source.this, exp.Identifier):
                continue  # a table function such as range(10): DuckDB's own
            _add_scan(state, source, alias, scope_id)


def _add_scan(state: PlanState, node: exp.Table, alias: str, scope_id: int) -> None:
    if node.args.get("catalog"):
        raise CatalogError(
            f"Table name '{node.sql(dialect='drill')}' has too many parts:"
            " write <source>.<table>, for example my_twilio.calls."
        )
    source_name = node.db
    if not source_name:
        raise CatalogError(
            f"Table '{node.name}' needs its source: write <source>.{node.name}"
            " (SHOW DATABASES lists the sources)."
        )
    connector = state.resolve_source(source_name)
    table = connector.table(node.name)
    index = len(state.scans)
    scan = TableScan(
        index=index,
        private=f"__distillr_{state.query_id}_{index}",
        source=getattr(connector, "name", source_name) or source_name,
        connector=connector,
        table=table,
        alias=alias,
        written=node.name,
        scope_id=scope_id,
    )
    state.scans.append(scan)
    state.by_node[id(node)] = scan


# --------------------------------------------------------------------------- columns


def resolve_columns(state: PlanState) -> None:
    """Resolve each column node to its table reference; gather the columns each one reads."""
    for scope in state.scopes:
        sources = list(scope.selected_sources.values())
        base = [state.by_node.get(id(src)) for _n, src in sources if isinstance(src, exp.Table)]
        base = [b for b in base if b is not None]
        derived = [src for _n, src in sources if not isinstance(src, exp.Table)]
        select_aliases = set()
        if isinstance(scope.expression, exp.Select):
            select_aliases = {
                e.alias.lower() for e in scope.expression.expressions if isinstance(e, exp.Alias)
            }
            for join in scope.expression.args.get("joins") or []:
                if join.args.get("using") or join.args.get("method"):
                    for b in base:  # USING / NATURAL name columns without a Column node
                        b.columns = None
        for node in own_nodes(scope.expression):
            if isinstance(node, exp.Star) and not isinstance(node.parent, exp.Count):
                for b in base:  # SELECT * needs every column
                    b.columns = None
                continue
            if not isinstance(node, exp.Column):
                continue
            if isinstance(node.this, exp.Star):
                _, scan = scan_of(state, scope, node.table)
                if scan is not None:
                    scan.columns = None
                continue
            scan_col = _resolve(state, scope, node, base, derived, select_aliases)
            if scan_col is not None:
                scan, col = scan_col
                state.resolved[id(node)] = scan_col
                if scan.columns is not None:
                    scan.columns.add(col.name.lower())
                    if col.expr:
                        scan.columns.update(virtual_inputs(col.expr))
            elif not node.table:
                # unresolved: it may belong to any table of this scope or an outer one
                current: Scope | None = scope
                while current is not None:
                    for _n, src in current.selected_sources.values():
                        hit = state.by_node.get(id(src))
                        if hit is not None:
                            hit.columns = None
                    current = current.parent


def _resolve(state: PlanState, scope, node: exp.Column, base, derived, select_aliases):
    name = node.name
    if node.table:
        found, scan = scan_of(state, scope, node.table)
        if not found or scan is None:
            return None
        return scan, scan.table.column(name)  # raises CatalogError with a suggestion
    if isinstance(node.parent, exp.Ordered) and name.lower() in select_aliases:
        return None
    wanted = name.lower()
    hits = [b for b in base if any(c.name.lower() == wanted for c in b.table.columns)]
    maybe = False
    for src in derived:
        expression = getattr(src, "expression", None)
        if isinstance(expression, exp.Query):
            names = [n.lower() for n in expression.named_selects]
            if wanted in names or "*" in names or not names:
                maybe = True
        else:
            maybe = True
    if len(hits) == 1 and not maybe:
        return hits[0], hits[0].table.column(name)
    return None


# --------------------------------------------------------------------------- conjuncts


def place_conjuncts(state: PlanState) -> None:
    """Place every conjunct of WHERE and ON that touches one table; then decide LIMIT."""
    names = functools.partial(column_of, state)
    for scope_id, scope in enumerate(state.scopes):
        select = scope.expression
        if not isinstance(select, exp.Select):
            continue
        scans_here = [s for s in state.scans if s.scope_id == scope_id]
        if not scans_here:
            continue
        exact_all = _place_where(state, scope, select)
        for join in select.args.get("joins") or []:
            _place_on(state, scope, join)
        plan_limit(scope, select, scans_here, exact_all, state.pushdown, names)


def _place(state: PlanState, conj: exp.Expr, scan: TableScan) -> Conjunct:
    names = functools.partial(column_of, state)
    return place_conjunct(conj, scan, names, conjunct_text(state, conj))


def _place_where(state: PlanState, scope: Scope, select: exp.Select) -> bool:
    """Place the WHERE conjuncts; whether every one was pushed exactly."""
    where = select.args.get("where")
    exact_all = True
    for conj in conjuncts(where.this if where else None):
        scan = single_scan(state, scope, conj)
        if scan is None:
            exact_all = False
            note_bind(state, conj, None)
            continue
        result = _place(state, conj, scan)
        scan.conjuncts.append(result)
        if result.placement is not Placement.EXACT:
            exact_all = False
    return exact_all


def _place_on(state: PlanState, scope: Scope, join: exp.Join) -> None:
    """Place the ON conjuncts of one join: pushed only onto the table an inner or LEFT join
    joins, where that cannot change the join's meaning."""
    side = (join.side or "").upper()
    kind = (join.kind or "").upper()
    target = join.this
    target_scan = state.by_node.get(id(target)) if isinstance(target, exp.Table) else None
    inner = side == "" and kind in ("", "INNER", "CROSS")
    left = side == "LEFT" and kind in ("", "OUTER")
    for conj in conjuncts(join.args.get("on")):
        scan = single_scan(state, scope, conj)
        if scan is not None and scan is target_scan and (inner or left):
            scan.conjuncts.append(_place(state, conj, scan))
            continue
        if inner or left:
            note_bind(state, conj, target_scan if not inner else None)
        if scan is not None:
            scan.conjuncts.append(
                Conjunct(
                    conjunct_text(state, conj),
                    Placement.LOCAL,
                    reason=f"in the ON clause of a {side or kind or 'INNER'} JOIN that"
                    " would change its meaning",
                )
            )


#: the rules after ``find_tables``, in the order they run; each reads and fills ``PlanState``
RULES: tuple[Callable[[PlanState], None], ...] = (
    resolve_columns,
    place_conjuncts,
    push_through_derived,
    bind_parameters,
)
