"""The plan's data: what the planner decides and the executor and EXPLAIN read.

Plain dataclasses, no planning logic: ``Plan`` holds the DuckDB SQL and one ``TableScan``
per API table reference; a scan holds its ``Conjunct``s (each with its ``Placement``), its
pushed predicates and LIMIT, and a ``BindJoin`` when a path parameter's values come from
another scan. The rules that fill them in are functions over them (``planner.py``,
``predicates.py``, ``limits.py``), in the manner of sqlglot's optimizer rules over its scopes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from distillr.connectors.base import Connector, Pred, ScanRequest, TableDef

__all__ = ["BindJoin", "Conjunct", "Placement", "Plan", "TableScan", "pred_text", "value_text"]


class Placement(StrEnum):
    """Where a conjunct went: to the API as an exact or a superset filter, or kept local."""

    EXACT = "exact"
    INEXACT = "inexact"
    LOCAL = "local"


@dataclass
class Conjunct:
    """One conjunct of a WHERE or ON clause that touches one table, and where it went."""

    sql: str
    placement: Placement
    preds: tuple[Pred, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "sql": self.sql,
            "where": self.placement.value,
            "pushed": [pred_text(p) for p in self.preds],
            "reason": self.reason,
        }


@dataclass
class BindJoin:
    """A path parameter whose values come from another table reference of the query."""

    parameter: str
    other: int  # index of the TableScan read first
    key_sql: str = ""  # SELECT DISTINCT ... over the other scan's private name
    cap: int = 0
    on: str = ""

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "from": self.on, "cap": self.cap}


@dataclass
class TableScan:
    """One API table reference and what will be asked of its connector."""

    index: int
    private: str
    source: str
    connector: Connector
    table: TableDef
    alias: str
    written: str
    scope_id: int
    columns: set[str] | None = field(default_factory=set)
    predicates: list[Pred] = field(default_factory=list)
    conjuncts: list[Conjunct] = field(default_factory=list)
    limit: int | None = None
    limit_note: str = "no LIMIT in this table's scope"
    empty: bool = False
    bind: BindJoin | None = None
    materialize: bool = False
    #: whether the connector may send requests of its own while planning (``ScanRequest``)
    probes: bool = True

    @property
    def ref(self) -> str:
        name = f"{self.source}.{self.written}"
        return name if self.alias.lower() == self.written.lower() else f"{name} AS {self.alias}"

    def request(self, extra: tuple[Pred, ...] = ()) -> ScanRequest:
        cols = None
        if self.columns is not None:
            order = [c.name for c in self.table.columns]
            cols = tuple(c for c in order if c.lower() in self.columns)
        return ScanRequest(
            table=self.table.name,
            columns=cols,
            predicates=tuple(self.predicates) + extra,
            limit=self.limit,
            probes=self.probes,
        )

    def to_dict(self) -> dict:
        req = self.request()
        return {
            "ref": self.ref,
            "source": self.source,
            "table": self.table.name,
            "columns": list(req.columns) if req.columns is not None else None,
            "predicates": [c.to_dict() for c in self.conjuncts],
            "pushed": [pred_text(p) for p in self.predicates],
            "limit": self.limit,
            "limit_note": self.limit_note,
            "no_request": self.empty,
            "bind_join": self.bind.to_dict() if self.bind else None,
        }


@dataclass
class Plan:
    """What the executor runs: DuckDB SQL over private names, and the scans to feed it."""

    sql: str
    scans: list[TableScan]
    pushdown: bool
    query_id: int
    probes: bool = True

    def to_dict(self) -> dict:
        return {
            "pushdown": self.pushdown,
            "probes": self.probes,
            "tables": [s.to_dict() for s in self.scans],
            "duckdb_sql": self.sql,
        }


def pred_text(p: Pred) -> str:
    """A pushed predicate as EXPLAIN shows it.

    >>> pred_text(Pred("status", "in", ("busy", "failed")))
    "status in ('busy', 'failed')"
    """
    value = p.value
    if isinstance(value, tuple):
        shown = "(" + ", ".join(value_text(v) for v in value) + ")"
    else:
        shown = value_text(value)
    return f"{p.column} {p.op} {shown}"


def value_text(v) -> str:
    """A predicate value as EXPLAIN shows it: strings quoted, dates in ISO form."""
    if isinstance(v, str):
        return repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)
