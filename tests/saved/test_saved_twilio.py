"""Saved tables over the Twilio sandbox: an incremental refresh asks only for new days, and a
refresh killed halfway leaves the saved table as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import distillr
from distillr.registry import Registry

SQL = "SELECT sid, date_sent, status, `to` FROM tw.messages"


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=11, scale="tiny", messages=2500) as sb:
        yield sb


@pytest.fixture
def home(sandbox, tmp_path):
    reg = Registry(tmp_path / "home")
    reg.add(
        "twilio",
        "tw",
        {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
        {"auth_token": sandbox.auth_token},
        verify=False,
    )
    return tmp_path / "home"


@pytest.mark.slow
def test_incremental_refresh_sends_the_date_bound_and_equals_a_full_save(sandbox, home):
    con = distillr.connect(home=str(home))
    sandbox.clear_requests()
    con.save("msgs", SQL, incremental="date_sent", key="sid")
    full_pages = len(sandbox.requests)
    assert full_pages >= 2
    sandbox.clear_requests()
    con.refresh("msgs")
    sent = [dict(r["query"]) for r in sandbox.requests]
    assert sent and all("DateSent>" in q for q in sent)
    assert len(sent) < full_pages
    con.save("again", SQL)
    a = sorted(con.sql("SELECT * FROM saved.msgs").fetchall())
    b = sorted(con.sql("SELECT * FROM saved.again").fetchall())
    assert a == b and len(a) > 1000
    con.close()


@pytest.mark.slow
def test_a_refresh_killed_halfway_leaves_the_table_whole(home, tmp_path):
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=11, scale="tiny", messages=2500, latency_ms=400) as slow:
        Registry(home).update(
            "tw", {"base_url": slow.base_url}, {"auth_token": slow.auth_token}, verify=False
        )
        con = distillr.connect(home=str(home))
        con.save("msgs", SQL)
        before = sorted(con.sql("SELECT * FROM saved.msgs").fetchall())
        slow.clear_requests()
        env = {**os.environ, "DISTILLR_HOME": str(home)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "distillr.cli", "refresh", "msgs"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 30
        while len(slow.requests) < 2 and time.time() < deadline:
            time.sleep(0.05)
        assert len(slow.requests) >= 2, "the refresh did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = sorted(con.sql("SELECT * FROM saved.msgs").fetchall())
        assert after == before
        folder = Path(home) / "saved"
        assert len([p for p in folder.glob("msgs.*.parquet")]) == 1
        con.refresh("msgs")  # the next refresh cleans what the killed one left
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        con.close()
