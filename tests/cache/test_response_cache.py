"""The response cache: repeated scans make no requests, other credentials or parameters miss,
truncated pages are never stored, and processes can share it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import zlib

import pytest

import distillr
from distillr.connectors.cache import ResponseCache, parse_ttl
from distillr.connectors.pagecodec import from_ipc
from distillr.registry import Registry

SCAN = "SELECT sid, `to`, status, date_sent FROM tw.messages"


def _sandbox(**kw):
    from distillr.sandbox import TwilioSandbox

    return TwilioSandbox(seed=5, scale="tiny", messages=2500, **kw)


@pytest.fixture(scope="module")
def sandbox():
    with _sandbox() as sb:
        yield sb


def _home(sb, tmp_path, ttl=900.0):
    home = tmp_path / "home"
    reg = Registry(home)
    reg.add(
        "twilio",
        "tw",
        {"account_sid": sb.account_sid, "base_url": sb.base_url},
        {"auth_token": sb.auth_token},
        verify=False,
    )
    ResponseCache(home).set_ttl("tw", ttl)
    return home


def _scan(home, sql=SCAN, **options):
    con = distillr.connect(home=str(home), **options)
    try:
        res = con.sql(sql)
        rows = sorted(res.fetchall(), key=repr)
        return rows, res.stats
    finally:
        con.close()


def test_a_repeated_scan_makes_no_requests_and_returns_the_same_rows(sandbox, tmp_path):
    home = _home(sandbox, tmp_path)
    sandbox.clear_requests()
    first, stats1 = _scan(home)
    pages = len(sandbox.requests)
    assert pages >= 3 and stats1.cached == 0
    sandbox.clear_requests()
    second, stats2 = _scan(home)
    assert len(sandbox.requests) == 0
    assert stats2.requests == 0 and stats2.cached == pages
    assert stats2.cache_age is not None and stats2.cache_age < 60
    assert second == first
    assert stats2.to_dict()["cached"] == pages
    con = distillr.connect(home=str(home))
    assert "cache:          on (ttl 15m" in con.explain(SCAN).text
    con.close()
    # --no-cache skips it
    sandbox.clear_requests()
    third, stats3 = _scan(home, cache=False)
    assert len(sandbox.requests) == pages and stats3.cached == 0 and third == first


def test_other_parameters_or_credentials_miss(sandbox, tmp_path):
    home = _home(sandbox, tmp_path)
    rows, _ = _scan(home)
    sandbox.clear_requests()
    _scan(home, SCAN + f" WHERE `to` = '{rows[0][1]}'")  # pushed: another query string
    assert len(sandbox.requests) > 0
    sandbox.clear_requests()
    _scan(home, SCAN + " WHERE status = 'delivered'")  # filtered locally: the same pages
    assert len(sandbox.requests) == 0
    reg = Registry(home)
    reg.update(
        "tw", {"api_key": sandbox.api_key_sid}, {"api_secret": sandbox.api_key_secret}, verify=False
    )
    sandbox.clear_requests()
    rows, stats = _scan(home)
    assert len(sandbox.requests) > 0 and stats.cached == 0 and rows


def test_the_cache_holds_no_credential(sandbox, tmp_path):
    home = _home(sandbox, tmp_path)
    _scan(home)
    for name in os.listdir(home):
        if name.startswith("cache.db"):
            data = (home / name).read_bytes()
            assert sandbox.auth_token.encode() not in data
    con = sqlite3.connect(home / "cache.db")
    keys = [k for (k,) in con.execute("SELECT key FROM pages")]
    assert keys and all(len(k) == 64 for k in keys)
    assert oct(os.stat(home / "cache.db").st_mode & 0o777) == "0o600"


def test_a_truncated_page_is_never_cached(tmp_path):
    with _sandbox(faults="truncate=0.4") as faulty:
        home = _home(faulty, tmp_path)
        rows, stats = _scan(home)
        retried = sum(t.scan.retries for t in stats.tables)
        assert retried > 0, "no page was truncated: the test proves nothing"
        con = sqlite3.connect(home / "cache.db")
        stored = list(con.execute("SELECT body, meta FROM pages"))
        con.close()
        assert any(json.loads(meta).get("arrow") for _, meta in stored)
        for body, meta in stored:  # every stored page reads whole
            if json.loads(meta).get("arrow"):
                assert from_ipc(body).num_rows > 0
            else:
                json.loads(zlib.decompress(body))
        faulty.clear_requests()
        again, _ = _scan(home)
        assert len(faulty.requests) == 0 and again == rows
    with _sandbox() as clean:
        home2 = _home(clean, tmp_path / "b")
        want, _ = _scan(home2)
    # the pages served from the cache hold every row a clean run reads
    assert [r[:3] for r in again] == [r[:3] for r in want]


CHILD = """
import sys, distillr
con = distillr.connect(home=sys.argv[1])
n = None
for _ in range(3):
    rows = con.sql("SELECT sid, status FROM tw.messages").fetchall()
    assert n is None or len(rows) == n
    n = len(rows)
print(n)
"""


@pytest.mark.slow
def test_two_processes_share_the_cache(sandbox, tmp_path):
    home = _home(sandbox, tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(home)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()
    counts = {out.strip() for out, _ in outs}
    assert len(counts) == 1 and int(counts.pop()) > 1000
    con = sqlite3.connect(home / "cache.db")
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    con.close()


def test_ttl_expiry_and_lru_bound(tmp_path):
    cache = ResponseCache(tmp_path, max_bytes=20_000)
    for i in range(200):
        cache.put(f"k{i}", "s", os.urandom(500), {})
    total = sum(v["bytes"] for v in cache.stats().values())
    assert total <= 20_000 + 16 * 600  # evicted down to the bound (checked every 16 puts)
    assert cache.get("k199", 60) is not None and cache.get("k0", 60) is None
    assert cache.get("k199", 1e-9) is None  # past its time to live
    assert parse_ttl("15m") == 900 and parse_ttl("2h") == 7200 and parse_ttl(30) == 30


def test_removing_a_source_forgets_its_pages(sandbox, tmp_path):
    home = _home(sandbox, tmp_path)
    _scan(home)
    reg = Registry(home)
    reg.rename("tw", "tw2")
    cache = ResponseCache(home)
    assert cache.ttl("tw2") == 900 and cache.ttl("tw") is None
    reg.remove("tw2")
    assert cache.ttl("tw2") is None and cache.stats() == {}
