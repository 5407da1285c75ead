"""An endpoint of a definition as a table: its columns, pushdown and record converter.

Columns, in order: the data's columns (declared types win over inferred ones), then a column
for each parameter the data lacks (typed by the parameter), then :data:`~.schema.EXTRA`. The
column of an exact ``eq`` parameter is filled with the value sent wherever the records leave it
empty, so the engine's re-applied predicates hold and a bind join has its key. A parameter whose
name differs from its column is also a virtual column named after it (``boardId`` over ``id``).

Pushdown, per parameter: its column declares the parameter's operator with its exactness (an
``eq`` parameter takes ``IN`` too, fanned out). Path parameters without a default and required
``eq`` parameters are the table's ``parameters``: the engine binds them from WHERE or a join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from distillr.connectors.arrow import BatchBuilder, FieldSpec
from distillr.connectors.base import Column, TableDef
from distillr.connectors.formats import Format, make_format
from distillr.connectors.paginators import Paginator, make_paginator
from distillr.connectors.rest.definition import PLACEHOLDER, EndpointDef, ParamDef
from distillr.connectors.rest.schema import EXTRA, fit
from distillr.connectors.rest.types import parse_type, spec_for

__all__ = ["RestTable", "build_table", "path_alias"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_EXTRA_HELP = (
    "What the record held beyond the table's columns (new fields, values wider than their"
    " column's type), as JSON; null when nothing. Refresh the source's schema to make columns"
    " of them."
)


def path_alias(url: str) -> str:
    """The table name an endpoint URL gives, Drill style.

    >>> path_alias("/board/{boardId}/issue/{key=A-1}")
    '/board/:boardId/issue/:key'
    """
    return PLACEHOLDER.sub(lambda m: ":" + m.group(1), url)


@dataclass
class RestTable:
    """A table plus what it takes to fetch it."""

    table: TableDef
    endpoint: EndpointDef
    fields: tuple[FieldSpec, ...]
    builder: BatchBuilder
    format: Format
    paginator: Paginator
    #: every parameter, by wire name
    params: dict[str, ParamDef]
    #: lower-cased column (real or virtual) -> the parameters it feeds
    by_column: dict[str, list[ParamDef]] = field(default_factory=dict)
    #: columns filled from the request where the records leave them empty: column -> parameter
    filled: dict[str, ParamDef] = field(default_factory=dict)
    #: whether the columns came from a stored (or declared) schema
    typed: bool = True

    @property
    def name(self) -> str:
        return self.table.name

    def convert(self, records: list[dict[str, Any]], constants: dict[str, Any]) -> pa.RecordBatch:
        """A page's records as a batch in the table's schema; what does not fit goes to
        ``_extra``."""
        data = self.fields
        kept, extras = fit(records, data)
        for row, left in zip(kept, extras, strict=True):
            if left is not None:
                row[EXTRA] = left
        return self.builder.build(kept, constants)


def _quoted(name: str) -> str:
    return name if _IDENT.match(name) else "`" + name.replace("`", "``") + "`"


def build_table(ep: EndpointDef) -> RestTable:
    """The table of one endpoint, from its definition (and stored schema)."""
    specs: dict[str, FieldSpec] = {}
    for name, notation in (ep.inferred or {}).items():
        specs[name] = parse_type(notation, name)
    for name, notation in ep.columns.items():
        specs[name] = parse_type(notation, name)
    specs.pop(EXTRA, None)
    lowered = {n.lower(): n for n in specs}
    filters: dict[str, dict[str, bool]] = {}
    by_column: dict[str, list[ParamDef]] = {}
    filled: dict[str, ParamDef] = {}
    virtuals: list[tuple[Column, str]] = []
    added: dict[str, FieldSpec] = {}
    parameters: list[str] = []
    params = ep.all_params()
    for p in params:
        target = lowered.get(p.target.lower())
        if target is None:
            # not a column of the (inferred) data: a column typed by the parameter, which the
            # records may still hold
            target = p.target
            added[target] = spec_for(p.type, target)
            lowered[target.lower()] = target
        if p.op == "eq" and p.exact and target not in filled:
            filled[target] = p  # the value sent fills the column where the records leave it
        ops = filters.setdefault(target, {})
        exact = p.exact
        ops[p.op] = ops.get(p.op, True) and exact
        by_column.setdefault(target.lower(), []).append(p)
        if p.name.lower() != target.lower() and _IDENT.match(p.name):
            if p.name.lower() not in lowered:
                help_text = p.description or f"Parameter {p.name} (= {target})."
                virtual = Column(p.name, pa.null(), help_text, {p.op: exact}, _quoted(target))
                virtuals.append((virtual, target))
            by_column.setdefault(p.name.lower(), []).append(p)
        bound = p.op == "eq" and p.default is None and (p.required or p.location == "path")
        if bound and target not in parameters:
            parameters.append(target)
    fields = [*specs.values(), *added.values(), FieldSpec(EXTRA, "json")]
    builder = BatchBuilder(fields)
    types = {f.name: f.type for f in fields}
    columns = [
        Column(
            f.name,
            f.type,
            _EXTRA_HELP
            if f.name == EXTRA
            else ep.descriptions.get(f.name) or _help(f.name, filled if f.name in added else {}),
            dict(filters.get(f.name, {})),
        )
        for f in fields
    ]
    real = {c.name.lower() for c in columns}
    for v, target in virtuals:
        if v.name.lower() not in real:
            columns.append(Column(v.name, types[target], v.description, v.filters, v.expr))
            real.add(v.name.lower())
    aliases = [a for a in dict.fromkeys([*ep.aliases, path_alias(ep.url)]) if a != ep.name]
    describe = ep.description or f"{ep.method} {ep.url}"
    table = TableDef(
        name=ep.name,
        columns=tuple(columns),
        description=describe,
        aliases=tuple(aliases),
        parameters=tuple(parameters),
    )
    return RestTable(
        table=table,
        endpoint=ep,
        fields=tuple(f for f in fields if f.name != EXTRA),
        builder=builder,
        format=make_format(ep.format, ep.data_path),
        paginator=make_paginator(ep.paginator),
        params={p.name: p for p in params},
        by_column=by_column,
        filled=filled,
        typed=bool(ep.inferred or ep.columns),
    )


def _help(column: str, filled: dict[str, ParamDef]) -> str:
    p = filled.get(column)
    if p is None:
        return ""
    return p.description or f"The {p.name} the rows were fetched with ({p.location} parameter)."
