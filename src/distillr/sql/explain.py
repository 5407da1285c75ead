"""EXPLAIN: what a query will ask of each API, in words and as a dict."""

from __future__ import annotations

from dataclasses import dataclass

from distillr.connectors.base import ScanStats
from distillr.sql.plan import Placement, Plan, TableScan, pred_text

__all__ = ["Explain", "explain_plan"]

_SHOWN = {
    Placement.EXACT: "pushed exact  ",
    Placement.INEXACT: "pushed inexact",
    Placement.LOCAL: "local         ",
}


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
    """EXPLAIN of a plan. It calls each connector's ``plan()``, which may send probe requests
    (unless ``plan.probes`` is off): they are listed per table and counted in ``stats``."""
    data = plan.to_dict()
    header = f"Query plan (pushdown {'on' if plan.pushdown else 'off'}"
    lines = [header + (")" if plan.probes else ", probes off)")]
    sent = probes = 0
    for scan, info in zip(plan.scans, data["tables"]):
        lines.append(f"[{scan.index + 1}] {scan.ref}")
        cols = info["columns"]
        lines.append(
            "    columns:        " + ("all" if cols is None else ", ".join(cols) or "none")
        )
        for c in scan.conjuncts:
            line = f"    {_SHOWN[c.placement]}: {c.sql}"
            if c.preds:
                line += "  ->  " + "; ".join(pred_text(p) for p in c.preds)
            if c.reason and c.placement is not Placement.EXACT:
                line += f"  ({c.reason})"
            lines.append(line)
        lines.append(f"    limit:          {scan.limit_note}")
        stats = ScanStats()
        lines += _requests(scan, info, stats)
        info["probes"] = list(stats.probes)
        info["probe_requests"] = stats.requests
        sent += stats.requests
        probes += len(stats.probes)
        if stats.requests or stats.probes:
            lines.append(
                f"    probes:         {stats.requests} request"
                f"{'' if stats.requests == 1 else 's'} sent while planning"
            )
            lines += [f"      - {p}" for p in stats.probes[:20]]
            if len(stats.probes) > 20:
                lines.append(f"      ... and {len(stats.probes) - 20} more")
    data["stats"] = {"requests": sent, "probes": probes}
    if sent:
        lines.append(
            f"Planning sent {sent} request{'' if sent == 1 else 's'} to the API(s) (probes);"
            " EXPLAIN (probes off) plans without them."
        )
    lines.append("Every condition is re-applied locally by DuckDB.")
    return Explain(text="\n".join(lines), data=data)


def _requests(scan: TableScan, info: dict, stats: ScanStats) -> list[str]:
    """The ``requests:`` lines of one table reference (planning it with ``stats``)."""
    if scan.empty:
        info["requests"] = []
        return ["    requests:       none (LIMIT 0)"]
    if scan.bind is not None:
        info["requests"] = None
        return [
            f"    requests:       one per distinct {scan.bind.parameter} of"
            f" [{scan.bind.other + 1}] (bind join on {scan.bind.on},"
            f" at most {scan.bind.cap}); [{scan.bind.other + 1}] is read first"
        ]
    splits = list(scan.connector.plan(scan.request(), stats))
    info["requests"] = [s.describe or repr(dict(s.params)) for s in splits]
    lines = [f"    requests:       {len(splits)} split{'' if len(splits) == 1 else 's'}"]
    lines += [f"      - {s.describe or dict(s.params)}" for s in splits[:20]]
    if len(splits) > 20:
        lines.append(f"      ... and {len(splits) - 20} more")
    return lines
