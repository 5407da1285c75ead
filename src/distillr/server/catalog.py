"""Nav-tree data and sample queries for the web app.

Both come from the library (``distillr.tree`` and ``distillr.samples``, shared with the CLI's
``distillr tree`` and ``distillr samples``): compute once, render many.
"""

from __future__ import annotations

from typing import Any

from distillr.errors import DistillrError

__all__ = ["sample_queries", "tree_data"]


def _close(session: Any, close: bool) -> None:
    if close and hasattr(session, "close"):
        try:
            session.close()
        except Exception:  # noqa: BLE001
            pass


def _column(col: Any) -> dict[str, Any]:
    return {
        "name": col.name,
        "type": str(col.type),
        "description": getattr(col, "description", "") or "",
        "virtual": bool(getattr(col, "expr", None)),
        "filters": sorted(getattr(col, "filters", {}) or {}),
    }


def _table(t: Any) -> dict[str, Any]:
    return {
        "name": t.name,
        "description": t.description or "",
        "aliases": list(t.aliases),
        "parameters": list(t.parameters),
        "columns": [_column(c) for c in t.columns],
    }


def _source_types(session: Any) -> dict[str, str]:
    try:
        registry = getattr(session, "registry", None)
        if registry is None:
            from distillr.registry import Registry

            registry = Registry(getattr(session, "home", None))
        return {s.name: s.type for s in registry.list()}
    except Exception:  # noqa: BLE001 - a type badge is not worth failing the tree for
        return {}


def tree_data(session: Any, source: str | None = None, *, close: bool = True) -> dict[str, Any]:
    """``{"sources": [{"name", "type", "tables": [...], "error"}]}`` for the nav tree.

    A source whose tables cannot be listed is still shown, with its error message.
    """
    try:
        names = list(session.sources())
        if source is not None:
            if source not in names:
                session.connector(source)  # raises the CatalogError with a suggestion
            names = [source]
        types = _source_types(session)
        out = []
        for name in sorted(names):
            entry: dict[str, Any] = {"name": name, "type": types.get(name), "tables": [],
                                     "error": None}
            try:
                conn = session.connector(name)
                entry["type"] = entry["type"] or getattr(conn, "type", "") or "custom"
                entry["tables"] = [_table(t) for t in conn.tables()]
            except DistillrError as exc:
                entry["error"] = str(exc)
            out.append(entry)
        return {"sources": out}
    finally:
        _close(session, close)


def sample_queries(session: Any, source: str, table: str | None = None, *,
                   close: bool = True) -> list[dict[str, str]]:
    """Ready-to-run queries ``[{"title", "sql", "table"}]`` for ``source`` (or one table)."""
    try:
        conn = session.connector(source)
        tables = [conn.table(table)] if table else list(conn.tables())
        out: list[dict[str, str]] = []
        for t in tables:
            out.extend(_samples_for(source, t))
        return out
    finally:
        _close(session, close)


def _samples_for(source: str, t: Any) -> list[dict[str, str]]:
    ref = f"`{source}`.`{t.name}`"
    where = " AND ".join(f"`{p}` = '...'" for p in t.parameters)
    base = f"SELECT *\nFROM {ref}\n" + (f"WHERE {where}\n" if where else "")
    out = [{"title": f"First 100 rows of {t.name}", "sql": base + "LIMIT 100", "table": t.name}]
    cols = {c.name.lower(): c for c in t.columns}
    if t.name == "messages" and {"to", "from", "date_sent"} <= set(cols):
        out.append({
            "title": "Messages by to, from and date sent",
            "sql": f"SELECT *\nFROM {ref}\nWHERE `to` = '+15555550100' AND `from` = '+15555550199'"
                   f"\n  AND `date_sent` >= DATE '2025-03-01'\nLIMIT 100",
            "table": t.name,
        })
    if "status" in cols and not t.parameters:
        out.append({"title": f"{t.name} by status",
                    "sql": f"SELECT status, COUNT(*) AS n\nFROM {ref}\nGROUP BY status\n"
                           f"ORDER BY n DESC", "table": t.name})
    return out
