"""EXPLAIN: what a query will ask of each API, in words and as a dict."""

from __future__ import annotations

from dataclasses import dataclass

from distillr.sql.planner import Plan, _pred_text

__all__ = ["Explain", "explain_plan"]

_WHERE = {"exact": "pushed exact  ", "inexact": "pushed inexact", "local": "local         "}


@dataclass
class Explain:
    """The plan of one query: ``.text`` for people, ``.to_dict()`` for programs."""

    text: str
    data: dict

    def to_dict(self) -> dict:
        return self.data

    def __str__(self) -> str:
        return self.text


def explain_plan(plan: Plan) -> Explain:
    from distillr.connectors.cache import describe as describe_cache

    data = plan.to_dict()
    lines = [f"Query plan (pushdown {'on' if plan.pushdown else 'off'})"]
    for scan, info in zip(plan.scans, data["tables"]):
        lines.append(f"[{scan.index + 1}] {scan.ref}")
        cols = info["columns"]
        lines.append(
            "    columns:        " + ("all" if cols is None else ", ".join(cols) or "none")
        )
        for c in scan.conjuncts:
            line = f"    {_WHERE[c.where]}: {c.sql}"
            if c.preds:
                line += "  ->  " + "; ".join(_pred_text(p) for p in c.preds)
            if c.reason and c.where != "exact":
                line += f"  ({c.reason})"
            lines.append(line)
        lines.append(f"    limit:          {scan.limit_note}")
        cache = describe_cache(scan.connector)
        info["cache"] = cache
        if cache:
            lines.append(f"    cache:          {cache}")
        if scan.empty:
            info["requests"] = []
            lines.append("    requests:       none (LIMIT 0)")
        elif scan.bind is not None:
            info["requests"] = None
            lines.append(
                f"    requests:       one per distinct {scan.bind.parameter} of"
                f" [{scan.bind.other + 1}] (bind join on {scan.bind.on},"
                f" at most {scan.bind.cap}); [{scan.bind.other + 1}] is read first"
            )
        else:
            splits = list(scan.connector.plan(scan.request()))
            info["requests"] = [s.describe or repr(dict(s.params)) for s in splits]
            lines.append(
                f"    requests:       {len(splits)} split{'' if len(splits) == 1 else 's'}"
            )
            for s in splits[:20]:
                lines.append(f"      - {s.describe or dict(s.params)}")
            if len(splits) > 20:
                lines.append(f"      ... and {len(splits) - 20} more")
    lines.append("Every condition is re-applied locally by DuckDB.")
    return Explain(text="\n".join(lines), data=data)
