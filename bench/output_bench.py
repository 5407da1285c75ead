"""Output memory benchmark: peak RSS of ``SELECT *`` written in each format, against
``count(*)`` over the same scan, in one run.

A Twilio sandbox holding ``--rows`` messages runs in its own process. Each case is a fresh
``distillr`` process, and its peak resident set comes from the kernel when it exits
(``os.wait4``), so no case inherits another's memory:

- ``count(*)``: ``SELECT count(*) FROM src.messages`` (the baseline: the same scan, no output)
- ``table``, ``csv``, ``jsonl``: ``SELECT * FROM src.messages`` printed to a pipe
- ``parquet``: the same written with ``--output FILE``
- ``.arrow()``: the same read into an Arrow table from Python, against that table's ``nbytes``

Goals: every format at most 1.5x the ``count(*)`` peak; ``.arrow()`` at most 2x the table's
``nbytes``. It prints every figure and ratio.

    .venv/bin/python bench/output_bench.py [--rows 500000] [--latency-ms 0]
    .venv/bin/python bench/output_bench.py --quick        # 20,000 rows (about 35 s)

At small sizes the interpreter and libraries (about 190 MB before the query) dominate every
peak, so the ``.arrow()`` ratio means something only at the full size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SQL_ALL = "SELECT * FROM src.messages"
SQL_COUNT = "SELECT count(*) FROM src.messages"
ARROW_CHILD = """
import json, sys, distillr
def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
con = distillr.connect(sys.argv[1])
con.sql("SELECT sid FROM src.messages LIMIT 1").fetchall()  # load the engine and connector
before = rss_mb()
table = con.sql(sys.argv[2]).arrow()
print(json.dumps({"rows": table.num_rows, "nbytes": table.nbytes, "before_mb": before}))
"""


def start_sandbox(rows: int, latency_ms: int) -> tuple[subprocess.Popen, dict]:
    args = [sys.executable, "-m", "distillr.cli", "sandbox", "twilio", "--port", "0", "--json"]
    args += ["--scale", "large", "--messages", str(rows), "--calls", "1000"]
    if latency_ms:
        args += ["--latency-ms", str(latency_ms)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit("the sandbox did not start")
    return proc, json.loads(line)


def measure(args: list[str], env: dict) -> tuple[float, float, bytes]:
    """Run ``args``; its peak RSS in MB, its wall time, and the last 4 kB it printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    tail = bytearray()
    err = bytearray()

    def drain() -> None:  # read the pipe as a consumer would, keeping only its end
        while chunk := proc.stdout.read(1 << 16):
            tail.extend(chunk)
            del tail[:-4096]

    def drain_err() -> None:
        err.extend(proc.stderr.read())

    readers = [threading.Thread(target=drain), threading.Thread(target=drain_err)]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    for r in readers:
        r.join()
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{args[3:]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    if err.strip():  # the stats line
        print("    " + err.decode().strip().splitlines()[-1])
    return usage.ru_maxrss / 1024, elapsed, bytes(tail)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=500_000, help="messages in the sandbox")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every request")
    parser.add_argument("--quick", action="store_true", help="20,000 messages")
    opts = parser.parse_args()
    rows = 20_000 if opts.quick else opts.rows

    sandbox, info = start_sandbox(rows, opts.latency_ms)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            env = dict(os.environ, DISTILLR_HOME=str(home), TOK=info["auth_token"])
            env.pop("DISTILLR_SECRET_KEY", None)
            cli = [sys.executable, "-m", "distillr.cli"]
            subprocess.run(
                [*cli, "source", "add", "twilio", "src", "--account-sid", info["account_sid"]]
                + ["--base-url", info["base_url"], "--auth-token-env", "TOK", "--no-verify"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            print(f"sandbox: {rows:,} messages, latency {opts.latency_ms} ms; peak RSS per process")
            results: dict[str, tuple[float, float]] = {}
            cases = {
                "count(*)": [*cli, "query", SQL_COUNT, "--format", "csv"],
                "table (pipe)": [*cli, "query", SQL_ALL],
                "csv (pipe)": [*cli, "query", SQL_ALL, "--format", "csv"],
                "jsonl (pipe)": [*cli, "query", SQL_ALL, "--format", "jsonl"],
                "parquet (file)": [
                    *cli,
                    *("query", SQL_ALL, "--format", "parquet", "--output"),
                    str(Path(tmp) / "out.parquet"),
                ],
            }
            for name, args in cases.items():
                peak, elapsed, _ = measure(args, env)
                results[name] = (peak, elapsed)
                base = results["count(*)"][0]
                print(
                    f"  {name:<15} {peak:8.0f} MB  {peak / base:5.2f}x count(*)  {elapsed:6.1f} s",
                    flush=True,
                )
            base = results["count(*)"][0]
            worst = max(p for n, (p, _) in results.items() if n != "count(*)") / base
            verdict = "met" if worst <= 1.5 else "NOT met"
            print(f"  worst format: {worst:.2f}x count(*) (goal <= 1.5x: {verdict})")

            peak, elapsed, out = measure(
                [sys.executable, "-c", ARROW_CHILD, str(home), SQL_ALL], env
            )
            got = json.loads(out.decode().strip().splitlines()[-1])
            nbytes = got["nbytes"] / 2**20
            growth = peak - got["before_mb"]
            ratio = peak / nbytes
            print(
                f"  .arrow()        {peak:8.0f} MB  {elapsed:6.1f} s; table {got['rows']:,} rows,"
                f" nbytes {nbytes:.0f} MB; {got['before_mb']:.0f} MB before the query"
            )
            print(
                f"  .arrow() peak / nbytes: {ratio:.2f}x (goal <= 2x: "
                f"{'met' if ratio <= 2 else 'NOT met'}); growth during the query"
                f" {growth:.0f} MB = {growth / nbytes:.2f}x nbytes"
            )
    finally:
        sandbox.terminate()
        sandbox.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
