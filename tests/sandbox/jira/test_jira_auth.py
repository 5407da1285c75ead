"""Auth: JIRA's Basic (email + API token), and every test scheme under /test/auth/{scheme}/,
with OAuth 2.0 client credentials, refresh tokens and expiry."""

import base64

import httpx
import pytest

from distillr.sandbox import JiraSandbox

PAGE = "offset/issues?limit=3"


@pytest.fixture(scope="module")
def box():
    with JiraSandbox(seed=11, scale="tiny") as sb:
        yield sb


@pytest.fixture()
def c(box):
    with httpx.Client(base_url=box.base_url, timeout=30) as client:
        yield client


def test_jira_needs_basic_with_email_and_token(box, c):
    path = "/rest/agile/1.0/board"
    assert c.get(path, auth=(box.email, box.api_token)).status_code == 200
    assert (
        c.get(path, auth=(box.email.upper(), box.api_token)).status_code == 200
    )  # email: any case
    for auth in [None, (box.email, "wrong"), ("someone@example.com", box.api_token)]:
        r = c.get(path, auth=auth)
        assert r.status_code == 401
        assert r.json()["errorMessages"] and r.json()["errors"] == {}
        assert r.headers["www-authenticate"].startswith("Basic")
        assert box.api_token not in r.text
    r = c.get(path, headers={"Authorization": f"Bearer {box.api_token}"})
    assert r.status_code == 401
    r = c.get(path, headers={"Authorization": "Basic !!!"})
    assert r.status_code == 401
    assert c.get("/openapi.json").status_code == 200  # the document is open


def _ok(r):
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 3


def test_none_and_basic(box, c):
    _ok(c.get(f"/test/{PAGE}"))
    _ok(c.get(f"/test/auth/basic/{PAGE}", auth=(box.email, box.api_token)))
    assert c.get(f"/test/auth/basic/{PAGE}").status_code == 401


def test_bearer(box, c):
    _ok(c.get(f"/test/auth/bearer/{PAGE}", headers={"Authorization": f"Bearer {box.bearer_token}"}))
    r = c.get(f"/test/auth/bearer/{PAGE}", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_api_key_in_a_header(box, c):
    _ok(c.get(f"/test/auth/header/{PAGE}", headers={"X-API-Key": box.api_key}))
    assert c.get(f"/test/auth/header/{PAGE}", headers={"X-API-Key": "x"}).status_code == 401
    assert c.get(f"/test/auth/header/{PAGE}", params={"api_key": box.api_key}).status_code == 401


def test_api_key_in_the_query_is_not_logged(box, c):
    box.clear_requests()
    _ok(c.get("/test/auth/query/offset/issues", params={"limit": 3, "api_key": box.api_key}))
    assert c.get(f"/test/auth/query/{PAGE}&api_key=x").status_code == 401
    assert c.get(f"/test/auth/query/{PAGE}", headers={"X-API-Key": box.api_key}).status_code == 401
    log = list(box.requests)
    assert ("api_key", "***") in log[0]["query"] and box.api_key not in repr(log)
    assert [e["auth"] for e in log] == ["query", None, None]


def test_the_scheme_must_exist_and_wrap_a_test_endpoint(box, c):
    assert c.get(f"/test/auth/magic/{PAGE}").status_code == 404
    r = c.get(
        "/test/auth/bearer/rest/agile/1.0/board",
        headers={"Authorization": f"Bearer {box.bearer_token}"},
    )
    assert r.status_code == 404


def _token(c, box, **form):
    return c.post("/test/oauth/token", data=form)


def test_oauth_client_credentials_expire(box, c):
    r = _token(
        c,
        box,
        grant_type="client_credentials",
        client_id=box.client_id,
        client_secret=box.client_secret,
    )
    assert r.status_code == 200, r.text
    tok = r.json()
    assert (
        tok["token_type"] == "Bearer" and tok["expires_in"] == 3600 and "refresh_token" not in tok
    )
    hdr = {"Authorization": f"Bearer {tok['access_token']}"}
    _ok(c.get(f"/test/auth/oauth/{PAGE}", headers=hdr))
    r = c.get("/test/auth/oauth/cursor/issues", params={"limit": 3}, headers=hdr)
    assert r.status_code == 200 and len(r.json()["data"]) == 3
    box.expire_tokens()
    r = c.get(f"/test/auth/oauth/{PAGE}", headers=hdr)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert "expired" in r.json()["error_description"]
    # client credentials in HTTP Basic, as RFC 6749 prefers
    basic = base64.b64encode(f"{box.client_id}:{box.client_secret}".encode()).decode()
    r = c.post(
        "/test/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    new = {"Authorization": f"Bearer {r.json()['access_token']}"}
    _ok(c.get(f"/test/auth/oauth/{PAGE}", headers=new))
    r = c.get(f"/test/auth/oauth/{PAGE}", headers={"Authorization": "Bearer at_forged"})
    assert r.status_code == 401 and "not one this server issued" in r.json()["error_description"]
    assert c.get(f"/test/auth/oauth/{PAGE}").status_code == 401


def test_oauth_refresh_token(box, c):
    before = box.tokens_issued
    r = _token(
        c,
        box,
        grant_type="refresh_token",
        refresh_token=box.refresh_token,
        client_id=box.client_id,
        client_secret=box.client_secret,
    )
    assert r.status_code == 200, r.text
    assert r.json()["refresh_token"] == box.refresh_token and box.tokens_issued == before + 1
    _ok(
        c.get(
            f"/test/auth/oauth/{PAGE}",
            headers={"Authorization": f"Bearer {r.json()['access_token']}"},
        )
    )
    box.clear_requests()
    r = _token(
        c,
        box,
        grant_type="refresh_token",
        refresh_token="rt_wrong",
        client_id=box.client_id,
        client_secret=box.client_secret,
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
    logged = box.requests[0]["body"]
    assert logged["refresh_token"] == "***" and logged["client_secret"] == "***"


def test_oauth_errors(box, c):
    r = _token(c, box, grant_type="client_credentials", client_id=box.client_id, client_secret="no")
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    r = _token(
        c, box, grant_type="password", client_id=box.client_id, client_secret=box.client_secret
    )
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = c.post(
        "/test/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": box.client_id,
            "client_secret": box.client_secret,
        },
    )
    assert r.status_code == 200  # a JSON body works too
    assert c.get("/test/oauth/token").status_code == 405


def test_short_lived_tokens():
    sb = JiraSandbox(scale="tiny", token_ttl=5)
    transport = httpx.ASGITransport(app=sb.app)

    async def go():
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as client:
            r = await client.post(
                "/test/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": sb.client_id,
                    "client_secret": sb.client_secret,
                },
            )
            return r.json()

    import asyncio

    assert asyncio.run(go())["expires_in"] == 5
