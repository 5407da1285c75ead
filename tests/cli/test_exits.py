"""Every error path of a fresh ``distillr`` process ends with its documented exit code (1 for
a query, API or configuration error, 2 for a usage error), never by a signal: no thread may
still be inside DuckDB when the interpreter exits (it used to abort with SIGABRT, 134)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

# (name, arguments after ``distillr``, documented exit code)
ERRORS: list[tuple[str, list[str], int]] = [
    ("parse error", ["query", "SELEC 1"], 1),
    ("unterminated string", ["query", "SELECT 'abc"], 1),
    ("unknown source", ["query", "SELECT * FROM nosuch.calls"], 1),
    ("unknown table", ["query", "SELECT * FROM shop.itmes"], 1),
    ("unknown column", ["query", "SELECT nope FROM shop.items"], 1),
    ("create table", ["query", "CREATE TABLE t (a INT)"], 1),
    ("attach", ["query", "ATTACH 'x.db' AS x"], 1),
    ("two statements", ["query", "SELECT 1; SELECT 2"], 1),
    ("unknown function", ["query", "SELECT no_such_fn(1)"], 1),
    ("missing parameter", ["query", "SELECT * FROM shop.`/Items/:ItemId/Parts`"], 1),
    ("strict cast", ["query", "SELECT CAST('x' AS INT)"], 1),
    ("timeout", ["query", "--timeout", "0.3", "SELECT count(*) FROM slowshop.slow"], 1),
    ("unknown source to show", ["source", "show", "nosuch"], 1),
    ("non-integer limit", ["query", "SELECT * FROM range(5) LIMIT 2.5"], 1),
    ("deep nesting", ["query", "SELECT " + "(" * 40 + "1" + ")" * 40], 1),
    ("install", ["query", "INSTALL httpfs"], 1),
    ("query function", ["query", "SELECT * FROM query('SELECT 1')"], 1),
    ("negative timeout", ["query", "--timeout", "-1", "SELECT 1"], 2),
    ("infinite timeout", ["query", "--timeout", "inf", "SELECT 1"], 2),
    ("negative max rows", ["query", "--max-rows", "-5", "SELECT 1"], 2),
    (
        "malformed base url",
        ["source", "add", "twilio", "tw", "--account-sid", "AC" + "0" * 32]
        + ["--auth-token-env", "FAKE_TOKEN", "--no-verify", "--base-url", "http://[::1"],
        2,
    ),
    ("bad option value", ["query", "--format", "xml", "SELECT 1"], 2),
    ("unknown option", ["query", "--nope", "SELECT 1"], 2),
    ("empty sql", ["query", "   "], 2),
    ("missing file", ["query", "--file", "/nonexistent/q.sql"], 2),
    ("unknown command", ["quer", "SELECT 1"], 2),
]


@pytest.fixture
def sources(cli, shop):
    ran = cli(
        "source",
        "add",
        "fake",
        "slowshop",
        "-o",
        "account=a",
        "-o",
        "delay=0.05",
        "--secret-env",
        "token=FAKE_TOKEN",
    )
    assert ran.code == 0, ran.text


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distillr.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def _check(name: str, args: list[str], code: int, ran: subprocess.CompletedProcess) -> str | None:
    if ran.returncode < 0:
        return f"{name}: killed by signal {-ran.returncode}: {ran.stderr[-300:]}"
    if ran.returncode != code:
        return f"{name}: exit {ran.returncode}, documented {code}: {ran.stderr[-300:]}"
    if "Traceback" in ran.stderr or "terminate called" in ran.stderr:
        return f"{name}: {ran.stderr[-300:]}"
    if "Error" not in ran.stderr:
        return f"{name}: no error line: {ran.stderr[-300:]}"
    return None


def test_each_error_class_exits_with_its_code(sources, child_env):
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda e: _run(e[1], child_env), ERRORS))
    problems = [_check(*e, ran) for e, ran in zip(ERRORS, runs)]
    assert [p for p in problems if p] == []


@pytest.mark.slow
def test_many_fresh_processes_never_die_from_a_signal(sources, child_env):
    count = int(os.environ.get("DISTILLR_EXIT_RUNS", "200"))
    rng = random.Random(19)
    picks = [rng.choice(ERRORS) for _ in range(count)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda e: _run(e[1], child_env), picks))
    problems = [_check(*e, ran) for e, ran in zip(picks, runs)]
    assert [p for p in problems if p] == []
    assert len(runs) == count


def test_a_script_that_catches_the_error_exits_cleanly(home, tmp_path):
    script = tmp_path / "caught.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            import distillr

            con = distillr.connect()
            for sql in ("SELEC 1", "SELECT * FROM nosuch.calls", "CREATE TABLE t (a INT)"):
                try:
                    con.sql(sql)
                except distillr.DistillrError as exc:
                    print(type(exc).__name__)
            sys.exit(3)
            """
        )
    )
    for _ in range(5):
        ran = subprocess.run(
            [sys.executable, str(script)],
            env=dict(os.environ, DISTILLR_HOME=str(home)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ran.returncode == 3, ran.stderr
        assert ran.stdout.split() == ["SqlError", "CatalogError", "UnsupportedError"]
        assert "terminate called" not in ran.stderr
