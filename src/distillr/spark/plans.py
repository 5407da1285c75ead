"""EXPLAIN on Spark: ``distillr query --engine spark --explain``.

The text shows each ``source.table`` the query reads as the temporary view it became, with
the data source options that view was given (path parameters, ``pushdown``, a pushed LIMIT
and the filters it waits for), the Spark SQL the query was written as, and Spark's own
formatted plan, where ``PushedFilters`` lists the filters each scan's reader accepted.
Spark plans the scans to print it, so a connector may send its planning probes.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from distillr.spark.limits import FILTERS_OPTION, LIMIT_OPTION

__all__ = ["explain_text"]


def explain_text(spark: Any, text: str, defs: Any, pushdown: bool = True) -> str:
    """The plan of ``text`` on ``spark`` over the registered sources ``defs``."""
    from distillr.spark.translate import translate

    shown: list[tuple[str, str, dict[str, str]]] = []
    sql = translate(spark, text, defs, pushdown=pushdown, shown=shown)
    df = spark.sql(sql)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        df.explain(mode="formatted")
    lines = ["Engine: Apache Spark", "", "Views:"]
    for view, ref, options in shown:
        lines.append(f"  {view}: {ref}")
        lines.append(f"    limit:    {_limit_note(options)}")
        rest = {k: v for k, v in options.items() if k not in (LIMIT_OPTION, FILTERS_OPTION)}
        lines.append("    options:  " + ", ".join(f"{k}={v}" for k, v in rest.items()))
    lines += ["", "Spark SQL:", f"  {sql}", "", out.getvalue().rstrip()]
    return "\n".join(lines)


def _limit_note(options: dict[str, str]) -> str:
    if LIMIT_OPTION not in options:
        return "not pushed (Spark applies LIMIT after the scan; see docs/spark.md)"
    slots = json.loads(options.get(FILTERS_OPTION, "[]"))
    needs = ", ".join(f"{col} {op}" for col, op in slots)
    if not needs:
        return f"{options[LIMIT_OPTION]} rows asked of the API"
    return (
        f"{options[LIMIT_OPTION]} rows asked of the API if Spark pushes the reader exactly the"
        f" filters on {needs} (PushedFilters below)"
    )
