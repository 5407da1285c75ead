"""Options are checked at the edge, from a fresh ``distillr`` process: a value out of range is
a usage error (exit 2) that names the option, never "a bug in distillr" or a traceback; a
non-integer LIMIT is a query error (exit 1), as in Drill; files under ``DISTILLR_HOME`` are
private (mode 0600) whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import distillr
from distillr.errors import UsageError

SID = "AC0123456789abcdef0123456789abcdef"


def _run(args: list[str], env: dict, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "distillr.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=input if input is not None else "",
        preexec_fn=lambda: os.umask(0o022),
    )


def _all(cases: list[list[str]], env: dict) -> list[subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda args: _run(args, env), cases))


@pytest.mark.parametrize("group", ["timeout", "other"])
def test_out_of_range_options_are_usage_errors(group, child_env):
    if group == "timeout":
        values = ["-1", "0", "inf", "nan", "1e308", "10000000"]
        cases = [["query", "--timeout", v, "SELECT 1"] for v in values]
        option = "--timeout"
    else:
        cases = [
            ["query", "--max-rows", "-5", "SELECT 1"],
            *[
                ["source", "add", "twilio", "tw", "--account-sid", SID, "--no-verify"]
                + ["--auth-token-env", "FAKE_TOKEN", "--base-url", url]
                for url in ("http://[::1", "ftp://example.com", "http://me:hunter2@example.com")
            ],
        ]
        option = "--"
    for args, ran in zip(cases, _all(cases, child_env)):
        assert ran.returncode == 2, (args, ran.stderr)
        assert "Invalid value for" in ran.stderr and option in ran.stderr, ran.stderr
        assert "bug in distillr" not in ran.stderr and "Traceback" not in ran.stderr
        assert "hunter2" not in ran.stderr + ran.stdout


def test_a_valid_timeout_runs(child_env):
    ran = _run(["query", "--timeout", "30", "--format", "csv", "SELECT 1 AS one"], child_env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ['"one"', "1"]


def test_limit_and_offset_take_whole_numbers(child_env):
    cases = [
        ["query", "SELECT * FROM range(10) LIMIT 2.5"],
        ["query", "SELECT * FROM range(10) LIMIT 1e1"],
        ["query", "SELECT * FROM range(10) LIMIT '2'"],
        ["query", "SELECT * FROM range(10) LIMIT 2 OFFSET 1.5"],
        ["query", "SELECT * FROM range(10) FETCH FIRST 2.5 ROWS ONLY"],
        ["query", "SELECT 1 UNION ALL SELECT 2 LIMIT 0.5"],
    ]
    for args, ran in zip(cases, _all(cases, child_env)):
        assert ran.returncode == 1, (args, ran.stderr)
        assert "whole number of rows" in ran.stderr, ran.stderr
    ran = _run(["query", "--format", "csv", "SELECT * FROM range(10) LIMIT 2 OFFSET 3"], child_env)
    assert ran.returncode == 0 and ran.stdout.split()[1:] == ["3", "4"], ran.stderr


def test_python_timeouts_are_checked(home):
    con = distillr.connect(home)
    for bad in (-1, 0, float("inf"), float("nan"), 1e308, "10", True):
        with pytest.raises(UsageError):
            con.sql("SELECT 1", timeout=bad)
    assert con.sql("SELECT 1", timeout=5).fetchall() == [(1,)]


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_under_home_are_private(home, child_env):
    ran = _run(
        ["source", "add", "fake", "shop", "-o", "account=a", "--secret-env", "token=FAKE_TOKEN"],
        child_env,
    )
    assert ran.returncode == 0, ran.stderr
    assert _mode(home / "registry.db") == 0o600
    ran = _run(["users", "add", "ann", "--password-stdin"], child_env, input="a-long-password\n")
    assert ran.returncode == 0, ran.stderr
    assert _mode(home / "web_auth.sqlite") == 0o600


def test_shell_history_is_private(home, child_env):
    pexpect = pytest.importorskip("pexpect")
    env = child_env | {"PROMPT_TOOLKIT_NO_CPR": "1", "NO_COLOR": "1"}
    old = os.umask(0o022)
    try:
        child = pexpect.spawn(
            sys.executable, ["-m", "distillr.cli", "shell"], env=env, encoding="utf-8", timeout=30
        )
    finally:
        os.umask(old)
    try:
        child.expect("distillr")
        child.send("SELECT '+15551234567';\r")
        child.expect("15551234567")
        child.send(".quit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert "+15551234567" in (home / "shell_history").read_text()
    assert _mode(home / "shell_history") == 0o600


def test_sql_text_is_capped_before_parsing(child_env, tmp_path):
    big = tmp_path / "big.sql"
    big.write_text("SELECT * FROM range(3) WHERE range IN (" + "1, " * 400_000 + "2)")
    deep = "SELECT " + "(" * 40 + "1" + ")" * 40
    chain = "SELECT " + " + ".join(["1"] * 2000)
    cases = [["query", "--file", str(big)], ["query", deep], ["query", chain]]
    big_run, deep_run, chain_run = _all(cases, child_env)
    assert big_run.returncode == 1 and "at most 1,048,576 bytes" in big_run.stderr
    assert deep_run.returncode == 1 and "at most 32 levels" in deep_run.stderr
    assert chain_run.returncode == 1 and "nest too deeply" in chain_run.stderr
    for ran in (big_run, deep_run, chain_run):
        assert "SET" not in ran.stderr and "Traceback" not in ran.stderr, ran.stderr


def test_nesting_counts_only_real_parentheses(home):
    con = distillr.connect(home)
    quoted = "SELECT '" + "(" * 50 + "' AS a, 1 AS `" + "(" * 50 + "` -- " + "(" * 50
    assert con.sql(quoted).fetchall()[0][1] == 1
    assert con.sql("SELECT " + "(" * 30 + "1" + ")" * 30).fetchall() == [(1,)]
