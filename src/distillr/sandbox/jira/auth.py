"""Who may call what: JIRA's Basic auth (email + API token), and the test endpoints' schemes.

Rules: the JIRA endpoints take ``Authorization: Basic base64(email:api_token)`` and nothing
else (401 with JIRA's body otherwise). A test endpoint is open under ``/test/...`` and asks for
a scheme under ``/test/auth/{scheme}/...``: ``basic`` (the JIRA credentials), ``bearer``
(``Authorization: Bearer <bearer_token>``), ``header`` (``X-API-Key: <api_key>``), ``query``
(``?api_key=<api_key>``) or ``oauth`` (a bearer access token from ``POST /test/oauth/token``).
Access tokens expire after ``token_ttl`` seconds, or all at once with :meth:`Tokens.expire`;
an expired or unknown one is a 401 with RFC 6750's ``WWW-Authenticate: Bearer
error="invalid_token"``. Secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import base64
import hmac
import secrets as pysecrets
import threading
import time
from dataclasses import dataclass

from distillr.sandbox.jira.errors import HTTPError, oauth, plain, unauthorized
from distillr.sandbox.seeds import secret

SCHEMES = ("basic", "bearer", "header", "query", "oauth")
API_KEY_HEADER = "x-api-key"
API_KEY_PARAM = "api_key"
#: Names whose values the request log shows as "***".
SECRET_NAMES = {API_KEY_PARAM, "client_secret", "refresh_token", "access_token", "password"}


@dataclass(frozen=True)
class Credentials:
    """The sandbox's own test credentials (fixtures derived from the seed, not real secrets)."""

    email: str
    api_token: str
    bearer_token: str
    api_key: str
    client_id: str
    client_secret: str
    refresh_token: str

    @classmethod
    def derive(cls, seed: int, email: str, api_token: str) -> Credentials:
        return cls(
            email=email,
            api_token=api_token,
            bearer_token="sbx_" + secret(seed, "bearer", length=40),
            api_key="key_" + secret(seed, "api-key", length=32),
            client_id="client_" + secret(seed, "client-id", length=16),
            client_secret=secret(seed, "client-secret", length=40),
            refresh_token="rt_" + secret(seed, "refresh", length=40),
        )


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def basic_pair(headers: dict[str, str]) -> tuple[str, str] | None:
    auth = headers.get("authorization", "")
    if not auth.lower().startswith("basic "):
        return None
    try:
        user, sep, password = (
            base64.b64decode(auth[6:].strip(), validate=True).decode().partition(":")
        )
    except (ValueError, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


def bearer(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else None


def check_jira(headers: dict[str, str], creds: Credentials) -> None:
    pair = basic_pair(headers)
    if pair is None or not (
        same(pair[0].lower(), creds.email.lower()) and same(pair[1], creds.api_token)
    ):
        raise unauthorized()


class Tokens:
    """OAuth 2.0 access tokens issued by the token endpoint, each with its expiry."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.issued = 0

    def issue(self) -> str:
        token = "at_" + pysecrets.token_urlsafe(24)
        with self._lock:
            self._expiry[token] = time.monotonic() + self.ttl
            self.issued += 1
        return token

    def state(self, token: str) -> str:
        """``valid``, ``expired`` or ``unknown``."""
        with self._lock:
            expiry = self._expiry.get(token)
        if expiry is None:
            return "unknown"
        return "valid" if time.monotonic() < expiry else "expired"

    def expire(self) -> None:
        """Make every token issued so far expired (tests of refresh on 401)."""
        with self._lock:
            for token in self._expiry:
                self._expiry[token] = float("-inf")


def check_test(scheme: str, headers: dict[str, str], query, creds: Credentials, tokens: Tokens):
    """Refuse the request unless it carries ``scheme``'s credentials."""
    if scheme == "basic":
        pair = basic_pair(headers)
        if pair and same(pair[0].lower(), creds.email.lower()) and same(pair[1], creds.api_token):
            return
        raise _denied("Send Basic auth with the email and API token.", 'Basic realm="test"')
    if scheme == "bearer":
        token = bearer(headers)
        if token is not None and same(token, creds.bearer_token):
            return
        raise _denied(
            "Send 'Authorization: Bearer <token>' with the sandbox's bearer token.", "Bearer"
        )
    if scheme == "header":
        key = headers.get(API_KEY_HEADER)
        if key is not None and same(key, creds.api_key):
            return
        raise _denied("Send the API key in the 'X-API-Key' header.", None)
    if scheme == "query":
        given = [v for k, v in query if k == API_KEY_PARAM]
        if given and same(given[0], creds.api_key):
            return
        raise _denied(f"Send the API key as the '{API_KEY_PARAM}' query parameter.", None)
    token = bearer(headers)
    state = tokens.state(token) if token else "missing"
    if state == "valid":
        return
    description = {
        "missing": "Send 'Authorization: Bearer <access token>' from POST /test/oauth/token.",
        "expired": "The access token expired; get a new one from POST /test/oauth/token.",
        "unknown": "The access token is not one this server issued.",
    }[state]
    challenge = (
        'Bearer realm="test"'
        if state == "missing"
        else (f'Bearer realm="test", error="invalid_token", error_description="{description}"')
    )
    raise oauth(401, "invalid_token", description, {"www-authenticate": challenge})


def _denied(message: str, challenge: str | None) -> HTTPError:
    headers = {"www-authenticate": challenge} if challenge else None
    return plain(401, "unauthorized", message, headers)


def masked(pairs) -> list[tuple[str, str]]:
    """Query or form pairs with secret values shown as ``***``."""
    return [(k, "***" if k in SECRET_NAMES else v) for k, v in pairs]
