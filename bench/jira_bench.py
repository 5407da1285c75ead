"""A Custom API scan of JIRA issues against two floors measured in the same run.

The JIRA sandbox runs in its own process (``distillr sandbox jira --json``), as a remote API
would, with 50 ms of latency per request and 50,000 issues (``--scale large``). Every issue is
on the "All work" board. Three ways read every issue of that board
(``/rest/agile/1.0/board/{id}/issue``, JIRA's ``startAt``/``maxResults`` paging, 100 a page):

1. **sequential floor**: a plain ``httpx`` loop that fetches each page and decodes its JSON
   (``response.json()``), one after the other;
2. **concurrent floor**: the same loop with the remaining pages fetched at the source's
   concurrency (threads), once the first page gave the total;
3. **distillr**: ``SELECT * FROM myjira.`/board/:boardId/issue` WHERE boardId = ...`` through
   the shipped JIRA template (its schema sampled beforehand, not timed), every row to Arrow.

Goals (issue 13): distillr at most 1.2 times the concurrent floor, and at least 5 times faster
than the sequential one. Prints the times, the ratios and the request counts of each.

Run: ``.venv/bin/python bench/jira_bench.py`` (``--issues 5000`` for a quick run,
``--latency-ms`` to change the latency, ``--repeat N``: the best of N runs of the concurrent
floor and of distillr, interleaved, as the shared machine's load changes; default 2). Each way
is warmed up first; the CPU column is this process's CPU time (the sandbox runs apart).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PAGE = 100
ISSUE_PATH = "/rest/agile/1.0/board/{board}/issue"


def start_sandbox(issues: int, latency_ms: float) -> tuple[subprocess.Popen, dict]:
    command = [sys.executable, "-m", "distillr.cli", "sandbox", "jira", "--port", "0", "--json"]
    command += ["--issues", str(issues), "--latency-ms", str(latency_ms)]
    if issues >= 50_000:
        command += ["--scale", "large"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if not line:
        proc.kill()
        raise SystemExit("the JIRA sandbox did not start")
    return proc, json.loads(line)


def all_work_board(client) -> int:
    boards = client.get("/rest/agile/1.0/board", params={"maxResults": 50}).json()["values"]
    return next(b["id"] for b in boards if b["name"] == "All work")


def sequential_floor(client, board: int) -> tuple[int, int]:
    rows = requests = start = 0
    while True:
        r = client.get(
            ISSUE_PATH.format(board=board), params={"startAt": start, "maxResults": PAGE}
        )
        requests += 1
        body = r.json()
        got = len(body["issues"])
        rows += got
        start += got
        if got == 0 or start >= body["total"]:
            return rows, requests


def concurrent_floor(client, board: int, concurrency: int) -> tuple[int, int]:
    path = ISSUE_PATH.format(board=board)
    first = client.get(path, params={"startAt": 0, "maxResults": PAGE}).json()
    total, rows = first["total"], len(first["issues"])

    def page(start: int) -> int:
        r = client.get(path, params={"startAt": start, "maxResults": PAGE})
        return len(r.json()["issues"])

    starts = list(range(rows, total, PAGE))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        rows += sum(pool.map(page, starts))
    return rows, 1 + len(starts)


def distillr_scan(info: dict, board: int, home: str, concurrency: int | None = None):
    import distillr
    from distillr.connectors.rest import RestConnector, template

    t = template("jira")
    definition = t.definition({"domain": info["base_url"], "email": info["email"]})
    if concurrency:
        definition = definition.model_copy(update={"concurrency": concurrency})
    source = RestConnector("myjira", definition, t.source_secrets({"api_token": info["api_token"]}))
    source.refresh(endpoints=["board_issue"], samples={"board_issue": {"boardId": board}})
    con = distillr.connect(home=home)
    con.register("myjira", source)
    sql = f"SELECT * FROM myjira.`/board/:boardId/issue` WHERE boardId = {board}"

    def run(limit: str = "") -> tuple[int, int]:
        res = con.sql(sql + limit)
        table = res.arrow()
        return table.num_rows, res.stats.requests

    return run, lambda: run(" LIMIT 150"), source.max_concurrency


def timed(fn) -> tuple[float, float, tuple[int, int]]:
    """(wall seconds, this process's CPU seconds, what ``fn`` returned)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - t0, time.process_time() - c0, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--issues", type=int, default=50_000)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--repeat", type=int, default=2, help="runs of the concurrent ways")
    ap.add_argument(
        "--concurrency", type=int, default=None, help="instead of the template's (both ways)"
    )
    args = ap.parse_args()

    import httpx

    proc, info = start_sandbox(args.issues, args.latency_ms)
    try:
        auth = (info["email"], info["api_token"])
        with httpx.Client(base_url=info["base_url"], auth=auth, timeout=60) as client:
            board = all_work_board(client)
        run, warm, concurrency = distillr_scan(info, board, tempfile.mkdtemp(), args.concurrency)
        limits = httpx.Limits(max_connections=concurrency * 2)
        with httpx.Client(base_url=info["base_url"], auth=auth, timeout=60, limits=limits) as c:
            warm()  # imports, DuckDB and the first pyarrow calls, in both ways
            c.get(ISSUE_PATH.format(board=board), params={"maxResults": 1}).json()
            seq = timed(lambda: sequential_floor(c, board))
            runs = []
            for _ in range(args.repeat):  # interleaved: the machine's load changes
                runs.append((timed(lambda: concurrent_floor(c, board, concurrency)), timed(run)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    con = min((r[0] for r in runs), key=lambda r: r[0])
    ours = min((r[1] for r in runs), key=lambda r: r[0])
    print(
        f"scan of the 'All work' board: {args.issues:,} issues, {PAGE} a page,"
        f" {args.latency_ms:g} ms latency, concurrency {concurrency}, best of {args.repeat}"
    )
    print("                                                 wall      CPU   requests  rows")
    for label, (wall, cpu, (rows, requests)) in (
        ("sequential floor (httpx, one page at a time)", seq),
        (f"concurrent floor (httpx, {concurrency} in flight)", con),
        ("distillr (SELECT * ... to Arrow)", ours),
    ):
        print(f"  {label:<45} {wall:6.2f} s {cpu:6.2f} s {requests:7d} {rows:7d}")
    assert seq[2][0] == con[2][0] == ours[2][0] == args.issues, (seq[2], con[2], ours[2])
    print(f"  distillr / concurrent floor: {ours[0] / con[0]:5.2f}x   (goal: at most 1.2x)")
    print(f"  sequential floor / distillr: {seq[0] / ours[0]:5.2f}x   (goal: at least 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
