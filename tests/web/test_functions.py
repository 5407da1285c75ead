"""Every function the editor's completion offers (frontend/src/functions.json) runs in
distillr, as its example shows, and its signature names it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import distillr

FUNCTIONS = json.loads(
    (Path(__file__).parents[2] / "frontend" / "src" / "functions.json").read_text()
)


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    with distillr.connect(tmp_path_factory.mktemp("home")) as con:
        yield con


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[f["name"] for f in FUNCTIONS])
def test_each_completed_function_runs(session, fn):
    assert fn["signature"].upper().startswith(fn["name"].upper())
    assert fn["example"].lower().startswith(fn["name"])
    rows = session.sql(f"SELECT {fn['example']} AS v").fetchall()
    assert len(rows) == (2 if fn["name"] == "flatten" else 1)  # FLATTEN makes a row a value


def test_no_function_is_listed_twice():
    names = [f["name"] for f in FUNCTIONS]
    assert len(names) == len(set(names)) and len(names) >= 30
