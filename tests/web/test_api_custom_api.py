"""The JSON API's Custom API routes against the JIRA sandbox: the generated type list, Test
(one page, columns inferred, nothing saved), create, edit endpoints (secrets kept), roles."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from distillr.sandbox import JiraSandbox


@pytest.fixture(scope="module")
def jsb():
    with JiraSandbox(seed=5) as sb:
        yield sb


def definition(jsb, **extra):
    return {
        "base_url": jsb.base_url,
        "auth": {"type": "basic", "username": jsb.email},
        "error_path": "errorMessages",
        "endpoints": [
            {
                "name": "board",
                "url": "/rest/agile/1.0/board",
                "data_path": "values",
                "paginator": {"type": "start_at", "size": 50},
            },
            {
                "name": "epics",
                "url": "/rest/agile/1.0/board/{boardId}/epic",
                "data_path": "values",
                "paginator": {"type": "start_at", "total_path": None},
                "params": [
                    {"name": "boardId", "location": "path", "type": "integer", "example": 1}
                ],
            },
        ],
        **extra,
    }


def test_every_type_comes_from_its_declaration(client):
    from distillr.connectors.rest import RestConnector
    from distillr.connectors.twilio import TwilioConnector

    body = client.get("/api/types").json()
    forms = {(t["type"], t["template"]): t for t in body["types"]}
    assert {("rest", None), ("rest", "jira"), ("twilio", None), ("fake", None)} <= set(forms)
    for cls in (RestConnector, TwilioConnector):
        fields = [f["name"] for f in forms[(cls.type, None)]["fields"]]
        assert fields == list(cls.settings.names)
    rest = forms[("rest", None)]
    assert rest["form"] == "definition" and rest["category"] == "custom_api"
    auth = {a["type"]: a for a in rest["definition"]["auth"]}
    assert auth["basic"]["secrets"] == ["password"]
    assert [s["name"] for s in auth["basic"]["settings"]] == ["username"]
    paginators = {p["type"] for p in rest["definition"]["paginators"]}
    assert {"none", "offset", "page", "cursor", "next_url", "link_header", "start_at"} == paginators
    # a paginator's other names (a saved "jira") are declared with it, for the form to map
    aliases = {p["type"]: p["aliases"] for p in rest["definition"]["paginators"]}
    assert aliases["start_at"] == ["jira"] and aliases["offset"] == []
    assert [i["id"] for i in rest["definition"]["imports"]] == ["openapi"]
    # the categories name the installed types by their declared labels and titles
    categories = {c["id"]: c["description"] for c in body["categories"]}
    assert "such as" in categories["api"] and TwilioConnector.label in categories["api"]
    title = RestConnector.templates()["jira"].title
    assert categories["custom_api"].endswith(f"a ready-made one ({title}).")
    assert rest["definition"]["formats"] == ["json", "ndjson", "csv", "xml"]
    jira = forms[("rest", "jira")]
    assert [f["name"] for f in jira["fields"]] == ["domain", "email", "api_token"]
    twilio = forms[("twilio", None)]
    assert [m["id"] for m in twilio["auth_modes"]] == ["auth_token", "api_key"]


def test_test_infers_columns_and_saves_nothing(client, jsb):
    body = {"type": "rest", "options": definition(jsb), "secrets": {"password": jsb.api_token}}
    jsb.requests.clear()
    res = client.post("/api/sources/test", json={**body, "table": "epics"})
    assert res.status_code == 200, res.text
    assert jsb.api_token not in res.text
    assert len(jsb.requests) == 2  # the credentials check and one page of epics
    got = res.json()
    assert got["sampled"] == ["epics"]
    (epics,) = [t for t in got["tables"] if t["name"] == "epics"]
    columns = {c["name"]: c["type"] for c in epics["columns"]}
    assert (
        columns["name"] == "VARCHAR" and columns["id"] == "BIGINT" and columns["done"] == "BOOLEAN"
    )
    assert client.get("/api/sources").json() == []
    saved = got["options"]
    assert saved["endpoints"][1]["schema"]["name"] == "string"

    jsb.requests.clear()
    res = client.post(
        "/api/sources",
        json={"type": "rest", "name": "tracker", "options": saved, "secrets": body["secrets"]},
    )
    assert res.status_code == 201, res.text
    assert "board" in [r["path"].rsplit("/", 1)[-1] for r in jsb.requests.snapshot()]
    tree = client.get("/api/tree").json()["sources"]
    (src,) = [s for s in tree if s["name"] == "tracker"]
    assert {c["name"] for c in src["tables"][1]["columns"]} >= {"id", "name", "done"}
    res = client.post(
        "/api/queries", json={"sql": "SELECT count(*) AS n FROM tracker.epics WHERE boardId = 1"}
    )
    assert res.status_code == 202, res.text
    job = res.json()
    deadline = time.monotonic() + 30
    while job["state"] == "running" and time.monotonic() < deadline:
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 1}).json()
    page = client.get(f"/api/queries/{job['id']}/result").json()
    assert page["rows"] == [[len(jsb.epics(1))]]


def test_test_errors_point_at_their_field(client, jsb):
    base = {"type": "rest", "options": definition(jsb)}
    res = client.post("/api/sources/test", json={**base, "secrets": {"password": "wrong-token"}})
    assert res.status_code == 422 and res.json()["field"] == "password"
    bad = definition(jsb)
    bad["endpoints"][0]["data_pth"] = "values"
    res = client.post("/api/sources/test", json={"type": "rest", "options": bad, "secrets": {}})
    assert res.status_code == 400
    problems = res.json()["problems"]
    assert problems[0]["field"] == "endpoints[0].data_pth" and "data_path" in problems[0]["message"]
    gone = definition(jsb)
    gone["endpoints"][1]["params"][0]["example"] = 99999
    res = client.post(
        "/api/sources/test",
        json={
            "type": "rest",
            "options": gone,
            "secrets": {"password": jsb.api_token},
            "table": "epics",
        },
    )
    assert res.status_code == 502
    # the base URL's host is the source's own API: its own message is shown
    assert "HTTP 404" in res.json()["detail"] and "99999" in res.json()["detail"]


def test_edit_endpoints_keeps_secrets_and_base_url_needs_them(client, jsb):
    secrets = {"password": jsb.api_token}
    res = client.post(
        "/api/sources",
        json={"type": "rest", "name": "t", "options": definition(jsb), "secrets": secrets},
    )
    assert res.status_code == 201, res.text
    options = client.get("/api/sources/t").json()["options"]
    options["endpoints"].append(
        {"name": "projects", "url": "/rest/api/3/project/search", "data_path": "values"}
    )
    res = client.patch("/api/sources/t", json={"options": options})
    assert res.status_code == 200, res.text
    saved = client.get("/api/sources/t").json()
    assert [e["name"] for e in saved["options"]["endpoints"]] == ["board", "epics", "projects"]
    assert "schema" in saved["options"]["endpoints"][2]
    assert saved["secrets"]["password"].endswith(jsb.api_token[-4:])
    # a Test while editing uses the saved secret, while the base URL stays
    res = client.post(
        "/api/sources/test",
        json={"type": "rest", "source": "t", "options": saved["options"], "table": "projects"},
    )
    assert res.status_code == 200, res.text
    moved = dict(options, base_url=jsb.base_url.replace("127.0.0.1", "localhost"))
    res = client.post("/api/sources/test", json={"type": "rest", "source": "t", "options": moved})
    assert res.status_code == 400 and res.json()["field"] == "password"
    res = client.patch("/api/sources/t", json={"options": {"base_url": moved["base_url"]}})
    assert res.status_code == 400 and res.json()["field"] == "password"
    res = client.patch(
        "/api/sources/t", json={"options": {"base_url": moved["base_url"]}, "secrets": secrets}
    )
    assert res.status_code == 200, res.text
    # no auth any more: the saved secret is forgotten, not kept for later
    open_api = {"auth": None, "endpoints": options["endpoints"][:1]}
    open_api["endpoints"][0] = {
        "name": "issues",
        "url": "/test/array/issues",
        "query": {"limit": 5},
    }
    res = client.patch("/api/sources/t", json={"options": open_api})
    assert res.status_code == 400 and res.json()["field"] == "password"
    res = client.patch("/api/sources/t", json={"options": open_api, "forget_secrets": True})
    assert res.status_code == 200, res.text
    assert client.get("/api/sources/t").json()["secrets"] == {}


def test_the_jira_template_from_the_web(client, jsb):
    res = client.post(
        "/api/sources",
        json={
            "type": "rest",
            "template": "jira",
            "name": "jira",
            "options": {"domain": jsb.base_url, "email": jsb.email},
            "secrets": {"api_token": "wrong"},
        },
    )
    assert res.status_code == 422 and res.json()["field"] == "api_token"
    res = client.post(
        "/api/sources",
        json={
            "type": "rest",
            "template": "jira",
            "name": "jira",
            "options": {"domain": jsb.base_url, "email": jsb.email},
            "secrets": {"api_token": jsb.api_token},
        },
    )
    assert res.status_code == 201, res.text
    assert res.json()["type"] == "rest"


def test_only_admins_test_and_only_they_reach_private_hosts(home, jsb, fake_type):
    from distillr.registry import Registry
    from distillr.server import create_app
    from distillr.server.auth import AuthStore

    store = AuthStore(home)
    store.add_user("root", "correct horse battery", "admin")
    store.add_user("ana", "correct horse battery", "analyst")
    admin = {"authorization": f"Bearer {store.create_token('root')[1]}"}
    analyst = {"authorization": f"Bearer {store.create_token('ana')[1]}"}
    body = {"type": "rest", "options": definition(jsb), "secrets": {"password": jsb.api_token}}
    app = create_app(home, require_auth=True)
    with TestClient(app, base_url="https://distillr.example") as c:
        assert c.post("/api/sources/test", json=body, headers=analyst).status_code == 403
        assert c.post("/api/sources/test", json=body).status_code == 401
        assert c.post("/api/sources/test", json=body, headers=admin).status_code == 200
    from distillr.errors import ConfigError

    with pytest.raises(ConfigError, match="only an admin"):
        Registry(home).trial("rest", definition(jsb), body["secrets"], allow_private=False)
    oauth = definition(jsb, base_url="https://api.example.com")
    oauth["auth"] = {"type": "oauth2_client_credentials", "token_url": jsb.base_url + "/t"}
    with pytest.raises(ConfigError, match=r"auth\.token_url points at a private"):
        Registry(home).trial("rest", oauth, {"client_secret": "x"}, allow_private=False)


def test_an_answer_from_another_host_is_not_echoed(client, jsb):
    from distillr.registry import Registry

    other = jsb.base_url.replace("127.0.0.1", "localhost") + "/test/oauth/token"
    options = {
        "base_url": jsb.base_url,
        "auth": {"type": "oauth2_client_credentials", "client_id": "nobody", "token_url": other},
        "endpoints": [{"name": "items", "url": "/test/auth/oauth/array/issues"}],
    }
    secrets = {"client_secret": "wrong-secret"}
    res = client.post(
        "/api/sources/test", json={"type": "rest", "options": options, "secrets": secrets}
    )
    assert res.status_code == 422 and res.json()["field"] == "client_secret"
    detail = res.json()["detail"]
    assert "not shown" in detail and "Unknown client" not in detail and "wrong-secret" not in detail
    from distillr.errors import AuthError

    with pytest.raises(AuthError) as err:  # the CLI and Python see the API's own words
        Registry(client.app.state.server.home).trial("rest", options, secrets)
    assert "Unknown client" in str(err.value) and "wrong-secret" not in str(err.value)
