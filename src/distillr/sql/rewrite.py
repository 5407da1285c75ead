"""The tree rewritten for DuckDB, once every rule has run.

Each resolved column is written for DuckDB (a virtual column as its expression, a qualified
one under its table's alias), each API table reference reads its private name, and each bind
join gets the query of its keys: the other side's key under that side's own conditions.
"""

from __future__ import annotations

import functools

import sqlglot
from sqlglot import exp

from distillr.connectors.base import Column
from distillr.sql.clauses import all_nodes, conjuncts
from distillr.sql.dialect import to_duckdb
from distillr.sql.plan import TableScan
from distillr.sql.state import PlanState, single_scan

__all__ = ["rewrite", "virtual_inputs"]


@functools.cache
def _virtual_tree(sql: str) -> exp.Expr:
    """A virtual column's expression, parsed once (copy before changing it)."""
    return sqlglot.parse_one(sql, read="duckdb")


@functools.cache
def virtual_inputs(sql: str) -> frozenset[str]:
    """The (lower-cased) columns a virtual column's expression reads."""
    return frozenset(c.name.lower() for c in _virtual_tree(sql).find_all(exp.Column))


def _virtual_expr(col: Column, alias: exp.Identifier) -> exp.Expr:
    """A virtual column's expression over the table reference ``alias``, in parentheses."""
    tree = _virtual_tree(col.expr).copy()
    for c in list(tree.find_all(exp.Column)):
        c.set("table", alias.copy())
        c.set("db", None)
        c.set("catalog", None)
    return exp.Paren(this=tree)


def rewrite(state: PlanState) -> str:
    """The DuckDB SQL of the query; sets each bind join's ``key_sql``."""
    # the key query of each bind join: the other side's key, under its own conditions
    keys = {}
    for scan in state.scans:
        if scan.bind is None:
            continue
        other = state.scans[scan.bind.other]
        other.materialize = True
        col = state.resolved[id(state.bind_keys[scan.index])][1]
        keys[scan.index] = (col, other, _other_conditions(state, other))
    nodes = all_nodes(state.tree)  # substituting columns leaves the tables in place
    _substitute_virtual(state, nodes)
    for index, (col, other, conds) in keys.items():
        alias = exp.to_identifier(other.alias, quoted=True)
        key = (
            _virtual_expr(col, alias)
            if col.expr
            else exp.column(col.name, table=alias.copy(), quoted=True)
        ).sql("duckdb")
        where = [to_duckdb(c) for c in conds if c.root() is state.tree]
        sql = f'SELECT DISTINCT {key} AS k FROM "{other.private}" AS {alias.sql("duckdb")}'
        if where:
            sql += " WHERE " + " AND ".join(f"({w})" for w in where)
        state.scans[index].bind.key_sql = sql
    _rename_tables(state, nodes)
    return to_duckdb(state.tree)


def _other_conditions(state: PlanState, other: TableScan) -> list[exp.Expr]:
    scope = state.scopes[other.scope_id]
    select = scope.expression
    if not isinstance(select, exp.Select) or select.args.get("where") is None:
        return []
    return [
        conj
        for conj in conjuncts(select.args["where"].this)
        if single_scan(state, scope, conj) is other
    ]


def _substitute_virtual(state: PlanState, nodes: list[exp.Expr]) -> None:
    """Write each resolved column for DuckDB: a virtual column as its expression, a
    qualified one under its table's alias. ``nodes`` are the tree's nodes."""
    for node in nodes:
        hit = state.resolved.get(id(node)) if isinstance(node, exp.Column) else None
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


def _rename_tables(state: PlanState, nodes: list[exp.Expr]) -> None:
    """Point each API table reference at its private name. ``nodes`` are the tree's nodes."""
    for node in nodes:
        scan = state.by_node.get(id(node)) if isinstance(node, exp.Table) else None
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
