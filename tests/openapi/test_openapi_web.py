"""The wizard's route: an uploaded spec gives the proposed tables and their definition, which
saves as a ``rest`` source; bad specs are problems with the report; admins only."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from distillr.server import create_app

SID = "AC" + "a" * 32


@pytest.fixture()
def client(tmp_path, monkeypatch):
    monkeypatch.delenv("DISTILLR_SECRET_KEY", raising=False)
    with TestClient(create_app(tmp_path / "home"), base_url="http://127.0.0.1:8000") as c:
        yield c


def test_an_uploaded_spec_gives_tables_and_a_definition_to_save(client, specs_dir):
    spec = (specs_dir / "twilio_api_v2010.json").read_bytes()
    res = client.post(
        "/api/openapi/preview",
        files={"spec": ("twilio_api_v2010.json", spec, "application/json")},
        data={
            "include": ["*/Calls.json", "*/Messages.json"],
            "params": json.dumps({"AccountSid": SID}),
            "options": json.dumps({"username": SID}),
            "base_url": "http://127.0.0.1:9",
        },
    )
    assert res.status_code == 200, res.text
    body = res.json()
    assert [t["name"] for t in body["report"]["tables"]] == ["calls", "messages"]
    assert body["report"]["tables"][0]["paginator"].startswith("next_url")
    assert body["missing"] == {}
    saved = client.post(
        "/api/sources",
        json={
            "type": "rest",
            "name": "tw",
            "options": body["definition"],
            "secrets": {"password": "x"},
            "verify": False,
        },
    )
    assert saved.status_code == 201, saved.text
    tree = client.get("/api/tree", params={"source": "tw"}).json()
    names = {t["name"] for s in tree["sources"] for t in s["tables"]}
    assert names == {"calls", "messages"}


def test_bad_uploads_are_problems_with_the_report(client):
    res = client.post(
        "/api/openapi/preview", files={"spec": ("x.yaml", b"openapi: [", "text/yaml")}
    )
    assert res.status_code == 400 and "not valid YAML" in res.json()["detail"]
    empty = {"openapi": "3.1.0", "servers": [{"url": "https://e.example.com"}], "paths": {
        "/a": {"get": {"responses": {"404": {"description": "no"}}}}}}  # fmt: skip
    res = client.post(
        "/api/openapi/preview", files={"spec": ("e.json", json.dumps(empty), "application/json")}
    )
    assert res.status_code == 400
    assert res.json()["report"]["skipped"] == [
        {"method": "GET", "path": "/a", "reason": "it has no success (2xx) response"}
    ]
    res = client.post(
        "/api/openapi/preview",
        files={"spec": ("e.json", json.dumps(empty), "application/json")},
        data={"params": "[1]"},
    )
    assert res.status_code == 422 and res.json()["field"] == "params"
    assert client.get("/api/sources").json() == []


def test_uploads_have_their_own_bound_and_other_routes_keep_theirs(tmp_path, specs_dir):
    from distillr.server.settings import MIB, ServerSettings

    settings = ServerSettings(max_body=MIB, max_upload=2 * MIB)
    spec = (specs_dir / "twilio_api_v2010.json").read_bytes()  # 1.9 MB
    with TestClient(
        create_app(tmp_path / "h", settings=settings), base_url="http://127.0.0.1"
    ) as c:
        ok = c.post("/api/openapi/preview", files={"spec": ("s.json", spec, "application/json")})
        assert ok.status_code == 200, ok.text
        big = spec + b" " * MIB
        res = c.post("/api/openapi/preview", files={"spec": ("s.json", big, "application/json")})
        assert res.status_code == 413
        res = c.post("/api/explain", content=b"{" + b" " * (MIB + 10) + b"}")
        assert res.status_code == 413


def test_an_upload_never_reads_files_of_the_server(client, tmp_path, monkeypatch):
    (tmp_path / "item.yaml").write_text(
        "type: object\nproperties: {secret_field: {type: string}}\n"
    )
    monkeypatch.chdir(tmp_path)
    (tmp_path / "spec.json").write_text("{}")  # an upload named like a file that exists here
    item = {"$ref": "item.yaml"}
    spec = {"openapi": "3.1.0", "servers": [{"url": "https://e.example.com"}], "paths": {
        "/a": {"get": {"responses": {"200": {"description": "", "content": {
            "application/json": {"schema": {"type": "array", "items": item}}}}}}}}}  # fmt: skip
    res = client.post(
        "/api/openapi/preview", files={"spec": ("spec.json", json.dumps(spec), "application/json")}
    )
    assert res.status_code == 400
    assert res.json()["report"]["skipped"][0]["reason"] == (
        "it refers to item.yaml, which the spec does not have"
    )
    assert "secret_field" not in res.text
