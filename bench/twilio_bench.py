"""Twilio full-scan benchmark: distillr against the official ``twilio`` library.

Both read every message of a sandbox account holding ``--messages`` messages, with
``--latency-ms`` added to every request, in the same run:

- distillr: ``con.sql("SELECT * FROM src.messages").arrow()``
- twilio:   ``client.messages.list(page_size=1000)`` into a pandas DataFrame

It prints both times, their ratio (goal: distillr at least 5x faster), the requests each made
(from the sandbox's log), and the throughput of distillr's JSON-to-Arrow conversion on real
message pages (goal: at least 300,000 rows/s on one core).

    .venv/bin/python bench/twilio_bench.py [--messages 100000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

import httpx
import pandas as pd

import distillr
from distillr.connectors.twilio import TwilioConnector
from distillr.connectors.twilio.tables import twilio_tables
from distillr.sandbox import TwilioSandbox

FIELDS = ["account_sid", "api_version", "body", "date_created", "date_sent", "date_updated",
          "direction", "error_code", "error_message", "from_", "messaging_service_sid",
          "num_media", "num_segments", "price", "price_unit", "sid", "status",
          "subresource_uris", "to", "uri"]


def run_distillr(sb: TwilioSandbox, query: str) -> tuple[float, int, int]:
    src = TwilioConnector("src", account_sid=sb.account_sid, auth_token=sb.auth_token,
                          base_url=sb.base_url)
    with tempfile.TemporaryDirectory() as home:
        con = distillr.connect(home=home)
        con.register("src", src)
        sb.clear_requests()
        t0 = time.perf_counter()
        table = con.sql(query).arrow()
        elapsed = time.perf_counter() - t0
    src.close()
    return elapsed, table.num_rows, len(sb.requests)


def run_twilio(sb: TwilioSandbox) -> tuple[float, int, int]:
    from twilio.rest import Client

    for var in ("TWILIO_EDGE", "TWILIO_REGION"):
        os.environ.pop(var, None)
    client = Client(sb.account_sid, sb.auth_token)
    client.api.base_url = sb.base_url
    sb.clear_requests()
    t0 = time.perf_counter()
    messages = client.messages.list(page_size=1000)
    frame = pd.DataFrame([{f: getattr(m, f) for f in FIELDS} for m in messages])
    elapsed = time.perf_counter() - t0
    return elapsed, len(frame), len(sb.requests)


def conversion_throughput(sb: TwilioSandbox, rounds: int = 20) -> float:
    """Rows per second of connectors/arrow.py on real message pages (one core)."""
    table = next(t for t in twilio_tables() if t.name == "messages")
    url = f"{sb.base_url}/2010-04-01/Accounts/{sb.account_sid}/Messages.json"
    with httpx.Client(auth=(sb.account_sid, sb.auth_token)) as http:
        pages = []
        next_url: str | None = url + "?PageSize=1000"
        while next_url and len(pages) < 5:
            body = http.get(next_url).json()
            pages.append(body["messages"])
            nxt = body.get("next_page_uri")
            next_url = sb.base_url + nxt if nxt else None
    rows = 0
    t0 = time.perf_counter()
    for _ in range(rounds):
        for page in pages:
            rows += table.builder.build(page, {"account_sid": sb.account_sid}).num_rows
    return rows / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    with TwilioSandbox(seed=42, messages=args.messages, latency_ms=args.latency_ms) as sb:
        rate = conversion_throughput(sb)
        d_time, d_rows, d_reqs = run_distillr(sb, "SELECT * FROM src.messages")
        t_time, t_rows, t_reqs = run_twilio(sb)

    print(f"Full scan of {t_rows:,} messages, {args.latency_ms:g} ms added latency per request")
    print(f"  distillr : {d_time:8.2f} s  {d_rows:>9,} rows  {d_reqs:>5} requests")
    print(f"  twilio   : {t_time:8.2f} s  {t_rows:>9,} rows  {t_reqs:>5} requests")
    print(f"  ratio    : distillr is {t_time / d_time:.1f}x faster (goal >= 5x)")
    if d_rows != t_rows:
        print(f"  WARNING: row counts differ ({d_rows} vs {t_rows})")
    print(f"JSON -> Arrow conversion: {rate:,.0f} rows/s on one core (goal >= 300,000)")


if __name__ == "__main__":
    main()
