"""Authentication: loopback without login; beyond it API tokens, login sessions and CSRF."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from distillr.server import create_app
from distillr.server.auth import AuthStore

PASSWORD = "correct horse battery"


@pytest.fixture
def store(home):
    s = AuthStore(home)
    s.add_user("ada", PASSWORD)
    return s


@pytest.fixture
def secured(home, store, fake_type):
    # https: the session cookie is Secure, so the client only sends it over https
    with TestClient(create_app(home, require_auth=True), base_url="https://distillr.example") as c:
        yield c


def test_loopback_needs_no_login(client):
    assert client.get("/api/me").json() == {
        "user": None,
        "auth_required": False,
        "csrf": None,
        "role": "admin",  # the local user
        "grid_rows": 500_000,
    }
    assert client.get("/api/sources").status_code == 200


def test_loopback_refuses_other_host_names(client):
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1
    res = client.get("/api/sources", headers={"host": "evil.example:8000"})
    assert res.status_code == 421 and res.json()["type"].endswith(":host")
    assert client.get("/api/sources", headers={"host": "localhost:8000"}).status_code == 200


def test_cross_origin_writes_are_refused(client):
    res = client.post(
        "/api/sources", json={"name": "x"}, headers={"origin": "https://evil.example"}
    )
    assert res.status_code == 403
    res = client.post(
        "/api/queries", json={"sql": "SELECT 1"}, headers={"origin": "http://127.0.0.1:8000"}
    )
    assert res.status_code != 403  # same origin is fine


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer dst_wrong"},
        {"authorization": "Bearer "},
        {"authorization": "Basic YWRhOnB3"},
    ],
)
def test_api_needs_a_valid_token(secured, headers):
    for method, url in [
        ("GET", "/api/sources"),
        ("GET", "/api/tree"),
        ("GET", "/api/types"),
        ("POST", "/api/queries"),
        ("GET", "/api/me"),
    ]:
        res = secured.request(
            method, url, headers=headers, json={"sql": "SELECT 1"} if method == "POST" else None
        )
        assert res.status_code == 401, (url, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
        assert res.headers.get("www-authenticate") == "Bearer"


def test_token_works_until_its_user_is_removed(secured, store):
    _, token = store.create_token("ada", "ci")
    auth = {"authorization": f"Bearer {token}"}
    assert secured.get("/api/sources", headers=auth).status_code == 200
    assert secured.get("/api/me", headers=auth).json()["user"] == "ada"
    # token-authenticated writes need no CSRF token
    res = secured.post("/api/queries", headers=auth, json={"sql": "   "})
    assert res.status_code == 400  # reached the route: the query is empty
    store.remove_user("ada")
    assert secured.get("/api/sources", headers=auth).status_code == 401


def test_revoked_token_is_refused(secured, store):
    info, token = store.create_token("ada")
    store.revoke_token(info.id)
    assert (
        secured.get("/api/sources", headers={"authorization": f"Bearer {token}"}).status_code == 401
    )


def test_tokens_and_passwords_are_not_stored_in_clear(store, home):
    _, token = store.create_token("ada")
    raw = (home / "web_auth.sqlite").read_bytes()
    assert token.encode() not in raw and PASSWORD.encode() not in raw
    assert b"$argon2id$" in raw


def test_login_wrong_password_and_unknown_user(secured):
    for user, pw in [("ada", "wrong password"), ("nobody", PASSWORD), ("", "")]:
        res = secured.post("/api/login", json={"username": user, "password": pw})
        assert res.status_code == 401 and res.json()["detail"] == "Wrong user name or password."
        assert "set-cookie" not in res.headers


def test_login_session_cookie_and_csrf(secured):
    res = secured.post("/api/login", json={"username": "ada", "password": PASSWORD})
    assert res.status_code == 200
    cookie = res.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    csrf = res.json()["csrf"]
    assert secured.get("/api/me").json() == {
        "user": "ada",
        "auth_required": True,
        "csrf": csrf,
        "role": "admin",  # the first user
        "grid_rows": 500_000,
    }
    assert secured.get("/api/sources").status_code == 200
    # a state-changing request with the cookie but no (or a wrong) CSRF token is refused
    assert secured.post("/api/queries", json={"sql": " "}).status_code == 403
    assert (
        secured.post(
            "/api/queries", json={"sql": " "}, headers={"x-csrf-token": "nope"}
        ).status_code
        == 403
    )
    assert (
        secured.post("/api/queries", json={"sql": " "}, headers={"x-csrf-token": csrf}).status_code
        == 400
    )
    assert secured.post("/api/logout", headers={"x-csrf-token": csrf}).status_code == 204
    secured.cookies.clear()
    assert secured.get("/api/sources").status_code == 401


def test_logged_out_session_cannot_be_replayed(secured, store):
    res = secured.post("/api/login", json={"username": "ada", "password": PASSWORD})
    sid = secured.cookies.get("distillr_session")
    csrf = res.json()["csrf"]
    secured.post("/api/logout", headers={"x-csrf-token": csrf})
    assert store.session(sid) is None


def test_session_of_removed_user_ends(secured, store):
    secured.post("/api/login", json={"username": "ada", "password": PASSWORD})
    assert secured.get("/api/sources").status_code == 200
    store.remove_user("ada")
    assert secured.get("/api/sources").status_code == 401


def test_page_and_docs_load_without_login(secured):
    # the page itself holds no data; it shows the login form
    assert secured.get("/").status_code == 200
    assert secured.get("/api/health").json()["status"] == "ok"


def test_auth_store_rules(store):
    from distillr.errors import ConfigError

    with pytest.raises(ConfigError, match="already exists"):
        store.add_user("ada", PASSWORD)
    with pytest.raises(ConfigError, match="too short"):
        store.add_user("bob", "short")
    with pytest.raises(ConfigError, match="not allowed"):
        store.add_user("Bob Smith", PASSWORD)
    with pytest.raises(ConfigError, match="no user"):
        store.create_token("nobody")
    assert store.check_password("ada", PASSWORD) and not store.check_password("ada", "x" * 9)
    store.set_password("ada", "another password")
    assert store.check_password("ada", "another password")
