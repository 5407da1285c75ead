"""The nav tree's data: sources -> tables -> columns, computed once for every renderer.

``build(catalog, source=None, table=None)`` returns plain JSON-able data; the CLI's
``distillr tree`` draws it (or prints it with ``--json``) and the web app sends it as is.
``catalog`` is anything with ``sources()`` and ``connector(name)``: a ``Session`` or a
``Registry``.

>>> build(session)                              # doctest: +SKIP
{"sources": [{"name": "my_twilio", "type": "twilio", "error": None,
              "tables": [{"name": "calls", "description": "...", "aliases": [...],
                          "parameters": [], "parameter_columns": [], "columns": [...]}]}]}

A table's ``parameters`` are the names users write for its required parameters: the API
spelling (``CallSid``, as in ``/Calls/:CallSid/Recordings``) where a virtual column aliases
the parameter's column, else the parameter's own name. ``parameter_columns`` holds the
parameters as the table declares them (``call_sid``), in the same order.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from distillr.errors import CatalogError, DistillrError, did_you_mean

__all__ = ["build", "column_data", "parameter_spelling", "sql_type", "table_data"]


def build(catalog: Any, source: str | None = None, table: str | None = None) -> dict[str, Any]:
    """Tree data for every source, for one source, or for one table of a source.

    An unknown ``source`` or ``table`` raises ``CatalogError`` with a suggestion. When every
    source is listed, one that cannot list its tables (a missing key, say) is still shown,
    with its ``error``.
    """
    names = sorted(catalog.sources())
    if source is not None:
        if source not in names:
            raise CatalogError(
                f"No data source named '{source}'.{did_you_mean(source, names)}"
                + (
                    f" Sources: {', '.join(names)}."
                    if names
                    else " No data sources are saved yet; add one with `distillr source add`."
                )
            )
        names = [source]
    out = []
    for name in names:
        entry: dict[str, Any] = {"name": name, "type": None, "error": None, "tables": []}
        try:
            conn = catalog.connector(name)
            entry["type"] = getattr(conn, "type", "") or "custom"
            tables = [conn.table(table)] if table is not None else list(conn.tables())
            entry["tables"] = [table_data(t) for t in tables]
        except DistillrError as exc:
            if source is not None:
                raise
            entry["error"] = str(exc)
        out.append(entry)
    return {"sources": out}


def table_data(t: Any) -> dict[str, Any]:
    """One ``TableDef`` as data."""
    return {
        "name": t.name,
        "description": t.description or "",
        "aliases": list(t.aliases),
        "parameters": [parameter_spelling(t, p) for p in t.parameters],
        "parameter_columns": list(t.parameters),
        "columns": [column_data(c) for c in t.columns],
    }


def parameter_spelling(t: Any, param: str) -> str:
    """How users write the required parameter ``param`` of table ``t``: the name of a virtual
    column whose expression is just that column (the API spelling, ``CallSid`` for
    ``call_sid``; one named ``:Name`` in a path alias first), else ``param`` itself."""
    key = param.strip().strip('`"').lower()
    names = [
        c.name
        for c in t.columns
        if c.expr is not None
        and c.expr.strip().strip('`"').lower() == key
        and c.name.lower() != key
    ]
    if not names:
        return param
    in_path = [n for n in names if any(f"/:{n}/" in f"{a}/" for a in t.aliases)]
    return (in_path or names)[0]


def column_data(c: Any) -> dict[str, Any]:
    """One ``Column`` as data; ``type`` is the SQL type, ``arrow_type`` the exact one."""
    return {
        "name": c.name,
        "type": sql_type(c.type),
        "arrow_type": str(c.type),
        "description": c.description or "",
        "virtual": c.expr is not None,
        "filters": sorted(c.filters),
    }


def sql_type(t: pa.DataType) -> str:
    """The SQL name of an Arrow type, as DuckDB (and Drill) users know it.

    >>> sql_type(pa.string()), sql_type(pa.timestamp("us", tz="UTC"))
    ('VARCHAR', 'TIMESTAMP WITH TIME ZONE')
    >>> sql_type(pa.decimal128(10, 4))
    'DECIMAL(10,4)'
    """
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "VARCHAR"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return (
            {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[t.bit_width]
            if (pa.types.is_signed_integer(t))
            else {8: "UTINYINT", 16: "USMALLINT", 32: "UINTEGER", 64: "UBIGINT"}[t.bit_width]
        )
    if pa.types.is_floating(t):
        return "DOUBLE" if t.bit_width == 64 else "FLOAT"
    if pa.types.is_decimal(t):
        return f"DECIMAL({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP WITH TIME ZONE" if t.tz else "TIMESTAMP"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_time(t):
        return "TIME"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "BLOB"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"{sql_type(t.value_type)}[]"
    if pa.types.is_struct(t):
        return "STRUCT(" + ", ".join(f"{f.name} {sql_type(f.type)}" for f in t) + ")"
    if pa.types.is_map(t):
        return f"MAP({sql_type(t.key_type)}, {sql_type(t.item_type)})"
    return str(t).upper()
