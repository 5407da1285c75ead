"""Nav-tree data and sample queries for the web app.

Both come from the library (``distillr.tree`` and ``distillr.samples``, shared with the CLI's
``distillr tree`` and ``distillr samples``): compute once, render many.
"""

from __future__ import annotations

from typing import Any

from distillr.errors import DistillrError

__all__ = ["PLACEHOLDER", "sample_queries", "tree_data"]

#: what an unknown path parameter value is written as (the engine refuses it before any request)
PLACEHOLDER = "'...'"


def _close(session: Any, close: bool) -> None:
    if close and hasattr(session, "close"):
        try:
            session.close()
        except Exception:  # noqa: BLE001
            pass


def tree_data(session: Any, source: str | None = None, *, close: bool = True) -> dict[str, Any]:
    """``{"sources": [{"name", "type", "tables": [...], "error"}]}`` for the nav tree
    (``distillr.tree.build``, the same data as ``distillr tree --json``)."""
    from distillr import tree

    try:
        return tree.build(session, source)
    finally:
        _close(session, close)


def sample_queries(
    session: Any,
    source: str,
    table: str | None = None,
    *,
    close: bool = True,
    examples: dict[str, Any] | None = None,
) -> list[dict[str, str]]:
    """Ready-to-run queries ``[{"title", "sql", "table", "note"}]`` for ``source``, or for one
    of its tables (``distillr.samples``; a table without its own samples gets "first rows").
    ``examples`` are real filter values from ``distillr.samples.find_examples``."""
    from distillr import samples

    try:
        found = [s.to_dict() for s in samples.for_source(session, source, examples)]
        if table is None:
            return found
        tdef = session.connector(source).table(table)
        names = {tdef.name.lower(), *(a.lower() for a in tdef.aliases)}
        mine = [s for s in found if s.get("table", "").lower() in names]

        first = _first_rows(source, tdef, examples or {})
        if not any(s["sql"] == first["sql"] for s in mine):
            mine.append(first)
        return mine
    finally:
        _close(session, close)


def _first_rows(source: str, tdef: Any, examples: dict[str, Any]) -> dict[str, Any]:
    """The query a click on the table opens (``open``): its path parameters filled with real
    values from the samples' look-ups where they have one, else with the placeholder
    ``'...'``, which the engine refuses ("missing parameter") before any request."""
    from distillr.tree import parameter_spelling

    def quote_literal(value: Any) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    where, missing = [], []
    for param in tdef.parameters:
        spelled = parameter_spelling(tdef, param)  # CallSid, as users write it
        value = examples.get(param)
        if value is None:
            missing.append(spelled)
        where.append(f"`{spelled}` = {quote_literal(value) if value is not None else PLACEHOLDER}")
    head = f"-- Replace {PLACEHOLDER} with a real {' and '.join(missing)}\n" if missing else ""
    return {
        "title": f"First rows of {tdef.name}",
        "sql": f"{head}SELECT *\nFROM `{source}`.`{tdef.name}`\n"
        + (f"WHERE {' AND '.join(where)}\n" if where else "")
        + "LIMIT 100",
        "table": tdef.name,
        "note": f"Fill in {', '.join(missing)}." if missing else "",
        "open": True,
    }


def examples_for(session: Any, source: str, *, close: bool = True) -> dict[str, Any]:
    """Real values for the samples' filters; ``{}`` when they cannot be found."""
    from distillr import samples

    try:
        return samples.find_examples(session, source)
    except DistillrError:
        return {}
    finally:
        _close(session, close)
