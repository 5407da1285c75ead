"""Every auth scheme against the JIRA sandbox's ``/test/auth/{scheme}/...`` endpoints, with and
without faults: the sandbox's issues each time, OAuth tokens renewed on expiry, and no secret in
EXPLAIN, stats, errors or the log."""

from __future__ import annotations

import logging

import pytest
from jira_rows import FAST

import distillr
from distillr.connectors.rest import RestConnector
from distillr.errors import AuthError
from distillr.sandbox import JiraSandbox

CASES = ["basic", "bearer", "header", "query", "oauth", "oauth_basic_client", "oauth_refresh"]
FAULTS = "429=0.1,500=0.05,503=0.05,drop=0.03,truncate=0.05"


@pytest.fixture(scope="module")
def clean():
    with JiraSandbox(seed=13, scale="tiny") as box:
        yield box


@pytest.fixture(scope="module")
def faulty():
    with JiraSandbox(seed=13, scale="tiny", faults=FAULTS) as box:
        yield box


def schemes(sb):
    """scheme of the sandbox -> (auth of the definition, secrets)."""
    return {
        "basic": ({"type": "basic", "username": sb.email}, {"password": sb.api_token}),
        "bearer": ("bearer", {"token": sb.bearer_token}),
        "header": ({"type": "api_key", "name": "X-API-Key"}, {"api_key": sb.api_key}),
        "query": (
            {"type": "api_key", "name": "api_key", "location": "query"},
            {"api_key": sb.api_key},
        ),
        "oauth": (
            {
                "type": "oauth2_client_credentials",
                "token_url": sb.token_url,
                "client_id": sb.client_id,
            },
            {"client_secret": sb.client_secret},
        ),
        "oauth_basic_client": (
            {
                "type": "oauth2_client_credentials",
                "token_url": sb.token_url,
                "client_id": sb.client_id,
                "client_auth": "basic",
            },
            {"client_secret": sb.client_secret},
        ),
        "oauth_refresh": (
            {"type": "oauth2_refresh_token", "token_url": sb.token_url, "client_id": sb.client_id},
            {"refresh_token": sb.refresh_token, "client_secret": sb.client_secret},
        ),
    }


def secrets_of(sb):
    c = sb.credentials()
    return [
        c[k] for k in ("api_token", "bearer_token", "api_key", "client_secret", "refresh_token")
    ]


def source(sb, case, secrets=None):
    auth, given = schemes(sb)[case]
    path = case.split("_")[0]
    endpoint = {
        "name": "t",
        "url": f"/test/auth/{path}/offset/issues",
        "data_path": "items",
        "paginator": {"type": "offset", "size": 25, "total_path": "total"},
        "columns": {"id": "string", "key": "string"},
    }
    definition = {"base_url": sb.base_url, "auth": auth, "endpoints": [endpoint]}
    return RestConnector("src", definition, secrets or given, retry=FAST, sleep=lambda s: None)


def no_secret(sb, text):
    for value in secrets_of(sb):
        assert value not in text


@pytest.mark.parametrize("faults", ["clean", "faulty"])
@pytest.mark.parametrize("case", CASES)
def test_each_scheme_reads_the_sandbox_issues(request, tmp_path, case, faults, caplog):
    sb = request.getfixturevalue(faults)
    session = distillr.connect(home=tmp_path)
    session.register("src", source(sb, case))
    sb.clear_requests()
    caplog.set_level(logging.DEBUG, logger="httpx")
    res = session.sql("SELECT id, key FROM src.t")
    rows = res.fetchall()
    assert rows == [(i["id"], i["key"]) for i in sb.issues()]
    log = sb.requests.snapshot()
    assert all(r["status"] != 401 for r in log)
    assert res.stats.requests == len(log)  # token requests too
    explain = session.explain("SELECT id FROM src.t").text
    for text in (explain, repr(res.stats.to_dict()), repr(log), caplog.text):
        no_secret(sb, text)
    if case == "query":
        assert all(("api_key", "***") in r["query"] for r in log)
        assert "api_key" not in explain
    session.close()


def test_an_expired_oauth_token_is_renewed_once(clean, tmp_path):
    session = distillr.connect(home=tmp_path)
    session.register("src", source(clean, "oauth"))
    clean.clear_requests()
    session.sql("SELECT id FROM src.t").fetchall()
    issued = clean.tokens_issued
    clean.expire_tokens()
    clean.clear_requests()
    res = session.sql("SELECT id, key FROM src.t")
    assert res.fetchall() == [(i["id"], i["key"]) for i in clean.issues()]
    assert clean.tokens_issued == issued + 1  # one new token, not one per page
    statuses = [r["status"] for r in clean.requests]
    assert statuses.count(401) == 1 and res.stats.requests == len(statuses)
    session.close()


@pytest.mark.parametrize("case", ["basic", "bearer", "header", "query", "oauth", "oauth_refresh"])
def test_wrong_secrets_fail_clearly_without_showing_them(clean, tmp_path, case):
    _, given = schemes(clean)[case]
    wrong = {k: v[::-1] for k, v in given.items()}
    session = distillr.connect(home=tmp_path)
    session.register("src", source(clean, case, wrong))
    with pytest.raises(AuthError) as info:
        session.sql("SELECT id FROM src.t").fetchall()
    text = str(info.value)
    assert "401" in text or "400" in text
    assert "/test/" in text  # which request failed
    for value in [*secrets_of(clean), *wrong.values()]:
        assert value not in text
    session.close()


def arm(sb, fault):
    injector = sb.app.injector
    for _ in range(10_000):
        n = injector.number()
        if injector.faults.decide(injector.seed, n + 1)[1] == fault:
            return
    raise AssertionError(fault)


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop", "truncate"])
def test_a_fault_on_the_token_request_is_retried(faulty, tmp_path, fault):
    session = distillr.connect(home=tmp_path)
    session.register("src", source(faulty, "oauth"))
    faulty.clear_requests()
    arm(faulty, fault)
    res = session.sql("SELECT id, key FROM src.t")
    assert res.fetchall() == [(i["id"], i["key"]) for i in faulty.issues()]
    first = faulty.requests[0]
    assert first["path"] == "/test/oauth/token" and first["fault"] == fault
    session.close()
