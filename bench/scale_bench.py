"""Date-bounded scans at scale: several accounts, and the floor of a perfectly balanced scan.

Over a sandbox of ``--messages`` messages (in its own process, ``--latency-ms`` added to every
request), in one run:

(a) ``SELECT * FROM src.messages WHERE date_sent >= '2008-01-01'`` with ``subaccounts=true``
    (the main account, an active subaccount and a suspended one) against the same scan of the
    main account alone, both split into date ranges. Goal: time per row within 1.3x of the
    single account's.
(b) The main account's scan against an oracle floor: plain ``httpx`` + JSON loops over 8 day
    ranges of equal row counts, known in advance (counted before the timing), fetched
    concurrently, 1,000 rows a page. Goal: distillr at most 1.2x the floor, planning probes
    included. The probe count, the splits and their row counts are printed too.

Runs alternate (distillr, oracle, ...); medians of ``--repeat`` are shown.

    .venv/bin/python bench/scale_bench.py [--messages 100000] [--latency-ms 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import msgspec
from twilio_bench import RemoteSandbox

import distillr
from distillr.connectors.twilio import TwilioConnector

QUERY = "SELECT * FROM src.messages WHERE date_sent >= TIMESTAMP '2008-01-01 00:00:00'"
STREAMS = 8


def run_distillr(sb: RemoteSandbox, **options) -> dict:
    src = TwilioConnector(
        "src",
        account_sid=sb.account_sid,
        auth_token=sb.auth_token,
        base_url=sb.base_url,
        **options,
    )
    with tempfile.TemporaryDirectory() as home:
        con = distillr.connect(home=home)
        con.register("src", src)
        sb.clear_requests()
        t0 = time.perf_counter()
        result = con.sql(QUERY)
        table = result.arrow()
        elapsed = time.perf_counter() - t0
        stats = result.stats
    src.close()
    scan = stats.tables[0]
    return {
        "time": elapsed,
        "rows": table.num_rows,
        "requests": stats.requests,
        "probes": len(scan.scan.probes),
        "splits": len(scan.splits),
        "table": table,
    }


def equal_ranges(sb: RemoteSandbox, days: list[date]) -> list[tuple[date, date]]:
    """``STREAMS`` day ranges ``[a, b)`` holding about equal numbers of the given rows' days."""
    per_day = Counter(days)
    total = sum(per_day.values())
    ranges, start, seen = [], min(per_day), 0
    for day in sorted(per_day):
        seen += per_day[day]
        if len(ranges) < STREAMS - 1 and seen >= total * (len(ranges) + 1) / STREAMS:
            ranges.append((start, day + timedelta(days=1)))
            start = day + timedelta(days=1)
    ranges.append((start, max(per_day) + timedelta(days=1)))
    return ranges


def run_oracle(sb: RemoteSandbox, ranges: list[tuple[date, date]]) -> dict:
    """Each range read page by page on its own thread, the records kept as dicts."""
    url = f"{sb.base_url}/2010-04-01/Accounts/{sb.account_sid}/Messages.json"
    limits = httpx.Limits(max_connections=STREAMS, max_keepalive_connections=STREAMS)
    with httpx.Client(auth=(sb.account_sid, sb.auth_token), limits=limits) as http:
        http.get(url, params={"PageSize": 1})  # the connection pool, warm as distillr's is

        def read(bounds: tuple[date, date]) -> tuple[list[dict], int]:
            lo, hi = bounds
            # Messages' DateSent< is "on or before": the last day wanted
            params = {"DateSent>": lo.isoformat(), "DateSent<": (hi - timedelta(1)).isoformat()}
            rows: list[dict] = []
            pages = 0
            nxt: str | None = url
            first = True
            while nxt:
                body = msgspec.json.decode(
                    http.get(nxt, params={**params, "PageSize": 1000} if first else None).content
                )
                first = False
                pages += 1
                rows.extend(body["messages"])
                uri = body.get("next_page_uri")
                nxt = sb.base_url + uri if uri else None
            return rows, pages

        sb.clear_requests()
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=STREAMS) as pool:
            parts = list(pool.map(read, ranges))
        elapsed = time.perf_counter() - t0
    return {
        "time": elapsed,
        "rows": sum(len(rows) for rows, _ in parts),
        "requests": sum(pages for _, pages in parts),
        "per_range": [len(rows) for rows, _ in parts],
    }


def _times(runs: list[dict]) -> str:
    return ", ".join(f"{r['time']:.2f}" for r in runs)


def median(runs: list[dict]) -> dict:
    return sorted(runs, key=lambda r: r["time"])[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    sb = RemoteSandbox(seed=42, messages=args.messages, latency_ms=args.latency_ms)
    try:
        # the oracle knows the data in advance: the main account's days, read once untimed
        known = run_distillr(sb, parallel_scans=False)
        days = [d.date() for d in known["table"].column("date_sent").to_pylist()]
        ranges = equal_ranges(sb, days)
        main_runs, multi_runs, oracle_runs = [], [], []
        for _ in range(args.repeat):
            main_runs.append(run_distillr(sb))
            oracle_runs.append(run_oracle(sb, ranges))
            multi_runs.append(run_distillr(sb, subaccounts=True))
    finally:
        sb.close()

    one, multi, oracle = median(main_runs), median(multi_runs), median(oracle_runs)
    lat = f"{args.latency_ms:g} ms added latency per request, median of {args.repeat}"
    print(f"(a) Date-bounded scan of messages, several accounts against one ({lat})")
    for label, r in (("main account alone", one), ("main + 2 subaccounts", multi)):
        print(
            f"  {label:22}: {r['time']:6.2f} s  {r['rows']:>8,} rows  {r['requests']:>4} requests"
            f"  {r['splits']:>3} splits  {r['time'] / r['rows'] * 1e6:6.2f} us/row"
        )
    ratio_a = (multi["time"] / multi["rows"]) / (one["time"] / one["rows"])
    print(f"  time per row: {ratio_a:.2f}x the single account's (goal <= 1.3x)")

    print(f"(b) Date-bounded scan of the main account against an oracle floor ({lat})")
    print(
        f"  distillr: {one['time']:6.2f} s  {one['rows']:>8,} rows  {one['requests']:>4} requests"
        f" ({one['probes']} sent while planning: page one and probes), {one['splits']} splits"
        f"   (runs: {_times(main_runs)})"
    )
    print(
        f"  oracle  : {oracle['time']:6.2f} s  {oracle['rows']:>8,} rows"
        f"  {oracle['requests']:>4} requests, {STREAMS} ranges of"
        f" {min(oracle['per_range']):,}-{max(oracle['per_range']):,} rows"
        f"   (runs: {_times(oracle_runs)})"
    )
    print(
        f"  ratio   : distillr takes {one['time'] / oracle['time']:.2f}x the floor (goal <= 1.2x)"
    )
    if one["rows"] != oracle["rows"]:
        print(f"  WARNING: row counts differ ({one['rows']} against {oracle['rows']})")
    spread = statistics.pstdev(r["time"] for r in main_runs)
    print(f"  (distillr's runs spread {spread:.2f} s)")


if __name__ == "__main__":
    main()
