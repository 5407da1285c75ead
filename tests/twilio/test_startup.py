"""A LIMIT 0 query loads only what it needs: no HTTP client, no pandas, one table built.

These keep `distillr query` start-up near the bare imports of duckdb, pyarrow and sqlglot
(bench/cli_bench.py measures it).
"""

from __future__ import annotations

import json
import subprocess
import sys

SCRIPT = """
import json, sys
import distillr
from distillr.connectors.twilio import TwilioConnector
from distillr.connectors.twilio import tables

con = distillr.connect(home=sys.argv[1])
src = TwilioConnector("tw", account_sid="AC" + "0" * 32, auth_token="not-used",
                      base_url="http://127.0.0.1:9")
con.register("tw", src)
res = con.sql("SELECT * FROM tw.messages LIMIT 0")
table = res.arrow()
print(json.dumps({
    "rows": table.num_rows, "columns": len(table.column_names),
    "requests": res.stats.requests,
    "httpx": "httpx" in sys.modules, "pandas": "pandas" in sys.modules,
    "client": src.http._client is not None,
    "built": tables.twilio_table_at.cache_info().currsize,
}))
"""


def test_limit_0_loads_no_http_client_and_no_pandas(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["rows"] == 0 and out["columns"] > 10 and out["requests"] == 0
    assert not out["httpx"] and not out["client"] and not out["pandas"]
    assert out["built"] == 1  # only the messages table was derived from the catalog


def test_warm_up_imports_pandas_in_the_background_once():
    script = """
import sys, threading
from distillr.connectors.arrow import warm_up
warm_up(); warm_up()
threads = [t for t in threading.enumerate() if t.name == "distillr-warm-up"]
for t in threads:
    t.join()
print(len(threads), "pandas" in sys.modules)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True"]


def test_the_first_request_of_a_scan_starts_the_warm_up(sandbox, tmp_path, monkeypatch):
    """pyarrow's first conversion of Python values imports pandas (~0.5 s); the connector
    starts that import before it sends a request, so the two overlap."""
    from twilio_helpers import session_for

    from distillr.connectors.twilio import connector

    seen = []
    monkeypatch.setattr(connector, "warm_up", lambda: seen.append(len(sandbox.requests)))
    for sql in (
        "SELECT sid FROM src.messages LIMIT 5",  # read() sends the first request
        # planning reads page one to split the scan into date ranges
        "SELECT sid FROM src.messages WHERE date_sent >= TIMESTAMP '2001-01-01'",
    ):
        sandbox.clear_requests()
        seen.clear()
        session_for(sandbox, tmp_path / str(len(sql))).sql(sql).arrow()
        assert seen and seen[0] == 0, sql
