"""Every auth scheme against the fake API; secrets never shown."""

from __future__ import annotations

import logging

import pytest
from rest_fake_api import COLUMNS

from distillr.connectors.auth import make_auth
from distillr.connectors.settings import SettingError
from distillr.errors import AuthError, ConfigError

SECURE = [{"name": "t", "url": "/secure", "data_path": "values", "columns": COLUMNS}]
TOKEN_URL = "http://api.test/token"
SECRETS = (
    "pw-secret-value",
    "bearer-secret-value",
    "key-secret-value",
    "cs-secret-value",
    "rt-secret-value",
)

CASES = {
    "basic": ({"type": "basic", "username": "me@x.test"}, {"password": "pw-secret-value"}),
    "bearer": ("bearer", {"token": "bearer-secret-value"}),
    "api_key_header": ({"type": "api_key", "name": "X-Key"}, {"api_key": "key-secret-value"}),
    "api_key_query": (
        {"type": "api_key", "name": "api_key", "location": "query"},
        {"api_key": "key-secret-value"},
    ),
    "oauth2_client_credentials": (
        {"type": "oauth2_client_credentials", "token_url": TOKEN_URL, "client_id": "c1"},
        {"client_secret": "cs-secret-value"},
    ),
    "oauth2_refresh_token": (
        {"type": "oauth2_refresh_token", "token_url": TOKEN_URL, "client_id": "c1"},
        {"refresh_token": "rt-secret-value"},
    ),
}


def _no_secret(text: str) -> None:
    for s in SECRETS:
        assert s not in text


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_scheme_reads_the_rows(make, api, case):
    auth, secrets = CASES[case]
    con, _, _ = make(SECURE, secrets, auth=auth)
    res = con.sql("SELECT id FROM fake.t ORDER BY id")
    assert [r[0] for r in res.fetchall()] == [1, 2, 3]
    assert res.stats.requests == len(api.log)  # token requests counted too
    _no_secret(con.explain("SELECT * FROM fake.t").text)


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_secrets_fail_clearly_without_showing_them(make, api, case):
    auth, secrets = CASES[case]
    wrong = {k: "wrong-" + v for k, v in secrets.items()}
    con, _, _ = make(SECURE, wrong, auth=auth)
    with pytest.raises(AuthError) as info:
        con.sql("SELECT * FROM fake.t").fetchall()
    assert "401" in str(info.value)
    for v in wrong.values():
        assert v not in str(info.value)


def test_api_key_in_the_query_is_masked_everywhere(make, api, caplog):
    auth, secrets = CASES["api_key_query"]
    con, conn, _ = make(SECURE, secrets, auth=auth)
    caplog.set_level(logging.DEBUG, logger="httpx")
    res = con.sql("SELECT * FROM fake.t")
    res.fetchall()
    assert api.log[-1].url.params["api_key"] == "key-secret-value"  # it was sent
    _no_secret(caplog.text)
    assert "api_key=****" in caplog.text or "****" in caplog.text
    _no_secret(repr(res.stats))
    _no_secret(repr(conn.auth))
    plan = conn.plan(__import__("distillr").connectors.base.ScanRequest("t"))
    _no_secret(plan[0].describe)

    def echoes(request, q):  # an error body that echoes the key back
        import httpx

        return httpx.Response(400, json={"message": f"bad key {q.get('api_key')}"})

    api.r_secure = echoes
    with pytest.raises(Exception) as info:
        con.sql("SELECT * FROM fake.t").fetchall()
    _no_secret(str(info.value))


def test_oauth_token_is_cached_and_refreshed_on_401(make, api):
    auth, secrets = CASES["oauth2_client_credentials"]
    con, _, _ = make(SECURE, secrets, auth=auth)
    con.sql("SELECT * FROM fake.t").fetchall()
    con.sql("SELECT * FROM fake.t").fetchall()
    assert api.tokens_issued == 1  # cached across queries
    api.valid_tokens.clear()  # revoked
    res = con.sql("SELECT id FROM fake.t")
    assert len(res.fetchall()) == 3
    assert api.tokens_issued == 2
    assert res.stats.requests == 3  # refused request, token request, retried request


def test_oauth_token_is_refreshed_on_expiry(make, api, monkeypatch):
    import distillr.connectors.auth as auth_module

    auth, secrets = CASES["oauth2_refresh_token"]
    con, _, _ = make(SECURE, secrets, auth=auth)
    con.sql("SELECT * FROM fake.t").fetchall()
    now = auth_module.time.monotonic()
    monkeypatch.setattr(auth_module.time, "monotonic", lambda: now + 4000)
    con.sql("SELECT * FROM fake.t").fetchall()
    assert api.tokens_issued == 2


def test_secrets_are_kept_out_of_the_definition():
    from distillr.connectors.rest import load_definition

    with pytest.raises(ConfigError, match="'password' is a secret"):
        load_definition(
            {
                "base_url": "http://x.test",
                "auth": {"type": "basic", "username": "a", "password": "p"},
                "endpoints": [{"name": "t", "url": "/t"}],
            }
        )
    with pytest.raises(ConfigError, match="Authorization header carries credentials"):
        load_definition(
            {
                "base_url": "http://x.test",
                "headers": {"Authorization": "Bearer x"},
                "endpoints": [{"name": "t", "url": "/t"}],
            }
        )


def test_missing_secret_names_it():
    with pytest.raises(SettingError, match="needs the secret password") as info:
        make_auth({"type": "basic", "username": "u"}, {})
    assert info.value.field == "password"
    with pytest.raises(SettingError, match="Valid auth schemes: none, basic, bearer"):
        make_auth("kerberos", {})
