"""Path parameters: given in WHERE, or bound to another table reference's column (a bind join).

``note_bind`` remembers the conjuncts ``a.param = b.col`` that may feed a bind join while the
clauses are placed; ``bind_parameters`` then gives every path parameter of every table
reference its values, or raises ``MissingParameter`` saying how to give them. With pushdown
off only the predicates on parameters (and request columns) stay pushed.
"""

from __future__ import annotations

from sqlglot import exp

from distillr.connectors.base import Column, TableDef
from distillr.errors import MissingParameter
from distillr.sql.clauses import has_query
from distillr.sql.plan import BindJoin, Placement, TableScan
from distillr.sql.state import BindCandidate, PlanState
from distillr.tree import parameter_spelling

__all__ = ["bind_parameters", "check_bind_order", "note_bind", "param_names"]


def param_names(table: TableDef, param: str) -> set[str]:
    """Names that bind a path parameter: its column and plain aliases of it
    (``CallSid`` with ``expr="call_sid"`` binds ``call_sid`` and the other way round)."""
    names = {param.lower()}
    for col in table.columns:
        if col.expr and col.expr.strip().strip('"`').lower() in names:
            names.add(col.name.lower())
        elif col.name.lower() in names and col.expr:
            names.add(col.expr.strip().strip('"`').lower())
    return names


def note_bind(state: PlanState, conj: exp.Expr, only: TableScan | None) -> None:
    """Remember ``a.param = b.col`` conjuncts that may feed a bind join (of ``only``, if
    given: the table an outer join joins)."""
    if not isinstance(conj, exp.EQ):
        return
    left, right = conj.this, conj.expression
    if not (isinstance(left, exp.Column) and isinstance(right, exp.Column)) or has_query(conj):
        return
    for a, b in ((left, right), (right, left)):
        ha, hb = state.resolved.get(id(a)), state.resolved.get(id(b))
        if ha is None or hb is None or ha[0] is hb[0]:
            continue
        if only is not None and ha[0] is not only:
            continue
        state.bind_candidates.setdefault(ha[0].index, []).append(BindCandidate(conj, ha[1].name, b))


def bind_parameters(state: PlanState) -> None:
    """Every path parameter gets its values: pushed from WHERE, or a bind join."""
    for scan in state.scans:
        if not state.pushdown:
            _keep_parameters_only(scan)
        for param in scan.table.parameters:
            names = param_names(scan.table, param)
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
            scan.bind = _bind(state, scan, param)


def _keep_parameters_only(scan: TableScan) -> None:
    """Pushdown off: only what the API needs to be asked at all stays pushed."""
    params: set[str] = set()
    for param in (*scan.table.parameters, *scan.table.request_columns):
        params |= param_names(scan.table, param)
    scan.predicates = [p for p in scan.predicates if p.column.lower() in params]
    for c in scan.conjuncts:
        if c.placement is not Placement.LOCAL and not all(
            p.column.lower() in params for p in c.preds
        ):
            c.placement, c.preds, c.reason = Placement.LOCAL, (), "pushdown is off"


def _param_column(scan: TableScan, param: str) -> Column:
    """The column to push a parameter's values on: one that takes ``eq``."""
    names = param_names(scan.table, param)
    cols = [c for c in scan.table.columns if c.name.lower() in names]
    for col in cols:
        if "eq" in col.filters or "in" in col.filters:
            return col
    return scan.table.column(param)


def _bind(state: PlanState, scan: TableScan, param: str) -> BindJoin:
    for candidate in state.bind_candidates.get(scan.index, []):
        if candidate.column.lower() not in param_names(scan.table, param):
            continue
        other = state.resolved[id(candidate.other)][0]
        state.bind_keys[scan.index] = candidate.other
        return BindJoin(
            parameter=_param_column(scan, param).name,
            other=other.index,
            cap=scan.connector.max_fanout,
            on=candidate.conj.sql(dialect="drill", copy=False),
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
