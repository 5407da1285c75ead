"""Importing Twilio's API 2010 OpenAPI spec (read, resolve, make every table's definition and
validate it) against the bare `json.loads` of the same file, measured alternately in the same
run.

Goal: the whole import takes under 2 s. Prints the time, the number of tables and the ratio to
the bare parse.

    python bench/openapi_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

GOAL_SECONDS = 2.0
SPEC = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "openapi"
    / "specs"
    / "twilio"
    / "twilio_api_v2010.json"
)
SID = "AC" + "0" * 32


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from distillr.connectors.rest.openapi import import_openapi, load_spec

    imports, parses, tables = [], [], 0
    for _ in range(args.runs):
        started = time.perf_counter()
        json.loads(SPEC.read_bytes())
        parses.append(time.perf_counter() - started)
        started = time.perf_counter()
        made = import_openapi(
            load_spec(SPEC), params={"AccountSid": SID}, options={"username": SID}
        )
        tables = len(made.source_def().endpoints)
        imports.append(time.perf_counter() - started)
    took, bare = statistics.median(imports), statistics.median(parses)
    print(f"spec: {SPEC.name} ({SPEC.stat().st_size / 1e6:.1f} MB), {args.runs} runs")
    print(f"json.loads (baseline): {bare * 1000:.0f} ms")
    print(f"import: {took * 1000:.0f} ms, {tables} tables ({took / bare:.1f}x the bare parse)")
    ok = took < GOAL_SECONDS
    print(f"goal: under {GOAL_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
