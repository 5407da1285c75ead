"""The wizard's OpenAPI import, request for request as the page makes them (openapi.js): a
preview of the whole spec, then one with the ticked tables' paths as ``include``, whose
definition is saved. The source saved is the one ``distillr source add rest NAME --openapi
SPEC --include PATH ...`` saves for the same ticks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from distillr.cli import run
from distillr.registry import Registry
from distillr.server import create_app

BASE = "http://127.0.0.1:8000"
TWILIO = Path(__file__).parents[1] / "openapi" / "specs" / "twilio" / "twilio_api_v2010.json"
SID = "AC" + "a" * 32


@pytest.fixture(scope="module")
def jira():
    from distillr.sandbox import JiraSandbox

    with JiraSandbox(seed=3, scale="tiny") as sb:
        yield sb


@pytest.fixture
def spec(jira, tmp_path):
    path = tmp_path / "jira-openapi.json"
    path.write_bytes(httpx.get(jira.base_url + "/openapi.json").content)
    return path


def pattern(path: str) -> str:
    """The page's include pattern for one spec path (openapi.js's pathPattern)."""
    return re.sub(r"[\[*?]", lambda m: f"[{m.group(0)}]", path)


def preview(client, spec, include=(), **fields):
    data = {"include": [pattern(p) for p in include], **fields}
    files = {"spec": (spec.name, spec.read_bytes(), "application/json")}
    return client.post("/api/openapi/preview", files=files, data=data)


def web_save(home, spec, jira, ticked, name="jj"):
    with TestClient(create_app(home), base_url=BASE) as c:
        first = preview(c, spec)
        assert first.status_code == 200, first.text
        assert first.json()["missing"] == {"username": "the user name (or email)"}
        made = preview(c, spec, ticked, options=json.dumps({"username": jira.email}))
        assert made.status_code == 200, made.text
        body = made.json()
        assert body["missing"] == {}
        paths = {t["name"]: t["path"] for t in body["report"]["tables"]}
        definition = body["definition"]
        endpoints = [e for e in definition["endpoints"] if paths[e["name"]] in ticked]
        options = {**definition, "endpoints": endpoints}
        saved = c.post(
            "/api/sources",
            json={
                "type": "rest",
                "name": name,
                "options": options,
                "secrets": {"password": jira.api_token},
            },
        )
        assert saved.status_code == 201, saved.text
        return [e["name"] for e in endpoints]


def test_the_wizards_source_is_the_clis_for_the_same_ticks(tmp_path, monkeypatch, spec, jira):
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    ticked = [
        "/rest/agile/1.0/board",
        "/rest/agile/1.0/board/{boardId}/epic",
        "/rest/api/3/project/search",
    ]
    names = web_save(tmp_path / "web", spec, jira, ticked)
    assert names == ["board", "board_epic", "project_search"]

    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("JIRA_TOKEN", jira.api_token)
    includes = [arg for p in ticked for arg in ("--include", p)]
    code = run(
        ["source", "add", "rest", "jj", "--openapi", str(spec), *includes,
         "--option", f"username={jira.email}", "--secret-env", "password=JIRA_TOKEN"]
    )  # fmt: skip
    assert code == 0
    web = Registry(tmp_path / "web").get("jj")
    cli = Registry(tmp_path / "cli").get("jj")
    assert web.options == cli.options
    assert [e["name"] for e in web.options["endpoints"]] == names
    assert (web.type, web.secrets) == (cli.type, cli.secrets)


def test_with_parameter_values_too(tmp_path, monkeypatch):
    """Twilio's spec, AccountSid given (the short names drop /Accounts/{AccountSid}): the page's
    requests save what ``--param`` and ``--include`` save."""
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    given = {"params": json.dumps({"AccountSid": SID}), "options": json.dumps({"username": SID})}
    with TestClient(create_app(tmp_path / "web"), base_url=BASE) as c:
        tables = preview(c, TWILIO, **given).json()["report"]["tables"]
        by_name = {t["name"]: t["path"] for t in tables}
        ticked = [by_name["calls"], by_name["call_recordings"], by_name["messages"]]
        body = preview(c, TWILIO, ticked, **given).json()
        assert [t["name"] for t in body["report"]["tables"]] == [
            "call_recordings", "calls", "messages"
        ]  # fmt: skip
        saved = c.post(
            "/api/sources",
            json={"type": "rest", "name": "tw", "options": body["definition"],
                  "secrets": {"password": "x"}, "verify": False},
        )  # fmt: skip
        assert saved.status_code == 201, saved.text
    monkeypatch.setenv("DISTILLR_HOME", str(tmp_path / "cli"))
    monkeypatch.setenv("TW_TOKEN", "x")
    includes = [arg for p in ticked for arg in ("--include", p)]
    code = run(
        ["source", "add", "rest", "tw", "--openapi", str(TWILIO), *includes,
         "--param", f"AccountSid={SID}", "--option", f"username={SID}",
         "--secret-env", "password=TW_TOKEN", "--no-verify"]
    )  # fmt: skip
    assert code == 0
    web, cli = Registry(tmp_path / "web").get("tw"), Registry(tmp_path / "cli").get("tw")
    assert web.options == cli.options


def test_a_narrower_import_may_rename_and_the_page_saves_what_it_makes(tmp_path, monkeypatch):
    """Two paths that clash on a name: ticking only the second gives it the plain name,
    as the CLI's --include would; the page shows and saves that name."""
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    item = {"type": "object", "properties": {"id": {"type": "integer"}}}
    listing = {"200": {"description": "", "content": {"application/json": {
        "schema": {"type": "array", "items": item}}}}}  # fmt: skip
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {"/v1/items": {"get": {"responses": listing}},
                  "/v2/items": {"get": {"responses": listing}}},
    }  # fmt: skip
    spec = tmp_path / "clash.json"
    spec.write_text(json.dumps(doc))
    with TestClient(create_app(tmp_path / "home"), base_url=BASE) as c:
        whole = preview(c, spec).json()["report"]["tables"]
        assert [(t["name"], t["path"]) for t in whole] == [
            ("items", "/v1/items"),
            ("items_2", "/v2/items"),
        ]
        narrow = preview(c, spec, ["/v2/items"]).json()
        assert [(t["name"], t["path"]) for t in narrow["report"]["tables"]] == [
            ("items", "/v2/items")
        ]


def test_a_bad_spec_is_a_problem_the_form_shows(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.0\npaths: [\n")
    with TestClient(create_app(tmp_path / "home"), base_url=BASE) as c:
        res = preview(c, bad)
        assert res.status_code == 400
        problem = res.json()
        assert "not valid YAML" in problem["detail"] and "line" in problem["detail"]
        assert "Traceback" not in res.text
        assert c.get("/api/sources").json() == []
