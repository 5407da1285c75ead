"""What the planning rules share while one query is planned, and the look-ups over it.

``PlanState`` is per query and passed explicitly to every rule (``planner.py``): the parsed
tree and its scopes, the ``TableScan`` of each API table reference, and what each column node
of the tree resolves to. The look-ups below read it and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from distillr.connectors.base import Column, Connector
from distillr.sql.clauses import columns_unless_query
from distillr.sql.plan import TableScan

__all__ = [
    "BindCandidate",
    "PlanState",
    "column_of",
    "conjunct_text",
    "scan_of",
    "single_scan",
]


class BindCandidate(NamedTuple):
    """A conjunct ``scan.column = other`` that may give a path parameter its values."""

    conj: exp.EQ
    column: str  # the column of the scan waiting for values, as the table names it
    other: exp.Column  # the column node of the other table reference


@dataclass
class PlanState:
    """One query while it is planned. Keys of the dicts are ``id()`` of tree nodes."""

    tree: exp.Expr
    resolve_source: Callable[[str], Connector]
    pushdown: bool
    #: whether to write each conjunct's text for EXPLAIN (not when only running the query)
    describe: bool
    query_id: int
    scopes: list[Scope] = field(default_factory=list)
    #: id(Scope) -> its index in ``scopes`` (a TableScan's ``scope_id``)
    scope_ids: dict[int, int] = field(default_factory=dict)
    scans: list[TableScan] = field(default_factory=list)
    #: id(exp.Table) -> the scan of that table reference
    by_node: dict[int, TableScan] = field(default_factory=dict)
    #: id(exp.Column) -> the scan and table column it names
    resolved: dict[int, tuple[TableScan, Column]] = field(default_factory=dict)
    #: id(exp.Column) of an outer query -> the API table column it names through a derived
    #: table or CTE over that one table
    via_derived: dict[int, tuple[TableScan, Column]] = field(default_factory=dict)
    #: scan index -> conjuncts that may feed its path parameter
    bind_candidates: dict[int, list[BindCandidate]] = field(default_factory=dict)
    #: scan index -> the other table's column node its bind join reads keys from
    bind_keys: dict[int, exp.Column] = field(default_factory=dict)


def scan_of(state: PlanState, scope: Scope, alias: str) -> tuple[bool, TableScan | None]:
    """(found, scan) for a table alias, searching outer scopes for correlated refs."""
    wanted = alias.lower()
    current: Scope | None = scope
    while current is not None:
        for name, (_node, source) in current.selected_sources.items():
            if name.lower() == wanted:
                if isinstance(source, exp.Table):
                    return True, state.by_node.get(id(source))
                return True, None
        current = current.parent
    return False, None


def single_scan(state: PlanState, scope: Scope, conj: exp.Expr) -> TableScan | None:
    """The one table reference of ``scope`` that all of a conjunct's columns name, if any."""
    cols = columns_unless_query(conj)
    if not cols:
        return None
    scans = set()
    for c in cols:
        hit = state.resolved.get(id(c))
        if hit is None:
            return None
        scans.add(hit[0].index)
    if len(scans) != 1:
        return None
    scan = state.scans[scans.pop()]
    return scan if scan.scope_id == state.scope_ids[id(scope)] else None


def column_of(state: PlanState, node: exp.Expr, scan: TableScan) -> Column | None:
    """The table column ``node`` names, if it names one of ``scan`` (directly or through a
    derived table)."""
    if isinstance(node, exp.Paren):
        return column_of(state, node.this, scan)
    if isinstance(node, exp.Column):
        hit = state.resolved.get(id(node)) or state.via_derived.get(id(node))
        if hit is not None and hit[0] is scan:
            return hit[1]
    return None


def conjunct_text(state: PlanState, conj: exp.Expr) -> str:
    """A conjunct as written, for EXPLAIN (empty when only running the query)."""
    return conj.sql(dialect="drill", copy=False) if state.describe else ""
