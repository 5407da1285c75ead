"""From a parsed Drill query to one scan request per API table reference.

The planner walks every scope of the query (the main SELECT, CTEs, derived tables, subqueries),
finds each API table reference, splits WHERE and ON into conjuncts, and decides for each
conjunct whether the table's columns can take it (pushed exact, pushed inexact, or local).
It then decides whether LIMIT may travel, binds path parameters, and rewrites the tree so that
DuckDB reads every table reference under a private name. Every predicate stays in the query
DuckDB runs: pushdown only narrows what is fetched (rules in docs/engine.md).

Which forms of a conjunct travel is in ``predicates.py``, when LIMIT travels in ``limits.py``;
``clauses.py`` walks a scope and splits its clauses.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from distillr.connectors.base import Column, Connector, TableDef
from distillr.errors import CatalogError, MissingParameter, SqlError
from distillr.sql.clauses import (
    SET_RETURNING,
    all_nodes,
    columns_unless_query,
    conjuncts,
    has_query,
    own_nodes,
)
from distillr.sql.dialect import name_computed_columns, parse, to_duckdb
from distillr.sql.limits import plan_limit
from distillr.sql.plan import BindJoin, Conjunct, Placement, Plan, TableScan
from distillr.sql.predicates import predicates_for
from distillr.tree import parameter_spelling

__all__ = ["plan_query"]

_query_ids = itertools.count(1)


# --------------------------------------------------------------------------- helpers


@functools.cache
def _virtual_tree(sql: str) -> exp.Expr:
    """A virtual column's expression, parsed once (copy before changing it)."""
    return sqlglot.parse_one(sql, read="duckdb")


@functools.cache
def _virtual_inputs(sql: str) -> frozenset[str]:
    return frozenset(c.name.lower() for c in _virtual_tree(sql).find_all(exp.Column))


def _param_names(table: TableDef, param: str) -> set[str]:
    """Names that bind a path parameter: its column and plain aliases of it
    (``CallSid`` with ``expr="call_sid"`` binds ``call_sid`` and the other way round)."""
    names = {param.lower()}
    for col in table.columns:
        if col.expr and col.expr.strip().strip('"`').lower() in names:
            names.add(col.name.lower())
        elif col.name.lower() in names and col.expr:
            names.add(col.expr.strip().strip('"`').lower())
    return names


def _virtual_expr(col: Column, alias: exp.Identifier) -> exp.Expr:
    """A virtual column's expression over the table reference ``alias``, in parentheses."""
    tree = _virtual_tree(col.expr).copy()
    for c in list(tree.find_all(exp.Column)):
        c.set("table", alias.copy())
        c.set("db", None)
        c.set("catalog", None)
    return exp.Paren(this=tree)


# --------------------------------------------------------------------------- planner


class _Planner:
    def __init__(
        self,
        tree: exp.Expr,
        resolve_source: Callable[[str], Connector],
        pushdown: bool,
        describe: bool = True,
    ) -> None:
        self.tree = tree
        self.describe = describe
        self.resolve_source = resolve_source
        self.pushdown = pushdown
        self.query_id = next(_query_ids)
        self.scans: list[TableScan] = []
        self.by_node: dict[int, TableScan] = {}
        self.scopes: list[Scope] = []
        self.resolved: dict[int, tuple[TableScan, Column]] = {}  # id(Column node) -> ...
        self.bind_candidates: dict[int, list[tuple[exp.Expr, str, exp.Column]]] = {}
        self.bind_nodes: dict[int, exp.Column] = {}
        # id(Column node) of the outer query -> the API table column it names through a
        # derived table or CTE over that one table
        self.via_derived: dict[int, tuple[TableScan, Column]] = {}

    # -- table references
    def collect_tables(self) -> None:
        self.scopes = list(traverse_scope(self.tree))
        self.scope_ids = {id(s): i for i, s in enumerate(self.scopes)}
        for scope_id, scope in enumerate(self.scopes):
            for alias, (_node, source) in scope.selected_sources.items():
                if not isinstance(source, exp.Table) or id(source) in self.by_node:
                    continue
                if not isinstance(source.this, exp.Identifier):
                    continue  # a table function such as range(10): DuckDB's own
                self._add_scan(source, alias, scope_id)

    def _add_scan(self, node: exp.Table, alias: str, scope_id: int) -> None:
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
        connector = self.resolve_source(source_name)
        table = connector.table(node.name)
        index = len(self.scans)
        scan = TableScan(
            index=index,
            private=f"__distillr_{self.query_id}_{index}",
            source=getattr(connector, "name", source_name) or source_name,
            connector=connector,
            table=table,
            alias=alias,
            written=node.name,
            scope_id=scope_id,
        )
        self.scans.append(scan)
        self.by_node[id(node)] = scan

    # -- columns
    def _scan_of(self, scope: Scope, alias: str) -> tuple[bool, TableScan | None]:
        """(found, scan) for a table alias, searching outer scopes for correlated refs."""
        wanted = alias.lower()
        current: Scope | None = scope
        while current is not None:
            for name, (_node, source) in current.selected_sources.items():
                if name.lower() == wanted:
                    if isinstance(source, exp.Table):
                        return True, self.by_node.get(id(source))
                    return True, None
            current = current.parent
        return False, None

    def resolve_columns(self) -> None:
        for scope in self.scopes:
            sources = list(scope.selected_sources.values())
            base = [self.by_node.get(id(src)) for _n, src in sources if isinstance(src, exp.Table)]
            base = [b for b in base if b is not None]
            derived = [src for _n, src in sources if not isinstance(src, exp.Table)]
            select_aliases = set()
            if isinstance(scope.expression, exp.Select):
                select_aliases = {
                    e.alias.lower()
                    for e in scope.expression.expressions
                    if isinstance(e, exp.Alias)
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
                    _, scan = self._scan_of(scope, node.table)
                    if scan is not None:
                        scan.columns = None
                    continue
                scan_col = self._resolve(scope, node, base, derived, select_aliases)
                if scan_col is not None:
                    scan, col = scan_col
                    self.resolved[id(node)] = scan_col
                    if scan.columns is not None:
                        scan.columns.add(col.name.lower())
                        if col.expr:
                            scan.columns.update(_virtual_inputs(col.expr))
                elif not node.table:
                    # unresolved: it may belong to any table of this scope or an outer one
                    current: Scope | None = scope
                    while current is not None:
                        for _n, src in current.selected_sources.values():
                            hit = self.by_node.get(id(src))
                            if hit is not None:
                                hit.columns = None
                        current = current.parent

    def _resolve(self, scope, node: exp.Column, base, derived, select_aliases):
        name = node.name
        if node.table:
            found, scan = self._scan_of(scope, node.table)
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

    # -- predicates
    def _single_scan(self, scope: Scope, conj: exp.Expr) -> TableScan | None:
        cols = columns_unless_query(conj)
        if not cols:
            return None
        scans = set()
        for c in cols:
            hit = self.resolved.get(id(c))
            if hit is None:
                return None
            scans.add(hit[0].index)
        if len(scans) != 1:
            return None
        scan = self.scans[scans.pop()]
        return scan if scan.scope_id == self.scope_ids[id(scope)] else None

    def _column_of(self, node: exp.Expr, scan: TableScan) -> Column | None:
        if isinstance(node, exp.Paren):
            return self._column_of(node.this, scan)
        if isinstance(node, exp.Column):
            hit = self.resolved.get(id(node)) or self.via_derived.get(id(node))
            if hit is not None and hit[0] is scan:
                return hit[1]
        return None

    def _text(self, conj: exp.Expr) -> str:
        """A conjunct as written, for EXPLAIN (skipped when only running the query)."""
        return conj.sql(dialect="drill", copy=False) if self.describe else ""

    def _push(self, conj: exp.Expr, scan: TableScan) -> Conjunct:
        """Push what the table can take of one conjunct; say where it went."""
        preds, why = predicates_for(conj, scan, self._column_of)
        sql = self._text(conj)
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

    def plan_scopes(self) -> None:
        for scope_id, scope in enumerate(self.scopes):
            select = scope.expression
            if not isinstance(select, exp.Select):
                continue
            scans_here = [s for s in self.scans if s.scope_id == scope_id]
            if not scans_here:
                continue
            where_all = conjuncts(
                select.args.get("where").this if select.args.get("where") else None
            )
            exact_all = True
            for conj in where_all:
                scan = self._single_scan(scope, conj)
                if scan is None:
                    exact_all = False
                    self._note_bind(scope, conj, None)
                    continue
                result = self._push(conj, scan)
                scan.conjuncts.append(result)
                if result.placement is not Placement.EXACT:
                    exact_all = False
            for join in select.args.get("joins") or []:
                side = (join.side or "").upper()
                kind = (join.kind or "").upper()
                target = join.this
                target_scan = (
                    self.by_node.get(id(target)) if isinstance(target, exp.Table) else None
                )
                inner = side == "" and kind in ("", "INNER", "CROSS")
                for conj in conjuncts(join.args.get("on")):
                    scan = self._single_scan(scope, conj)
                    if (
                        scan is not None
                        and scan is target_scan
                        and (inner or (side == "LEFT" and kind in ("", "OUTER")))
                    ):
                        scan.conjuncts.append(self._push(conj, scan))
                        continue
                    if inner or (side == "LEFT" and kind in ("", "OUTER")):
                        self._note_bind(scope, conj, target_scan if not inner else None)
                    if scan is not None:
                        scan.conjuncts.append(
                            Conjunct(
                                self._text(conj),
                                Placement.LOCAL,
                                reason=f"in the ON clause of a {side or kind or 'INNER'} JOIN that"
                                " would change its meaning",
                            )
                        )
            plan_limit(scope, select, scans_here, exact_all, self.pushdown, self._column_of)

    # -- through derived tables and CTEs
    def plan_derived(self) -> None:
        """Push outer conditions into ``(SELECT cols FROM api_table WHERE ...) d``.

        Only when the derived table (or CTE) is used once, reads one API table, and has no
        join, GROUP BY, aggregate, DISTINCT, window, LIMIT or OFFSET: then a condition on
        ``d.col`` is a condition on the table's column. Forms that travel reject NULLs, so
        outer joins in the outer scope do not matter for WHERE; ON conditions travel only
        from the ON of an inner or LEFT join that joins ``d``.
        """
        uses: dict[int, int] = {}
        for scope in self.scopes:
            for _node, source in scope.selected_sources.values():
                if isinstance(source, Scope):
                    uses[id(source)] = uses.get(id(source), 0) + 1
        for scope in self.scopes:
            select = scope.expression
            if not isinstance(select, exp.Select):
                continue
            sources = scope.selected_sources
            for alias, (_node, inner) in sources.items():
                if not isinstance(inner, Scope) or uses.get(id(inner)) != 1:
                    continue
                mapped = self._derived_columns(inner)
                if not mapped:
                    continue
                scan, columns = mapped
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
                for conj in conjs:
                    cols = columns_unless_query(conj)
                    if not cols:
                        continue
                    hits = []
                    for c in cols:
                        owner = (
                            c.table.lower()
                            if c.table
                            else (alias.lower() if len(sources) == 1 else None)
                        )
                        col = columns.get(c.name.lower()) if owner == alias.lower() else None
                        if col is None:
                            break
                        hits.append((c, col))
                    else:
                        for c, col in hits:
                            self.via_derived[id(c)] = (scan, col)
                        result = self._push(conj, scan)
                        if result.placement is not Placement.LOCAL:
                            result.reason = (
                                result.reason + "; " if result.reason else ""
                            ) + f"from the outer query through {alias}"
                            scan.conjuncts.append(result)

    def _derived_columns(self, inner: Scope) -> tuple[TableScan, dict[str, Column]] | None:
        select = inner.expression
        if not isinstance(select, exp.Select) or len(inner.selected_sources) != 1:
            return None
        ((_node, source),) = inner.selected_sources.values()
        scan = self.by_node.get(id(source)) if isinstance(source, exp.Table) else None
        if scan is None:
            return None
        for key in (
            "joins",
            "group",
            "having",
            "distinct",
            "qualify",
            "limit",
            "offset",
            "laterals",
        ):
            if select.args.get(key):
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
                hit = self.resolved.get(id(target)) if isinstance(target, exp.Column) else None
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

    def _note_bind(self, scope: Scope, conj: exp.Expr, only: TableScan | None) -> None:
        """Remember ``a.param = b.col`` conjuncts that may feed a bind join."""
        if not isinstance(conj, exp.EQ):
            return
        left, right = conj.this, conj.expression
        if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)) or has_query(conj):
            return
        for a, b in ((left, right), (right, left)):
            ha, hb = self.resolved.get(id(a)), self.resolved.get(id(b))
            if ha is None or hb is None or ha[0] is hb[0]:
                continue
            if only is not None and ha[0] is not only:
                continue
            self.bind_candidates.setdefault(ha[0].index, []).append((conj, ha[1].name, b))

    # -- parameters

    def _param_column(self, scan: TableScan, param: str) -> Column:
        """The column to push a parameter's values on: one that takes ``eq``."""
        names = _param_names(scan.table, param)
        cols = [c for c in scan.table.columns if c.name.lower() in names]
        for col in cols:
            if "eq" in col.filters or "in" in col.filters:
                return col
        return scan.table.column(param)

    def bind_parameters(self) -> None:
        for scan in self.scans:
            if not self.pushdown:
                params = set()
                for param in scan.table.parameters:
                    params |= _param_names(scan.table, param)
                keep = [p for p in scan.predicates if p.column.lower() in params]
                scan.predicates = keep
                for c in scan.conjuncts:
                    if c.placement is not Placement.LOCAL and not all(
                        p.column.lower() in params for p in c.preds
                    ):
                        c.placement, c.preds, c.reason = Placement.LOCAL, (), "pushdown is off"
            for param in scan.table.parameters:
                names = _param_names(scan.table, param)
                if any(p.column.lower() in names and p.op in ("eq", "in") for p in scan.predicates):
                    continue
                if scan.empty:
                    continue
                if scan.bind is not None:
                    raise MissingParameter(
                        f"{scan.ref} needs values for both {scan.bind.parameter} and {param};"
                        f" give {param} in the WHERE clause: WHERE {scan.alias}.{param} = '...'.",
                        table=scan.table.name,
                        parameter=param,
                    )
                scan.bind = self._bind(scan, param)

    def _bind(self, scan: TableScan, param: str) -> BindJoin:
        for conj, col_name, other_node in self.bind_candidates.get(scan.index, []):
            if col_name.lower() not in _param_names(scan.table, param):
                continue
            other = self.resolved[id(other_node)][0]
            self.bind_nodes[scan.index] = other_node
            return BindJoin(
                parameter=self._param_column(scan, param).name,
                other=other.index,
                cap=scan.connector.max_fanout,
                on=conj.sql(dialect="drill", copy=False),
            )
        spelled = parameter_spelling(scan.table, param)  # CallSid for call_sid
        named = spelled if spelled == param else f"{spelled} ({param})"
        example = f"WHERE {scan.alias}.{spelled} = '...'"
        raise MissingParameter(
            f"{scan.ref} needs a value for its path parameter {named}. Add {example}"
            f" (or IN (...)), or join it on {spelled} to a table that has it.",
            table=scan.table.name,
            parameter=param,
        )

    # -- rewrite
    def rewrite(self) -> str:
        # the key query of each bind join: the other side's key, under its own conditions
        keys = {}
        for scan in self.scans:
            if scan.bind is None:
                continue
            other = self.scans[scan.bind.other]
            other.materialize = True
            col = self.resolved[id(self.bind_nodes[scan.index])][1]
            conds = self._other_conditions(other)
            keys[scan.index] = (col, other, conds)
        nodes = all_nodes(self.tree)  # substituting columns leaves the tables in place
        self._substitute_virtual(nodes)
        for index, (col, other, conds) in keys.items():
            alias = exp.to_identifier(other.alias, quoted=True)
            key = (
                _virtual_expr(col, alias)
                if col.expr
                else exp.column(col.name, table=alias.copy(), quoted=True)
            ).sql("duckdb")
            where = [to_duckdb(c) for c in conds if c.root() is self.tree]
            sql = f'SELECT DISTINCT {key} AS k FROM "{other.private}" AS {alias.sql("duckdb")}'
            if where:
                sql += " WHERE " + " AND ".join(f"({w})" for w in where)
            self.scans[index].bind.key_sql = sql
        self._rename_tables(nodes)
        return to_duckdb(self.tree)

    def _other_conditions(self, other: TableScan) -> list[exp.Expr]:
        scope = self.scopes[other.scope_id]
        select = scope.expression
        if not isinstance(select, exp.Select) or select.args.get("where") is None:
            return []
        out = []
        for conj in conjuncts(select.args["where"].this):
            if self._single_scan(scope, conj) is other:
                out.append(conj)
        return out

    def _substitute_virtual(self, nodes: list[exp.Expr]) -> None:
        """Write each resolved column for DuckDB: a virtual column as its expression, a
        qualified one under its table's alias. ``nodes`` are the tree's nodes."""
        for node in nodes:
            hit = self.resolved.get(id(node)) if isinstance(node, exp.Column) else None
            if hit is None:
                continue
            scan, col = hit
            alias = exp.to_identifier(scan.alias, quoted=True)
            if col.expr:
                replacement = _virtual_expr(col, alias)
                parent = node.parent
                if isinstance(parent, exp.Select) and node.arg_key == "expressions":
                    replacement = exp.alias_(replacement, col.name, quoted=True)
                node.replace(replacement)
            elif node.table:
                node.set("table", alias)
                node.set("db", None)
                node.set("catalog", None)

    def _rename_tables(self, nodes: list[exp.Expr]) -> None:
        """Point each API table reference at its private name. ``nodes`` are the tree's nodes."""
        for node in nodes:
            scan = self.by_node.get(id(node)) if isinstance(node, exp.Table) else None
            if scan is None:
                continue
            new = exp.Table(this=exp.to_identifier(scan.private, quoted=True))
            alias = node.args.get("alias")
            if alias is not None:  # moved, not copied: ``node`` leaves the tree
                alias.set("this", exp.to_identifier(scan.alias, quoted=True))
            else:
                alias = exp.TableAlias(this=exp.to_identifier(scan.alias, quoted=True))
            new.set("alias", alias)
            for key in ("joins", "laterals", "pivots"):
                if node.args.get(key):
                    new.set(key, node.args[key])
            node.replace(new)


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
    planner = _Planner(tree, resolve_source, pushdown, describe)
    try:
        planner.collect_tables()
    except SqlglotError as err:
        raise SqlError(f"The query is not valid: {err}.") from None
    planner.resolve_columns()
    planner.plan_scopes()
    planner.plan_derived()
    planner.bind_parameters()
    duck_sql = planner.rewrite()
    scans = planner.scans
    for scan in scans:
        scan.probes = probes
    check_bind_order(scans)
    return Plan(
        sql=duck_sql, scans=scans, pushdown=pushdown, query_id=planner.query_id, probes=probes
    )


def check_bind_order(scans: list[TableScan]) -> None:
    """Bind joins must form no circle: the other side of one must not wait on this one."""
    for scan in scans:
        seen = {scan.index}
        current = scan
        while current.bind is not None:
            if current.bind.other in seen:
                raise MissingParameter(
                    f"{scan.ref}: its path parameters depend on each other in a circle;"
                    f" give {scan.bind.parameter} a literal value in the WHERE clause.",
                    table=scan.table.name,
                    parameter=scan.bind.parameter,
                )
            seen.add(current.bind.other)
            current = scans[current.bind.other]
