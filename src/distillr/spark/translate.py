"""Drill-style SQL on Spark: ``distillr.spark.sql(spark, "SELECT ... FROM my_twilio.messages")``.

The query is parsed with distillr's Drill dialect (sqlglot). Each ``source.table`` becomes a
temporary view over the ``distillr`` data source, with the path parameters the WHERE clause
binds (``CallSid = '...'``) as options; virtual columns are replaced by their expressions; the
rest is written in Spark SQL and run by Spark, which pushes its own filters to the data source.
Problems (an unknown source or table, a path parameter not bound) are raised on the driver,
before Spark runs anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from distillr.connectors.base import Connector, TableDef
from distillr.errors import CatalogError, MissingParameter, did_you_mean
from distillr.spark.definition import SourceDef
from distillr.sql.dialect import parse
from distillr.sql.values import NotPushable, literal_value

__all__ = ["translate"]

_views = itertools.count(1)


def translate(
    spark: Any, text: str, sources: Mapping[str, SourceDef], pushdown: bool = True
) -> str:
    """Make the views the query reads and return its Spark SQL."""
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
    for table, _conn, tdef in refs:
        alias = table.alias_or_name
        _replace_virtual(tree, table, tdef)
        options = _bound_parameters(table, tdef)
        view = f"distillr_view_{next(_views)}"
        reader = spark.read.format("distillr").option("source", table.db).option("table", tdef.name)
        reader = reader.option("pushdown", "true" if pushdown else "false")
        for key, value in options.items():
            reader = reader.option(key, value)
        reader.load().createOrReplaceTempView(view)
        table.replace(exp.Table(this=exp.to_identifier(view), alias=exp.to_identifier(alias)))
    return tree.sql(dialect="spark")


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


def _bound_parameters(table: exp.Table, tdef: TableDef) -> dict[str, str]:
    """The path parameters bound by ``param = literal`` conjuncts of the WHERE clause."""
    params = {p.lower() for p in tdef.parameters}
    if not params:
        return {}
    select = _scope_select(table)
    where = select.args.get("where") if select is not None else None
    found: dict[str, str] = {}
    conjuncts = list(where.this.flatten()) if isinstance(where, exp.Where) else []
    if conjuncts and not isinstance(where.this, exp.And):
        conjuncts = [where.this]
    for conj in conjuncts:
        if not isinstance(conj, exp.EQ):
            continue
        for col, lit in ((conj.this, conj.expression), (conj.expression, conj.this)):
            if isinstance(col, exp.Column) and _refers(col, table, select):
                name = col.name.lower()
                if name in params:
                    try:
                        found[name] = str(literal_value(lit))
                    except NotPushable:
                        continue
    missing = params - set(found)
    if missing:
        name = sorted(missing)[0]
        raise MissingParameter(
            f"{table.db}.{table.name} needs its path parameter {name}: write"
            f" {table.alias_or_name}.{name} = '...' in WHERE (on Spark, bind joins and IN lists"
            " of path parameters are not supported yet).",
            table=tdef.name,
            parameter=name,
        )
    return found
