"""What `distillr query` start-up relies on (bench/cli_bench.py measures the time): a LIMIT 0
query on a saved Twilio source imports none of the heavy modules it does not need, and runs
with the garbage collector paused until its statement is planned (distillr.cli.startup).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys

import pytest

from distillr.cli import startup

# Runs the console script's main() as `distillr query ...`, recording the collector's work.
SCRIPT = """
import atexit, gc, json, sys
runs = {0: 0, 1: 0, 2: 0}
def count(phase, info):
    if phase == "start":
        runs[info["generation"]] += 1
gc.callbacks.append(count)
def report():
    print("STARTUP " + json.dumps({"collections": runs, "enabled": gc.isenabled(),
                                   "frozen": gc.get_freeze_count()}), file=sys.stderr)
atexit.register(report)
sys.argv = ["distillr", "query", "SELECT * FROM demo.messages LIMIT 0", "--format", "csv"]
from distillr.cli import main
main()
"""

# Not needed to run a LIMIT 0 query and print CSV: the terminal table and its console, the
# registry's write path, the HTTP client (no request is made), pandas, and the pyarrow
# modules other formats and operations use.
NOT_IMPORTED = [
    "rich",
    "sqlalchemy",
    "alembic",
    "httpx",
    "pandas",
    "pyarrow.parquet",
    "pyarrow.compute",
    "prompt_toolkit",
    "fastapi",
    "uvicorn",
]


@pytest.fixture(scope="module")
def limit_0_run(tmp_path_factory):
    from distillr.registry import Registry

    home = tmp_path_factory.mktemp("home")
    # a closed port: the query must not need the API at all
    Registry(home).add(
        "twilio",
        "demo",
        {"account_sid": "AC" + "1" * 32, "base_url": "http://127.0.0.1:9"},
        {"auth_token": "t" * 32},
        verify=False,
    )
    env = dict(os.environ, DISTILLR_HOME=str(home))
    env.pop("DISTILLR_SECRET_KEY", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    modules = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    report = [line for line in done.stderr.splitlines() if line.startswith("STARTUP ")]
    assert len(report) == 1, done.stderr[-3000:]
    return done.stdout, modules, json.loads(report[0].removeprefix("STARTUP "))


def test_limit_0_query_answers_without_a_request(limit_0_run):
    out, modules, _ = limit_0_run
    header = out.splitlines()
    assert len(header) == 1 and '"sid"' in header[0] and '"date_sent"' in header[0]
    assert "duckdb" in modules and "cryptography.fernet" in modules  # the log is complete


@pytest.mark.parametrize("module", NOT_IMPORTED)
def test_limit_0_query_does_not_import(limit_0_run, module):
    _, modules, _ = limit_0_run
    assert module not in modules


def test_collector_waits_until_the_query_is_planned(limit_0_run):
    _, _, report = limit_0_run
    runs = {int(k): v for k, v in report["collections"].items()}
    # with the collector on, loading the engine ran ~140 collections, one over every object
    assert runs[2] == 0, runs
    assert sum(runs.values()) < 60, runs  # those while typer loads, before main() runs
    assert report["enabled"]  # back on once planned: a long query collects as usual
    assert report["frozen"] > 10_000  # what start-up loaded is out of the collector's sight


@pytest.fixture
def paused():
    """The collector paused as `distillr`'s main() does; restored afterwards."""
    assert gc.isenabled() and not startup.paused()
    frozen = gc.get_freeze_count()
    startup.pause()
    yield
    startup.resume()
    if gc.get_freeze_count() > frozen:
        gc.unfreeze()
    gc.enable()


def test_other_commands_resume_the_collector_before_they_run(cli, home, paused):
    assert not gc.isenabled()
    ran = cli("source", "list")
    assert ran.code == 0, ran.text
    assert gc.isenabled() and not startup.paused()


def test_query_resumes_the_collector_once_planned(cli, shop, paused):
    assert not gc.isenabled()
    ran = cli("query", "SELECT id FROM shop.items ORDER BY id LIMIT 2", "--format", "csv")
    assert ran.code == 0 and ran.out.splitlines() == ['"id"', "1", "2"], ran.text
    assert gc.isenabled() and not startup.paused()


def test_run_in_process_leaves_the_collector_alone(cli, shop):
    frozen = gc.get_freeze_count()
    ran = cli("query", "SELECT id FROM shop.items LIMIT 1", "--format", "csv")
    assert ran.code == 0, ran.text
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_builtin_type_is_found_without_reading_every_package():
    from distillr.registry import types

    types._entry_points.cache_clear()
    try:
        assert types.connector_class("twilio").__name__ == "TwilioConnector"
        assert types._entry_points.cache_info().currsize == 0  # no scan of every package
    finally:
        types._entry_points.cache_clear()


def test_plugin_types_are_still_found(fake_type):
    from distillr.registry import types

    assert types.connector_class("fake").type == "fake"
    assert types.available_types() == ["fake", "files", "rest", "twilio"]
