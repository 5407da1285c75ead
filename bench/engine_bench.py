"""Query engine benchmarks, each printed against a baseline measured in the same run.

1. Planning overhead of a 3-table join (parse, scopes, pushdown, rewrite): median time,
   against plain sqlglot parse + generate of the same SQL, measured in alternating rounds so
   that a busy machine slows both alike. Goal: under 5 ms.
2. First plan in a fresh process (what `distillr query` pays once): importing the planner
   and planning a plain SELECT, against ``import duckdb, pyarrow, sqlglot`` in the same
   process; most of the first plan is loading sqlglot's DuckDB dialect, shown on its own.
3. Peak memory (RSS, measured in fresh subprocesses) of
   ``SELECT status, count(*) FROM fake.big GROUP BY status`` at 100,000 and 1,000,000 rows.
   Goal: the larger under 1.3 times the smaller (streaming, not materialising).

Run: ``.venv/bin/python bench/engine_bench.py`` (``--quick`` for fewer repetitions).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

JOIN_SQL = """
SELECT c.id, c.status, m.body, o.direction
FROM fake.calls c
JOIN fake.messages m ON c.id = m.call_id AND m.status IN ('sent', 'delivered')
LEFT JOIN other.calls o ON o.id = c.id AND o.duration >= 10
WHERE c.status = 'busy' AND m.date_sent >= '2025-01-02' AND c.`to` LIKE '+1555%'
ORDER BY c.id
LIMIT 10
"""

GROUP_SQL = "SELECT status, count(*) FROM fake.big GROUP BY status"


FIRST_SQL = "SELECT id, status FROM fake.calls WHERE status = 'busy' LIMIT 5"


def _times_ms(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def bench_planning(repeat: int) -> None:
    import sqlglot

    from distillr.sql.planner import plan_query
    from tests.engine.fakes import FakeConnector

    sources = {"fake": FakeConnector("fake"), "other": FakeConnector("other")}

    def plan() -> None:
        plan_query(JOIN_SQL, sources.__getitem__, describe=False)  # as Session.sql plans

    def baseline() -> None:
        sqlglot.parse_one(JOIN_SQL, read="drill").sql(dialect="duckdb")

    for _ in range(20):  # warm up
        baseline()
        plan()
    rounds = 10
    base_times: list[float] = []
    plan_times: list[float] = []
    for _ in range(rounds):  # alternate, so that load from elsewhere hits both alike
        base_times += _times_ms(baseline, repeat // rounds)
        plan_times += _times_ms(plan, repeat // rounds)
    base, ours = statistics.median(base_times), statistics.median(plan_times)
    print("planning a 3-table join (median of", len(plan_times), "runs)")
    print(f"  sqlglot parse+generate (baseline): {base:7.3f} ms")
    print(
        f"  distillr plan_query:               {ours:7.3f} ms   goal < 5 ms:"
        f" {'met' if ours < 5 else 'NOT met'}"
    )
    print(f"  ratio plan / baseline:             {ours / base:7.2f}x")


def first_plan_child() -> None:
    """In a fresh process: time the bare imports, the planner's import, the first plan and
    (separately) sqlglot's DuckDB dialect load inside it; print them as JSON (ms)."""
    import json

    t0 = time.perf_counter()
    import duckdb  # noqa: F401
    import pyarrow  # noqa: F401
    import sqlglot  # noqa: F401

    t1 = time.perf_counter()
    from distillr.sql.planner import plan_query

    t2 = time.perf_counter()
    from tests.engine.fakes import FakeConnector

    sources = {"fake": FakeConnector("fake")}
    t3 = time.perf_counter()
    from sqlglot.dialects.dialect import Dialect

    Dialect.get_or_raise("duckdb")  # the part of the first plan that is sqlglot's own
    t4 = time.perf_counter()
    plan_query(FIRST_SQL, sources.__getitem__, describe=False)
    t5 = time.perf_counter()
    plan_query(FIRST_SQL, sources.__getitem__, describe=False)
    t6 = time.perf_counter()
    print(
        json.dumps(
            {
                "imports": (t1 - t0) * 1000,
                "planner": (t2 - t1) * 1000,
                "duckdb_dialect": (t4 - t3) * 1000,
                "first_plan": (t5 - t3) * 1000,
                "next_plan": (t6 - t5) * 1000,
            }
        )
    )


def bench_first_plan(runs: int) -> None:
    import json

    rows = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, __file__, "--first-plan-child"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    ours = med["planner"] + med["first_plan"]
    print(f"first plan in a fresh process (median of {runs} processes)")
    print(f"  import duckdb, pyarrow, sqlglot (baseline): {med['imports']:7.1f} ms")
    print(f"  import distillr.sql.planner:                {med['planner']:7.1f} ms")
    print(
        f"  first plan_query of a plain SELECT:         {med['first_plan']:7.1f} ms"
        f"   of which sqlglot's DuckDB dialect load: {med['duckdb_dialect']:.1f} ms"
    )
    print(f"  next plan_query:                            {med['next_plan']:7.1f} ms")
    print(f"  ratio (planner import + first plan) / baseline: {ours / med['imports']:.2f}x")


def child(rows: int) -> None:
    """Run the GROUP BY over a generated table of ``rows`` rows; print peak RSS in KiB."""
    import distillr
    from tests.engine.fakes import FakeConnector, big_table

    table, page = big_table(rows, page_rows=10_000)
    with tempfile.TemporaryDirectory(prefix="distillr-bench-") as home:
        con = distillr.connect(home=home)
        con.register("fake", FakeConnector("fake", tables=[table], generated={"big": page}))
        result = con.sql(GROUP_SQL).fetchall()
        con.close()
    assert sum(n for _s, n in result) == rows
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def bench_memory() -> None:
    peaks = {}
    for rows in (100_000, 1_000_000):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows)],
            check=True,
            capture_output=True,
            text=True,
        )
        peaks[rows] = int(out.stdout.strip().splitlines()[-1])
    small, large = peaks[100_000], peaks[1_000_000]
    print(f"peak RSS of `{GROUP_SQL}` (fresh processes)")
    print(f"  100,000 rows:   {small / 1024:8.1f} MiB")
    print(f"  1,000,000 rows: {large / 1024:8.1f} MiB")
    print(
        f"  ratio large / small: {large / small:.3f}x   goal < 1.3x:"
        f" {'met' if large / small < 1.3 else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", type=int)
    parser.add_argument("--first-plan-child", action="store_true")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if args.first_plan_child:
        first_plan_child()
        return
    bench_planning(100 if args.quick else 500)
    bench_first_plan(5 if args.quick else 11)
    bench_memory()


if __name__ == "__main__":
    main()
