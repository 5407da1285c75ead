"""Roles: every route of the OpenAPI document with no login, as an analyst and as an admin;
one role declaration per route; analysts see sources masked; `distillr users` sets roles."""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from serverproc import cli
from webhelpers import add_fake

from distillr.server import create_app
from distillr.server.auth import AuthStore

PASSWORD = "correct horse battery"

#: the role each route needs: written here by hand, so a route that changes its role (or a new
#: route) fails this test until it is looked at
EXPECTED = {
    ("GET", "/api/health"): "public",
    ("POST", "/api/login"): "public",
    ("GET", "/api/me"): "analyst",
    ("POST", "/api/logout"): "analyst",
    ("GET", "/api/types"): "analyst",
    ("GET", "/api/sources"): "analyst",
    ("GET", "/api/sources/{name}"): "analyst",
    ("GET", "/api/tree"): "analyst",
    ("GET", "/api/samples/{source}"): "analyst",
    ("POST", "/api/queries"): "analyst",
    ("GET", "/api/queries/{job_id}"): "analyst",
    ("DELETE", "/api/queries/{job_id}"): "analyst",
    ("GET", "/api/queries/{job_id}/result"): "analyst",
    ("GET", "/api/queries/{job_id}/export"): "analyst",
    ("POST", "/api/explain"): "analyst",
    ("GET", "/api/names/check"): "admin",
    ("POST", "/api/sources"): "admin",
    ("POST", "/api/sources/test"): "admin",
    ("PATCH", "/api/sources/{name}"): "admin",
    ("DELETE", "/api/sources/{name}"): "admin",
    ("POST", "/api/openapi/preview"): "admin",
}


@pytest.fixture
def users(home):
    store = AuthStore(home)
    store.add_user("root", PASSWORD, "admin")
    store.add_user("ana", PASSWORD, "analyst")
    return {
        "none": {},
        "analyst": {"authorization": f"Bearer {store.create_token('ana')[1]}"},
        "admin": {"authorization": f"Bearer {store.create_token('root')[1]}"},
    }


@pytest.fixture
def secured(home, users, fake_type):
    with TestClient(create_app(home, require_auth=True), base_url="https://distillr.example") as c:
        assert add_fake(c, headers=users["admin"]).status_code == 201
        yield c


def _request(client, method, path, headers, job_id):
    from distillr_fake import GOOD_TOKEN

    url = path.format(name="shop", source="shop", job_id=job_id)
    params = {"name": "x"} if path == "/api/names/check" else None
    body = {
        ("POST", "/api/login"): {"username": "ana", "password": PASSWORD},
        ("POST", "/api/sources"): {
            "type": "fake",
            "name": "other",
            "options": {"account": "acme"},
            "secrets": {"token": GOOD_TOKEN},
        },
        ("PATCH", "/api/sources/{name}"): {"options": {"rows": 5}},
        ("POST", "/api/queries"): {"sql": "SELECT * FROM shop.items"},
        ("POST", "/api/explain"): {"sql": "SELECT * FROM shop.items"},
    }.get((method, path))
    if method == "DELETE" and path == "/api/sources/{name}":
        url = "/api/sources/gone"  # reaches the route (404) and keeps the source
    res = client.request(method, url, headers=headers, params=params, json=body)
    client.cookies.clear()  # a login's cookie must not log in the next request
    return res


def test_every_route_answers_each_role_as_declared(secured, users):
    job = secured.post("/api/queries", headers=users["analyst"], json={"sql": "SELECT 1"}).json()
    operations = {
        (method.upper(), path)
        for path, item in secured.get("/openapi.json").json()["paths"].items()
        for method in item
    }
    assert operations == set(EXPECTED), "a route was added or removed: give it its role here"
    rank = {"public": 0, "analyst": 1, "admin": 2}
    for (method, path), needed in sorted(EXPECTED.items()):
        for who, have in (("none", 0), ("analyst", 1), ("admin", 2)):
            res = _request(secured, method, path, users[who], job["id"])
            if have >= rank[needed]:
                assert res.status_code not in (401, 403), (who, method, path, res.text)
            elif who == "none":
                assert res.status_code == 401, (who, method, path, res.text)
            else:
                assert res.status_code == 403, (who, method, path, res.text)
                assert "Only admins may" in res.json()["detail"]


def test_each_route_declares_one_role_and_is_no_closure():
    from distillr.server.roles import ROLE_DEPENDENCIES
    from distillr.server.views import ROUTERS

    routes = [r for router in ROUTERS for r in router.routes]
    assert len(routes) >= len(EXPECTED)
    for route in routes:
        declared = [d for d in route.dependant.dependencies if d.call in ROLE_DEPENDENCIES]
        assert len(declared) == 1, route.path
        assert "<locals>" not in route.endpoint.__qualname__, route.path


def test_the_local_user_is_an_admin_without_login(client):
    assert client.get("/api/me").json()["role"] == "admin"
    assert add_fake(client).status_code == 201
    assert client.delete("/api/sources/shop").status_code == 204


def test_analysts_see_sources_masked(secured, users, good):
    admin = secured.get("/api/sources/shop", headers=users["admin"]).json()
    seen = secured.get("/api/sources/shop", headers=users["analyst"]).json()
    assert admin["options"]["account"] == "acme" and admin["secrets"]["token"].endswith(good[-4:])
    assert seen["options"]["account"] == "****" and seen["secrets"] == {"token": "****"}
    assert seen["options"]["rows"] == 30  # not identity-bearing: shown
    listed = secured.get("/api/sources", headers=users["analyst"]).json()
    assert listed == [seen]


def test_tokens_act_with_their_users_role_now(secured, users, home):
    res = secured.delete("/api/sources/shop", headers=users["analyst"])
    assert res.status_code == 403 and "distillr users role ana admin" in res.json()["detail"]
    AuthStore(home).set_role("ana", "admin")
    assert secured.delete("/api/sources/shop", headers=users["analyst"]).status_code == 204
    AuthStore(home).set_role("root", "analyst")
    assert add_fake(secured, headers=users["admin"]).status_code == 403


def test_login_session_carries_the_role(secured):
    res = secured.post("/api/login", json={"username": "ana", "password": PASSWORD})
    assert res.json()["role"] == "analyst"
    csrf = res.json()["csrf"]
    assert secured.get("/api/me").json()["role"] == "analyst"
    res = secured.delete("/api/sources/shop", headers={"x-csrf-token": csrf})
    assert res.status_code == 403


def test_users_cli_sets_and_changes_roles(home):
    env_pw = {"WEB_PW": "a long password"}
    import os

    os.environ.update(env_pw)
    try:
        first = cli(home, "users", "add", "ada", "--password-env", "WEB_PW")
        second = cli(home, "users", "add", "bob", "--password-env", "WEB_PW")
        third = cli(home, "users", "add", "cy", "--password-env", "WEB_PW", "--role", "admin")
        bad = cli(home, "users", "add", "dee", "--password-env", "WEB_PW", "--role", "root")
    finally:
        os.environ.pop("WEB_PW")
    assert first.returncode == 0 and "(admin)" in first.stdout  # the first user
    assert second.returncode == 0 and "(analyst)" in second.stdout
    assert third.returncode == 0 and "(admin)" in third.stdout
    assert bad.returncode == 2 and "--role must be one of admin, analyst" in bad.stderr
    assert cli(home, "users", "role", "bob", "admin").returncode == 0
    assert AuthStore(home).role("bob") == "admin"
    wrong = cli(home, "users", "role", "bob", "boss")
    assert wrong.returncode == 2
    listing = cli(home, "users", "list").stdout
    assert "bob\t0 token(s)\tadmin" in listing and "ada\t0 token(s)\tadmin" in listing


def test_users_of_an_old_store_become_admins(home):
    """A web_auth.sqlite from before roles: its users could do everything, and still can."""
    home.mkdir(parents=True)
    con = sqlite3.connect(home / "web_auth.sqlite")
    con.executescript(
        "CREATE TABLE users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,"
        " created_at REAL NOT NULL);"
        "INSERT INTO users VALUES ('old', 'x', 0);"
    )
    con.commit()
    con.close()
    listing = cli(home, "users", "list")
    assert listing.returncode == 0 and "old\t0 token(s)\tadmin" in listing.stdout
    store = AuthStore(home)
    store.add_user("new", PASSWORD)
    assert store.role("new") == "analyst" and store.role("old") == "admin"
