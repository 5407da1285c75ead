"""Drill-style SQL on Spark: ``distillr.spark.sql(spark, "SELECT ... FROM my_twilio.messages")``.

The query is parsed with distillr's Drill dialect (sqlglot). Each ``source.table`` becomes a
temporary view over the ``distillr`` data source, with the path parameters the WHERE clause
binds (``CallSid = '...'``, ``IN``) or a bind join reads from the other side as options;
virtual columns are replaced by their expressions; the rest is written in Spark SQL and run
by Spark, which pushes its own filters to the data source. Problems (an unknown source or
table, a path parameter not bound) are raised on the driver, before Spark runs anything.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from distillr.connectors.base import Connector, TableDef
from distillr.errors import CatalogError, MissingParameter, TooManyRequests, did_you_mean
from distillr.spark.definition import SourceDef
from distillr.spark.limits import limit_options, pushed_limit
from distillr.sql.dialect import parse
from distillr.sql.values import NotPushable, literal_value

__all__ = ["translate"]

_views = itertools.count(1)


def translate(
    spark: Any,
    text: str,
    sources: Mapping[str, SourceDef],
    pushdown: bool = True,
    shown: list[tuple[str, str, dict[str, str]]] | None = None,
) -> str:
    """Make the views the query reads and return its Spark SQL. ``shown`` gets each view's
    name, table reference and data source options (for EXPLAIN)."""
    tree = parse(text)
    known = {k.lower(): v for k, v in sources.items()}
    refs: list[tuple[exp.Table, Connector, TableDef]] = []
    for table in list(tree.find_all(exp.Table)):
        if not table.db:
            continue
        definition = known.get(table.db.lower())
        if definition is None:
            raise CatalogError(
                f"Unknown source '{table.db}'.{did_you_mean(table.db, list(sources))} Spark"
                " knows the sources of the registry distillr.spark.register(spark) read."
            )
        conn = definition.connector()
        refs.append((table, conn, conn.table(table.name)))
    views: dict[int, str] = {}
    pending = []
    for table, conn, tdef in refs:
        _replace_virtual(tree, table, tdef)
        options, unbound = _bound_parameters(table, tdef)
        found = pushed_limit(tree, table, conn, tdef) if pushdown and len(refs) == 1 else None
        if found is not None:
            options.update(limit_options(found))
        if unbound:
            pending.append((table, conn, tdef, options, unbound))
        else:
            _view(spark, table, tdef, options, pushdown, views, shown)
    for table, conn, tdef, options, unbound in pending:
        for param in unbound:
            options[param] = _bind_join(spark, table, tdef, param, views, conn.max_fanout)
        _view(spark, table, tdef, options, pushdown, views, shown)
    for table, _conn, _tdef in refs:
        view = views[id(table)]
        table.replace(
            exp.Table(this=exp.to_identifier(view), alias=exp.to_identifier(table.alias_or_name))
        )
    return tree.sql(dialect="spark")


def _view(
    spark: Any,
    table: exp.Table,
    tdef: TableDef,
    options: Mapping[str, str | None],
    pushdown: bool,
    views: dict[int, str],
    shown: list[tuple[str, str, dict[str, str]]] | None = None,
) -> None:
    view = f"distillr_view_{next(_views)}"
    ref = f"{table.db}.{tdef.name} AS {table.alias_or_name}"
    if any(v is None for v in options.values()):  # a bind join found no keys: no rows
        from distillr.spark.source import spark_schema

        spark.createDataFrame([], spark_schema(tdef.schema)).createOrReplaceTempView(view)
        views[id(table)] = view
        if shown is not None:
            shown.append((view, ref, {"rows": "none: the bind join found no keys"}))
        return
    reader = spark.read.format("distillr").option("source", table.db).option("table", tdef.name)
    given = {"pushdown": "true" if pushdown else "false", **options}
    for key, value in given.items():
        reader = reader.option(key, value)
    if shown is not None:
        shown.append((view, ref, given))
    reader.load().createOrReplaceTempView(view)
    views[id(table)] = view


def _bind_join(
    spark: Any,
    table: exp.Table,
    tdef: TableDef,
    param: str,
    views: Mapping[int, str],
    cap: int,
) -> str | None:
    """The values of a path parameter from the other side of an equality join: that side is
    read first (its distinct keys, at most ``cap``), as the DuckDB engine's bind joins do."""
    select = _scope_select(table)
    others = {}
    if select is not None:
        others = {
            t.alias_or_name.lower(): t
            for t in select.find_all(exp.Table)
            if t is not table and id(t) in views and _scope_select(t) is select
        }
    for eq in select.find_all(exp.EQ) if select is not None else ():
        for mine, theirs in ((eq.this, eq.expression), (eq.expression, eq.this)):
            if not (
                isinstance(mine, exp.Column)
                and mine.name.lower() == param
                and _refers(mine, table, select)
                and isinstance(theirs, exp.Column)
                and theirs.table.lower() in others
            ):
                continue
            other = others[theirs.table.lower()]
            alias = other.alias_or_name
            where = [f"{theirs.sql(dialect='spark')} IS NOT NULL"]
            where += _conjuncts_of(select, alias)
            keys = spark.sql(
                f"SELECT DISTINCT {theirs.sql(dialect='spark')} AS k"
                f" FROM {views[id(other)]} AS `{alias}` WHERE {' AND '.join(where)}"
                f" LIMIT {cap + 1}"
            ).collect()
            if len(keys) > cap:
                raise TooManyRequests(
                    f"{table.db}.{table.name}: more than {cap} values of {param} from"
                    f" {other.alias_or_name}.{theirs.name}, one request each; the limit for"
                    f" source '{table.db}' is {cap}. Narrow the other side with WHERE."
                )
            return json.dumps([str(k[0]) for k in keys]) if keys else None
    raise MissingParameter(
        f"{table.db}.{table.name} needs its path parameter {param}: write"
        f" {table.alias_or_name}.{param} = '...' (or IN (...)) in WHERE, or join it on another"
        " table's column.",
        table=tdef.name,
        parameter=param,
    )


def _conjuncts_of(select: exp.Select, alias: str) -> list[str]:
    """The WHERE conjuncts that name only columns of ``alias`` (qualified), in Spark SQL: they
    narrow the keys a bind join reads, as they narrow the join."""
    where = select.args.get("where")
    if not isinstance(where, exp.Where):
        return []
    parts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    found = []
    for conj in parts:
        cols = list(conj.find_all(exp.Column))
        nested = any(isinstance(n, exp.Subquery | exp.Select) for n in conj.walk())
        if cols and not nested and all(c.table.lower() == alias.lower() for c in cols):
            found.append(conj.sql(dialect="spark"))
    return found


def _scope_select(table: exp.Table) -> exp.Select | None:
    node = table.parent
    while node is not None and not isinstance(node, exp.Select):
        node = node.parent
    return node


def _refers(col: exp.Column, table: exp.Table, select: exp.Select | None) -> bool:
    if col.table:
        return col.table.lower() == table.alias_or_name.lower()
    if select is None:
        return False
    tables = [t for t in select.find_all(exp.Table) if _scope_select(t) is select]
    return len(tables) == 1


def _replace_virtual(tree: exp.Expr, table: exp.Table, tdef: TableDef) -> None:
    """Write each virtual column of ``table`` as its expression over the real columns."""
    virtual = {c.name.lower(): c for c in tdef.columns if c.virtual}
    select = _scope_select(table)
    scope = select if select is not None else tree
    for col in list(scope.find_all(exp.Column)):
        found = virtual.get(col.name.lower())
        if found is None or not _refers(col, table, select):
            continue
        expr = sqlglot.parse_one(found.expr, read="duckdb")
        for inner in expr.find_all(exp.Column):
            inner.set("table", exp.to_identifier(table.alias_or_name))
        col.replace(exp.paren(expr) if not isinstance(expr, exp.Column) else expr)


def _bound_parameters(table: exp.Table, tdef: TableDef) -> tuple[dict[str, str], list[str]]:
    """The path parameters bound by ``param = literal`` or ``param IN (literals)`` conjuncts
    of the WHERE clause (as options), and those left unbound."""
    params = {p.lower() for p in tdef.parameters}
    if not params:
        return {}, []
    select = _scope_select(table)
    where = select.args.get("where") if select is not None else None
    found: dict[str, str] = {}
    conjuncts = []
    if isinstance(where, exp.Where):
        conjuncts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
    for conj in conjuncts:
        pairs = []
        if isinstance(conj, exp.EQ):
            pairs = [(conj.this, [conj.expression]), (conj.expression, [conj.this])]
        elif isinstance(conj, exp.In) and not conj.args.get("query"):
            pairs = [(conj.this, conj.expressions)]
        for col, lits in pairs:
            if not (isinstance(col, exp.Column) and _refers(col, table, select)):
                continue
            name = col.name.lower()
            if name not in params:
                continue
            try:
                values = [str(literal_value(lit)) for lit in lits]
            except NotPushable:
                continue
            found[name] = values[0] if len(values) == 1 else json.dumps(values)
    return found, sorted(params - set(found))
