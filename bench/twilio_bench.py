"""Twilio full-scan benchmark: distillr against the official ``twilio`` library.

Both read every message of a sandbox account holding ``--messages`` messages, with
``--latency-ms`` added to every request, in the same run:

- distillr: ``con.sql("SELECT * FROM src.messages").arrow()``
- twilio:   ``client.messages.list(page_size=1000)`` into a pandas DataFrame

It prints both times, their ratio (goal: distillr at least 5x faster), the requests each made
(from the sandbox's log), and the throughput of distillr's JSON-to-Arrow conversion on real
message pages (goal: at least 300,000 rows/s on one core), and of the whole page path
(JSON parse into dicts, then conversion).

The sandbox runs in its own process (as Twilio runs on its own servers), so its CPU time is not
charged to the client under test. A second comparison reads every message *sent* since 2008
(``WHERE date_sent >= '2008-01-01'`` / ``date_sent_after``): with the date column bounded,
distillr splits the scan into date ranges read concurrently. The unbounded scan stays one
sequential stream because messages that were never sent have no ``date_sent`` and no date
filter would return them (see docs/twilio.md, "Parallel scans").

    .venv/bin/python bench/twilio_bench.py [--messages 100000] [--latency-ms 50] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime

import httpx
import msgspec
import pandas as pd

import distillr
from distillr.connectors.twilio import TwilioConnector
from distillr.connectors.twilio.tables import twilio_tables
from distillr.sandbox import TwilioSandbox

FIELDS = [
    "account_sid",
    "api_version",
    "body",
    "date_created",
    "date_sent",
    "date_updated",
    "direction",
    "error_code",
    "error_message",
    "from_",
    "messaging_service_sid",
    "num_media",
    "num_segments",
    "price",
    "price_unit",
    "sid",
    "status",
    "subresource_uris",
    "to",
    "uri",
]


class RemoteSandbox:
    """A TwilioSandbox in a child process; its request log is read over a pipe."""

    def __init__(self, **kwargs) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, kwargs), daemon=True)
        self._proc.start()
        info = self._conn.recv()
        self.base_url = info["base_url"]
        self.account_sid = info["account_sid"]
        self.auth_token = info["auth_token"]

    def clear_requests(self) -> None:
        self._conn.send("clear")
        self._conn.recv()

    @property
    def requests(self) -> list:
        self._conn.send("log")
        return self._conn.recv()

    def close(self) -> None:
        self._conn.send("stop")
        self._proc.join(timeout=10)


def _serve(conn, kwargs) -> None:
    warnings.simplefilter("ignore")
    with TwilioSandbox(**kwargs) as sb:
        conn.send(
            {"base_url": sb.base_url, "account_sid": sb.account_sid, "auth_token": sb.auth_token}
        )
        while True:
            cmd = conn.recv()
            if cmd == "clear":
                sb.clear_requests()
                conn.send(True)
            elif cmd == "log":
                conn.send(list(sb.requests))
            else:
                return


def run_distillr(sb: RemoteSandbox, query: str) -> tuple[float, int, int]:
    src = TwilioConnector(
        "src", account_sid=sb.account_sid, auth_token=sb.auth_token, base_url=sb.base_url
    )
    with tempfile.TemporaryDirectory() as home:
        con = distillr.connect(home=home)
        con.register("src", src)
        sb.clear_requests()
        t0 = time.perf_counter()
        table = con.sql(query).arrow()
        elapsed = time.perf_counter() - t0
    src.close()
    return elapsed, table.num_rows, len(sb.requests)


def run_twilio(sb: RemoteSandbox, **filters) -> tuple[float, int, int]:
    from twilio.rest import Client

    for var in ("TWILIO_EDGE", "TWILIO_REGION"):
        os.environ.pop(var, None)
    client = Client(sb.account_sid, sb.auth_token)
    client.api.base_url = sb.base_url
    sb.clear_requests()
    t0 = time.perf_counter()
    messages = client.messages.list(page_size=1000, **filters)
    frame = pd.DataFrame([{f: getattr(m, f) for f in FIELDS} for m in messages])
    elapsed = time.perf_counter() - t0
    return elapsed, len(frame), len(sb.requests)


def conversion_throughput(sb: RemoteSandbox, rounds: int = 30) -> dict[str, tuple[float, float]]:
    """Rows per second of CPU time on one core, on real 1,000-message pages: straight from
    a page's bytes (connectors/pages.py's ``PageDecoder``, which scans use once they have
    learnt a table's JSON types; one page at a time it decodes typed records with msgspec),
    ``BatchBuilder.build`` from parsed records, and the parse into dicts followed by that build
    (how a scan reads its first page, and any page the decoder leaves to it).

    Each round converts five pages (5,000 rows). As ``timeit`` advises, the fastest round is
    the figure (slower rounds measure other processes sharing the core, not the code); the
    median round is printed beside it."""
    table = next(t for t in twilio_tables() if t.name == "messages")
    url = f"{sb.base_url}/2010-04-01/Accounts/{sb.account_sid}/Messages.json"
    constants = {"account_sid": sb.account_sid}
    with httpx.Client(auth=(sb.account_sid, sb.auth_token)) as http:
        bodies = []
        next_url: str | None = url + "?PageSize=1000"
        while next_url and len(bodies) < 5:
            body = http.get(next_url).content
            bodies.append(body)
            nxt = msgspec.json.decode(body).get("next_page_uri")
            next_url = sb.base_url + nxt if nxt else None
    pages = [msgspec.json.decode(body)["messages"] for body in bodies]
    for page in pages:  # warm up Arrow's kernels
        table.builder.build(page, constants)

    def rates(convert) -> tuple[float, float]:
        per_round = []
        for _ in range(rounds):
            # CPU time of this thread: what one core spends, whatever else the machine does
            t0 = time.thread_time()
            rows = sum(convert(i).num_rows for i in range(len(pages)))
            per_round.append(rows / (time.thread_time() - t0))
        return max(per_round), statistics.median(per_round)

    decoder = table.decoder  # learnt the pages' JSON types from the builds above

    def decode(i: int):
        page = decoder.decode(bodies[i], constants)
        if page is None:
            sys.exit("PageDecoder declined a sandbox page of messages")
        return page.batch

    return {
        "decode": rates(decode),
        "build": rates(lambda i: table.builder.build(pages[i], constants)),
        "parse_build": rates(
            lambda i: table.builder.build(msgspec.json.decode(bodies[i])["messages"], constants)
        ),
    }


def _median_run(runs: list[tuple[float, int, int]]) -> tuple[float, int, int]:
    """The run with the median time (rows and requests are the same in every run)."""
    return sorted(runs)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each scan, distillr and twilio in turn; medians shown",
    )
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    since = datetime(2008, 1, 1, tzinfo=UTC)
    scans = {
        "Full scan of all messages": ("SELECT * FROM src.messages", {}),
        "Every message sent since 2008": (
            "SELECT * FROM src.messages WHERE date_sent >= TIMESTAMP '2008-01-01 00:00:00'",
            {"date_sent_after": since},
        ),
    }
    sb = RemoteSandbox(seed=42, messages=args.messages, latency_ms=args.latency_ms)
    try:
        rate = conversion_throughput(sb)
        results: dict[str, tuple[list, list]] = {title: ([], []) for title in scans}
        for _ in range(args.repeat):
            for title, (query, filters) in scans.items():
                ours, theirs = results[title]
                ours.append(run_distillr(sb, query))
                theirs.append(run_twilio(sb, **filters))
    finally:
        sb.close()

    for title, (ours, theirs) in results.items():
        (d_time, d_rows, d_reqs), (t_time, t_rows, t_reqs) = _median_run(ours), _median_run(theirs)
        print(
            f"{title} ({args.latency_ms:g} ms added latency per request, median of {args.repeat})"
        )
        print(
            f"  distillr : {d_time:8.2f} s  {d_rows:>9,} rows  {d_reqs:>5} requests"
            f"   (runs: {', '.join(f'{r[0]:.2f}' for r in ours)})"
        )
        print(
            f"  twilio   : {t_time:8.2f} s  {t_rows:>9,} rows  {t_reqs:>5} requests"
            f"   (runs: {', '.join(f'{r[0]:.2f}' for r in theirs)})"
        )
        print(f"  ratio    : distillr is {t_time / d_time:.1f}x faster (goal >= 5x)")
        if {r[1] for r in ours} | {r[1] for r in theirs} != {d_rows}:
            print("  WARNING: row counts differ between runs or clients")
    (dec, dec_median), (build, build_median), (both, both_median) = (
        rate["decode"],
        rate["build"],
        rate["parse_build"],
    )
    print(
        "JSON page -> Arrow, rows/s of CPU time on one core (goal >= 300,000;"
        " fastest of 30 rounds, median in brackets):"
    )
    print(f"  records -> Arrow (BatchBuilder.build): {build:>9,.0f}  ({build_median:,.0f})")
    print(f"  page bytes -> Arrow (PageDecoder):     {dec:>9,.0f}  ({dec_median:,.0f})")
    print(f"  page bytes -> dicts -> build:          {both:>9,.0f}  ({both_median:,.0f})")


if __name__ == "__main__":
    main()
