"""Helpers for tests over the JIRA sandbox: a Custom API source from the shipped JIRA template,
the request log as (path, query) pairs, and rows compared with the sandbox's own JSON."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from distillr.connectors.http import RetryPolicy
from distillr.connectors.rest import RestConnector, template

#: retries without real waits (Retry-After is honoured, but capped to nothing)
FAST = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.005, retry_after_max=0.005)


def jira_source(sb: Any, name: str = "myjira", **kwargs: Any) -> RestConnector:
    """A source made from the JIRA template, pointed at the sandbox."""
    t = template("jira")
    definition = t.definition({"domain": sb.base_url, "email": sb.email})
    return RestConnector(name, definition, t.source_secrets({"api_token": sb.api_token}), **kwargs)


def sent(sb: Any) -> list[tuple[str, str, dict[str, str]]]:
    """What the sandbox served since it was last cleared: (method, path, query)."""
    return [(r["method"], r["path"], dict(r["query"])) for r in sb.requests]


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def same(actual: Any, expected: Any, where: str = "") -> None:
    """Assert that a value read through distillr is the JSON value the API served: structs
    hold every key (absent ones as null), lists every item, times the same instant."""
    if expected is None:
        assert actual is None, f"{where}: {actual!r} is not null"
        return
    if isinstance(actual, str) and actual != expected:
        # a json column (a field the sampled pages only held as null or []): its JSON text
        assert json.loads(actual) == expected, f"{where}: {actual} != {expected!r}"
        return
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not an object"
        for key in set(expected) | set(actual):
            assert key in actual, f"{where}.{key} missing"
            same(actual[key], expected.get(key), f"{where}.{key}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            same(a, e, f"{where}[{i}]")
        return
    if isinstance(actual, datetime):
        assert actual == _parse_time(expected), f"{where}: {actual} != {expected}"
        return
    if isinstance(actual, date):
        assert actual == date.fromisoformat(expected), f"{where}: {actual} != {expected}"
        return
    assert actual == expected and type(actual) is type(expected), f"{where}: {actual!r}"


def same_rows(rows: list[dict], expected: list[dict], drop: tuple[str, ...] = ()) -> None:
    """Rows (``Result.arrow().to_pylist()``) equal the served records, in order; the columns in
    ``drop`` (parameter columns) are left out and ``_extra`` must be empty."""
    assert len(rows) == len(expected)
    for i, (row, want) in enumerate(zip(rows, expected, strict=True)):
        row = dict(row)
        assert row.pop("_extra") is None, f"row {i}: something did not fit: {row}"
        for name in drop:
            row.pop(name, None)
        same(row, want, f"row {i}")
