"""Golden planner tests: SQL in, planned requests out, as data files.

Each file in ``fixtures/planner/`` holds cases separated by a line ``====``; a case is a
``# name`` line, optional ``# pushdown: off``, the SQL, a line ``----`` and the expected plan:
per table reference its predicates (exact / inexact / local, with what was sent), the LIMIT
decision and the splits the fake connector planned. ``error: <Class>: <text>`` expects the
planner to refuse. Run with ``DISTILLR_UPDATE_GOLDEN=1`` to rewrite the expected blocks
(then read the diff).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from distillr.errors import CatalogError, DistillrError
from distillr.sql.plan import pred_text
from distillr.sql.planner import plan_query

from .fakes import FakeConnector

FIXTURES = Path(__file__).parent / "fixtures" / "planner"
UPDATE = os.environ.get("DISTILLR_UPDATE_GOLDEN") == "1"

SOURCES = {
    "fake": FakeConnector(page_size=7, max_fanout=5),
    "other": FakeConnector("other", page_size=7),
}


def resolve(name: str):
    try:
        return SOURCES[name.lower()]
    except KeyError:
        raise CatalogError(f"Unknown source '{name}'.") from None


def render(sql: str, pushdown: bool) -> str:
    try:
        plan = plan_query(sql, resolve, pushdown=pushdown)
    except DistillrError as err:
        return f"error: {type(err).__name__}: {str(err).splitlines()[0]}"
    out = []
    for scan in plan.scans:
        out.append(f"[{scan.index + 1}] {scan.ref}")
        cols = scan.request().columns
        out.append("  columns " + ("*" if cols is None else ", ".join(cols) or "(none)"))
        for c in scan.conjuncts:
            line = f"  {c.placement:<7} {c.sql}"
            if c.preds:
                line += " -> " + "; ".join(pred_text(p) for p in c.preds)
            out.append(line)
        out.append(f"  limit   {scan.limit_note}")
        if scan.empty:
            out.append("  no request")
        elif scan.bind is not None:
            out.append(
                f"  bind    {scan.bind.parameter} from [{scan.bind.other + 1}]"
                f" ({scan.bind.on}); keys: {scan.bind.key_sql}"
            )
        else:
            for split in scan.connector.plan(scan.request()):
                out.append(
                    f"  split   {split.describe}"
                    + (f" limit={split.limit}" if split.limit is not None else "")
                )
    return re.sub(r"__distillr_\d+_", "__distillr_N_", "\n".join(out))


def load(path: Path) -> list[dict]:
    cases = []
    for chunk in path.read_text().split("\n====\n"):
        if not chunk.strip():
            continue
        head, _, expected = chunk.partition("\n----\n")
        lines = head.strip().splitlines()
        name = lines[0].removeprefix("# name:").strip()
        pushdown = True
        body = []
        for line in lines[1:]:
            if line.strip() == "# pushdown: off":
                pushdown = False
            else:
                body.append(line)
        cases.append(
            {
                "name": name,
                "sql": "\n".join(body).strip(),
                "pushdown": pushdown,
                "expected": expected.strip(),
            }
        )
    return cases


def save(path: Path, cases: list[dict]) -> None:
    chunks = []
    for case in cases:
        head = f"# name: {case['name']}\n"
        if not case["pushdown"]:
            head += "# pushdown: off\n"
        chunks.append(f"{head}{case['sql']}\n----\n{case['expected']}\n")
    path.write_text("\n====\n".join(chunks))


FILES = sorted(FIXTURES.glob("*.txt"))
PARAMS = [
    pytest.param(path, i, id=f"{path.stem}:{case['name']}")
    for path in FILES
    for i, case in enumerate(load(path))
]


@pytest.mark.parametrize(("path", "index"), PARAMS)
def test_golden_plan(path: Path, index: int) -> None:
    cases = load(path)
    case = cases[index]
    actual = render(case["sql"], case["pushdown"])
    if UPDATE and actual != case["expected"]:
        case["expected"] = actual
        save(path, cases)
        return
    assert actual == case["expected"], f"{case['name']}:\n{case['sql']}\n\ngot:\n{actual}"


def test_fixtures_exist() -> None:
    assert len(PARAMS) >= 30
