"""The sandbox's data is a pure function of its arguments: a digest of every table it generates,
at fixed seeds, scales and dates, must match the digests recorded in
``fixtures/data_digests.json``.

What is digested, per configuration (see ``CONFIGS``):

- every table of the dataset (calls, messages, recordings, conferences, ...), every column in the
  table's order (the schema's fields, then the helper columns filters use), each column as the
  JSON text of every row: the bytes the server sends. One digest per column, so that a failure
  names the table and column that changed;
- the endpoint bindings (which endpoint lists which table, selected by which columns), the API
  keys and each account's balance;
- one digest per table (all its columns) for the tables computed per request: the account list
  as each account sees it, every usage-records endpoint for each account, and the records built
  from the schema for every other list endpoint, for each account (a nested endpoint under the
  first record of its parent, or under a fixed SID when the sandbox holds no parent); one digest
  per endpoint, over every account.

``seed42-large`` (the benchmarks' data set) takes about a minute, so it runs only when
``DISTILLR_DIGEST_LARGE=1`` is set. A change that is meant to alter the data (a new field, a
fixed bug) regenerates the file and says so in its commit::

    .venv/bin/python tests/sandbox/test_data_digests.py          # rewrite the fixture
    .venv/bin/python tests/sandbox/test_data_digests.py --check  # list differences only"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from distillr.sandbox import TwilioSandbox
from distillr.sandbox.twilio.store import Store
from distillr.sandbox.twilio.table import Derived, Table

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "data_digests.json"
NOW = "2026-01-15"  # pinned: the data's dates count back from the start of this day
LARGE = "seed42-large"

#: name -> TwilioSandbox arguments. ``small`` at seed 42 is the default sandbox, seed 7 ``small``
#: and seed 3 ``tiny`` are the test suite's shared ones; the others reach the remaining branches
#: (no traffic at all, more rows than a tiny scale's numbers, medium's thousands of executions,
#: large's capped conferences, conversations and alerts).
CONFIGS: dict[str, dict] = {
    "seed42-small": {"seed": 42, "scale": "small"},
    "seed7-small": {"seed": 7, "scale": "small"},
    "seed3-tiny": {"seed": 3, "scale": "tiny"},
    "seed11-tiny-9000-messages-4000-calls": {
        "seed": 11,
        "scale": "tiny",
        "messages": 9000,
        "calls": 4000,
    },
    "seed5-tiny-no-traffic": {"seed": 5, "scale": "tiny", "messages": 0, "calls": 0},
    "seed42-medium": {"seed": 42, "scale": "medium"},
    LARGE: {"seed": 42, "scale": "large"},
}
PLACEHOLDER_SID = "XX" + "0" * 32  # a parent the sandbox generates records for, not holds


def _digest(texts: list[str]) -> str:
    return hashlib.blake2b("\n".join(texts).encode(), digest_size=8).hexdigest()


def column_texts(table: Table) -> dict[str, list[str]]:
    """Each column's JSON text of every row, in the table's column order (fields first)."""
    idx = np.arange(table.n, dtype=np.int64)
    names = list(table.fields) + [c for c in table.columns if c not in table.fields]
    texts: dict[str, list[str]] = {}
    for name in names:
        col = table.columns[name]
        if not isinstance(col, Derived):
            texts[name] = col.take_json(idx)
    for name in names:
        col = table.columns[name]
        if isinstance(col, Derived):
            texts[name] = col.fn(texts)
    return {name: texts[name] for name in names}


def table_digest(table: Table, per_column: bool = True) -> dict:
    cols = {name: _digest(texts) for name, texts in column_texts(table).items()}
    if not per_column:
        cols = {"all": _digest([f"{name}={d}" for name, d in cols.items()])}
    return {"rows": table.n, "columns": cols}


def _records_digest(records: list) -> dict:
    return {"rows": len(records), "columns": {"all": _digest([json.dumps(r) for r in records])}}


def _parent_value(data, ep: dict, account: str, name: str) -> str:
    """The value of path parameter ``name``: the key of the first parent record the account has."""
    path = ep["path"]
    parent = path.split("/{" + name + "}")[0] + (".json" if path.endswith(".json") else "")
    binding = data.bindings.get((ep["product"], parent))
    if binding is None:
        return PLACEHOLDER_SID
    table = data.tables[binding.table]
    mask = np.ones(table.n, dtype=bool)
    if "account_sid" in table.columns:
        mask &= table.columns["account_sid"].eq_mask(account)
    rows = np.flatnonzero(mask)
    if not len(rows):
        return PLACEHOLDER_SID
    return json.loads(table.columns[binding.fetch_column].take_json(rows[:1])[0])


def _per_request_table(data, store: Store, ep: dict, accounts: list[str]) -> dict:
    """One digest over every account's table of ``ep`` (computed per request or per parent)."""
    rows, parts = 0, []
    for account in accounts:
        params = {"AccountSid": account}
        if ep["path"] == "/2010-04-01/Accounts.json":
            params["__caller"] = account
        elif "/Usage/Records" not in ep["path"]:
            for p in ep.get("path_params", []):
                if p["name"] != "AccountSid":
                    params[p["name"]] = _parent_value(data, ep, account, p["name"])
        table, _ = store.table_for(ep, account, params, {})
        entry = table_digest(table, per_column=False)
        rows += entry["rows"]
        parts.append(f"{account}:{entry['rows']}:{entry['columns']['all']}")
    return {"rows": rows, "columns": {"all": _digest(parts)}}


def digests(kwargs: dict) -> dict[str, dict]:
    """Every generated table of one sandbox, by a stable name, as row counts and digests."""
    data = TwilioSandbox(now=NOW, **kwargs).data
    out = {f"table:{name}": table_digest(t) for name, t in sorted(data.tables.items())}
    accounts = list(data.account_order)
    wiring = [
        [product, path, b.table, b.params, b.fetch_column, b.fixed]
        for (product, path), b in sorted(data.bindings.items())
    ]
    out["bindings"] = _records_digest(wiring)
    out["api_keys"] = _records_digest([[k, s, a] for k, (s, a) in data.api_keys.items()])
    out["balances"] = _records_digest([data.balance(a) for a in accounts])
    store = Store(data, data.catalog)
    for ep in sorted(data.catalog["endpoints"], key=lambda e: (e["product"], e["path"])):
        if (ep["product"], ep["path"]) not in data.bindings:  # bound ones are digested above
            out[f"{ep['product']}:{ep['path']}"] = _per_request_table(data, store, ep, accounts)
    return out


def compare(expected: dict, actual: dict) -> list[str]:
    """Human-readable differences, one line per changed table or column."""
    diffs = []
    for key in sorted(set(expected) | set(actual)):
        e, a = expected.get(key), actual.get(key)
        if e is None or a is None:
            diffs.append(f"{key}: {'new' if e is None else 'gone'}")
            continue
        if e["rows"] != a["rows"]:
            diffs.append(f"{key}: {e['rows']} rows, now {a['rows']}")
        if list(e["columns"]) != list(a["columns"]):
            diffs.append(f"{key}: columns {list(e['columns'])}, now {list(a['columns'])}")
        for col, value in e["columns"].items():
            if col in a["columns"] and a["columns"][col] != value:
                diffs.append(f"{key}.{col}: values changed")
    return diffs


def _recorded() -> dict:
    return json.loads(FIXTURE.read_text())


def _config_params():
    large = pytest.mark.skipif(
        not os.environ.get("DISTILLR_DIGEST_LARGE"), reason="set DISTILLR_DIGEST_LARGE=1 (a minute)"
    )
    return [
        pytest.param(name, marks=[pytest.mark.slow, large] if name == LARGE else [])
        for name in CONFIGS
    ]


@pytest.mark.parametrize("config", _config_params())
def test_same_seed_gives_byte_identical_data(config):
    recorded = _recorded()
    assert config in recorded, f"no digests for {config}: regenerate {FIXTURE.name}"
    diffs = compare(recorded[config], digests(CONFIGS[config]))
    assert diffs == [], f"{config}: {len(diffs)} differences, first: {diffs[:20]}"


def test_fixture_covers_exactly_the_configs():
    assert list(_recorded()) == list(CONFIGS)


def test_compare_names_what_changed():
    before = {"table:x": {"rows": 2, "columns": {"a": "1", "b": "2"}}}
    after = {"table:x": {"rows": 2, "columns": {"a": "1", "b": "3"}}, "table:y": before["table:x"]}
    assert compare(before, after) == ["table:x.b: values changed", "table:y: new"]
    assert compare(after, before) == ["table:x.b: values changed", "table:y: gone"]
    assert compare(before, before) == []


def test_digests_see_a_changed_value():
    data = TwilioSandbox(seed=3, scale="tiny", now=NOW).data
    table = data.tables["calls"]
    before = table_digest(table)
    table.columns["date_created"].secs[-1] += 1  # the oldest call, a second later
    after = table_digest(table)
    assert compare({"t": before}, {"t": after}) == ["t.date_created: values changed"]


def _fixture_text(actual: dict[str, dict]) -> str:
    """JSON with one line per table, so that a diff of the file shows which tables changed."""
    configs = []
    for name, tables in actual.items():
        lines = [f"  {json.dumps(key)}: {json.dumps(entry)}" for key, entry in tables.items()]
        configs.append(f" {json.dumps(name)}: {{\n" + ",\n".join(lines) + "\n }")
    return "{\n" + ",\n".join(configs) + "\n}\n"


def main(argv: list[str]) -> int:
    actual = {name: digests(kwargs) for name, kwargs in CONFIGS.items()}
    if "--check" in argv:
        recorded = _recorded()
        diffs = [f"{n}: {d}" for n in CONFIGS for d in compare(recorded.get(n, {}), actual[n])]
        print("\n".join(diffs) or "no differences")
        return 1 if diffs else 0
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(_fixture_text(actual))
    print(f"wrote {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
