"""The wizard's API against the real Twilio connector and the sandbox: each failed save names
the form field it concerns, and nothing is saved."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=42) as sb:
        yield sb


@pytest.fixture
def web(home, sandbox):
    from distillr.server import create_app

    with TestClient(create_app(home), base_url="http://127.0.0.1:8000") as c:
        yield c


def save(web, sandbox, options=None, secrets=None):
    opts = {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url, **(options or {})}
    sec = {"auth_token": sandbox.auth_token} if secrets is None else secrets
    return web.post(
        "/api/sources", json={"type": "twilio", "name": "tw", "options": opts, "secrets": sec}
    )


@pytest.mark.parametrize(
    "options,secrets,status,field",
    [
        ({"account_sid": "bad"}, None, 400, "account_sid"),
        ({"base_url": "not a url"}, None, 422, "base_url"),  # checked at the edge
        ({}, {}, 400, "auth_token"),
        ({}, {"auth_token": "0" * 32}, 422, "auth_token"),
        ({"api_key": "SK" + "0" * 32}, {"api_secret": "x" * 32}, 422, "api_secret"),
    ],
)
def test_failed_saves_point_at_their_field(web, sandbox, options, secrets, status, field):
    res = save(web, sandbox, options, secrets)
    assert (res.status_code, res.json()["field"]) == (status, field), res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert web.get("/api/sources").json() == []
    assert sandbox.auth_token not in res.text


def test_save_then_tree_has_calls_and_messages(web, sandbox):
    res = save(web, sandbox)
    assert res.status_code == 201, res.text
    assert res.json()["secrets"]["auth_token"].startswith("****")
    assert sandbox.auth_token not in res.text
    (src,) = web.get("/api/tree").json()["sources"]
    assert src["type"] == "twilio"
    assert {"calls", "messages"} <= {t["name"] for t in src["tables"]}
    samples = web.get("/api/samples/tw", params={"table": "messages"}).json()["samples"]
    assert any("`to` =" in s["sql"] and "`from` =" in s["sql"] for s in samples)
    # path parameters as users write them (CallSid), the declared name beside it
    events = next(t for t in src["tables"] if t["name"] == "call_events")
    assert events["parameters"] == ["CallSid"] and events["parameter_columns"] == ["call_sid"]
    first = web.get("/api/samples/tw", params={"table": "call_events"}).json()["samples"]
    # the table opens with a real CallSid from the data, not a placeholder
    (opened,) = [s for s in first if s.get("open")]
    assert re.search(r"`CallSid` = 'CA[0-9a-f]{32}'", opened["sql"]), opened["sql"]
