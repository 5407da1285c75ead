"""The response cache and saved tables against live scans, measured in one run.

A Twilio sandbox holds 100,000 messages and answers every request after 50 ms. Timed:

1. the first full scan of ``messages`` (the baseline; the cache is on and fills);
2. the same scan again, every page from the cache (goal: at least 20 times faster);
3. the same query over ``saved.msgs``, a saved table of the scan, against a live scan with
   the cache off (goal: at least 50 times faster).

Each query is ``SELECT status, count(*), count(DISTINCT "to") FROM ... GROUP BY status``, so
the whole table is read each time; rows are checked equal.

    python bench/cache_bench.py [--messages 100000] [--latency 50] [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CACHE_GOAL = 20
SAVED_GOAL = 50
SQL = 'SELECT status, count(*), count(DISTINCT "to") FROM {t} GROUP BY status ORDER BY status'


def timed(con, sql):
    started = time.perf_counter()
    res = con.sql(sql)
    rows = res.fetchall()
    return time.perf_counter() - started, rows, res.stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency", type=float, default=50)
    parser.add_argument("--quick", action="store_true", help="20,000 messages")
    args = parser.parse_args()
    n = 20_000 if args.quick else args.messages

    import distillr
    from distillr.connectors.cache import ResponseCache
    from distillr.registry import Registry
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=3, scale="tiny", messages=n, latency_ms=args.latency) as sb:
        home = Path(tempfile.mkdtemp(prefix="distillr-cache-bench-"))
        Registry(home).add(
            "twilio",
            "tw",
            {"account_sid": sb.account_sid, "base_url": sb.base_url},
            {"auth_token": sb.auth_token},
            verify=False,
        )
        ResponseCache(home).set_ttl("tw", 3600)
        live_sql = SQL.format(t="tw.messages")
        con = distillr.connect(home=str(home))
        first, rows1, s1 = timed(con, live_sql)
        con.close()
        con = distillr.connect(home=str(home))  # a new session: only the disk cache helps
        again, rows2, s2 = timed(con, live_sql)
        con.close()
        assert rows1 == rows2, "the cached scan returned other rows"
        assert s2.requests == 0, f"the cached scan made {s2.requests} requests"

        con = distillr.connect(home=str(home), cache=False)
        con.save("msgs", "SELECT * FROM tw.messages")
        live, rows3, s3 = timed(con, live_sql)
        saved, rows4, _ = timed(con, SQL.format(t="saved.msgs"))
        con.close()
        assert rows3 == rows1 and rows4 == rows1, "the saved table returned other rows"

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{n:,} messages, {args.latency:g} ms a request (load average {load})")
    print(f"first scan (cache filling): {first:7.3f} s  {s1.requests} requests")
    print(f"repeated scan from cache:   {again:7.3f} s  {s2.requests} requests, {s2.cached} pages")
    ratio_cache = first / again
    print(f"  cache speed-up: {ratio_cache:.1f}x (goal >= {CACHE_GOAL}x)")
    print(f"live scan (cache off):      {live:7.3f} s  {s3.requests} requests")
    print(f"saved.msgs:                 {saved:7.3f} s")
    ratio_saved = live / saved
    print(f"  saved table speed-up: {ratio_saved:.1f}x (goal >= {SAVED_GOAL}x)")
    ok = ratio_cache >= CACHE_GOAL and ratio_saved >= SAVED_GOAL
    print("goals met" if ok else "GOAL MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
