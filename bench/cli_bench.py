"""Start-up cost of `distillr query`: a LIMIT 0 query on a Twilio table (no request is made)
against `python -c "import duckdb, pyarrow, sqlglot"`, measured alternately in the same run.

Goal: the query takes at most 1.5 times as long as the bare imports.

    python bench/cli_bench.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 1.5
QUERY = "SELECT * FROM demo.messages LIMIT 0"


def _time(cmd: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="Also time the steps: bare Python, CLI parsing, engine and connector imports.",
    )
    args = parser.parse_args()

    from distillr.registry import Registry
    from distillr.sandbox import TwilioSandbox

    script = Path(sys.executable).with_name("distillr")
    query_cmd = [str(script)] if script.exists() else [sys.executable, "-m", "distillr.cli"]
    query_cmd += ["query", QUERY, "--format", "csv"]
    base_cmd = [sys.executable, "-c", "import duckdb, pyarrow, sqlglot"]

    with (
        TwilioSandbox(seed=42, scale="small") as sb,
        tempfile.TemporaryDirectory(prefix="distillr-bench-") as home,
    ):
        Registry(home).add(
            "twilio",
            "demo",
            {"account_sid": sb.account_sid, "base_url": sb.base_url},
            {"auth_token": sb.auth_token},
        )
        env = dict(os.environ, DISTILLR_HOME=home)
        # measure what a user sees: distillr's own modules loaded from .pyc files, as
        # duckdb, pyarrow and sqlglot are (their .pyc files were written when installed);
        # with PYTHONDONTWRITEBYTECODE set, every run would compile distillr from source
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for cmd in (base_cmd, query_cmd):  # warm the file cache and .pyc files
            _time(cmd, env)
        served = len(sb.requests)
        base, query = [], []
        for _ in range(args.runs):
            base.append(_time(base_cmd, env))
            query.append(_time(query_cmd, env))
        requests = len(sb.requests) - served
        steps = {}
        if args.breakdown:
            # each step does what the one before did, and more, with the collector paused and
            # what was loaded frozen at the end, as `distillr` does (distillr.cli.startup)
            engine = "import gc; gc.disable(); import distillr.session; "
            session = engine + "con = distillr.session.Session(); "
            py = [sys.executable, "-c"]
            cmds = {
                "python -c pass": (py + ["pass"], (0,)),
                "distillr query '' (CLI parsing, usage error)": (
                    query_cmd[:-4] + ["query", ""],
                    (2,),
                ),
                "import distillr.session (engine)": (py + [engine + "gc.freeze()"], (0,)),
                "+ the source's connector (decrypt, catalog)": (
                    py + [session + "con.connector('demo'); gc.freeze()"],
                    (0,),
                ),
                "+ plan (DuckDB SQL, DuckDB connection)": (
                    py + [session + f"con.sql({QUERY!r}); gc.freeze()"],
                    (0,),
                ),
            }
            for label, (cmd, ok) in cmds.items():
                steps[label] = statistics.median(_time(cmd, env, ok) for _ in range(args.runs))

    b, q = statistics.median(base), statistics.median(query)
    ratio = q / b
    print(f"import duckdb, pyarrow, sqlglot : {b * 1000:7.0f} ms (median of {args.runs})")
    print(f"distillr query '{QUERY}' : {q * 1000:7.0f} ms (median of {args.runs})")
    print(f"ratio: {ratio:.2f}x (goal <= {GOAL}x) {'ok' if ratio <= GOAL else 'OVER GOAL'}")
    print(f"requests the LIMIT 0 queries made to the sandbox: {requests}")
    for label, seconds in steps.items():
        print(f"  {label:<48} {seconds * 1000:7.0f} ms  ({seconds / b:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
