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
        from distillr.tree import parameter_spelling

        params = [parameter_spelling(tdef, p) for p in tdef.parameters]  # CallSid, as users write
        where = " AND ".join(f"`{p}` = '...'" for p in params)
        first = {
            "title": f"First rows of {tdef.name}",
            "sql": f"SELECT *\nFROM `{source}`.`{tdef.name}`\n"
            + (f"WHERE {where}\n" if where else "")
            + "LIMIT 100",
            "table": tdef.name,
            "note": f"Fill in {', '.join(params)}." if params else "",
        }
        if not any(s["sql"] == first["sql"] for s in mine):
            mine.append(first)
        return mine
    finally:
        _close(session, close)


def examples_for(session: Any, source: str, *, close: bool = True) -> dict[str, Any]:
    """Real values for the samples' filters; ``{}`` when they cannot be found."""
    from distillr import samples

    try:
        return samples.find_examples(session, source)
    except DistillrError:
        return {}
    finally:
        _close(session, close)
