"""Auth schemes: how a request carries a source's credentials, as small strategy classes.

Each scheme declares its options (``settings``) and the names of the secrets it needs
(``secret_names``), and is built by :func:`make_auth` from a name, a dict (``{"type": ...}``) or
an instance, with the secrets given apart. It signs a request (``sign``) and, for token schemes,
gets a new token when the old one expires or the API answers 401 (``refresh``). The HTTP layer
uses a scheme through :meth:`AuthScheme.httpx_auth`.

=============================  ==============================================  ==================
scheme                         options                                         secrets
=============================  ==============================================  ==================
``none``                       (none)
``basic``                      ``username``                                    ``password``
``bearer``                     (none)                                          ``token``
``api_key``                    ``name``, ``location`` (``header``/``query``)   ``api_key``
``oauth2_client_credentials``  ``token_url``, ``client_id``, ``scope``,        ``client_secret``
                               ``audience``, ``client_auth`` (basic/body)
``oauth2_refresh_token``       ``token_url``, ``client_id``, ``scope``         ``refresh_token``,
                                                                               ``client_secret``
=============================  ==============================================  ==================

Rules: a secret never appears in a ``repr``, a description, an error or a log line. Signing
happens as the request is sent, after its path (the one shown in EXPLAIN, stats and errors) was
taken, so an API key in the query string is never in a shown path; :meth:`AuthScheme.redact`
masks the secrets in any text (a next-page URL that echoes the key, say), and the secrets are
masked in httpx's own log lines too. OAuth tokens are cached until shortly before they expire; a
401 gets one new token and one retry. Token requests are counted in the query's stats; one met
by a 429, a 5xx or a body cut short is retried with the request it was for.
"""

from __future__ import annotations

import base64
import functools
import logging
import threading
import time
import weakref
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from distillr.connectors.settings import Setting, SettingError, Settings, make_strategy
from distillr.errors import AuthError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "SCHEMES",
    "ApiKeyAuth",
    "AuthScheme",
    "BasicAuth",
    "BearerAuth",
    "NoAuth",
    "OAuth2ClientCredentials",
    "OAuth2RefreshToken",
    "make_auth",
]

MASK = "****"
#: a token is renewed this many seconds before the expiry the server gave
_EXPIRY_MARGIN = 30.0


class AuthScheme:
    """Base class: sign a request; for token schemes, refresh the token."""

    name: ClassVar[str] = ""
    settings: ClassVar[Settings] = Settings()
    #: the secrets this scheme needs (required ones first) and the optional ones
    secret_names: ClassVar[tuple[str, ...]] = ()
    optional_secrets: ClassVar[tuple[str, ...]] = ()

    def bind(self, secrets: Mapping[str, str]) -> AuthScheme:
        """Give the scheme its secrets; a missing one is a ``SettingError`` naming it."""
        known = set(self.secret_names) | set(self.optional_secrets)
        for key in secrets:
            if key not in known:
                wanted = ", ".join(self.secret_names) or "none"
                raise SettingError(
                    f"The {self.name} auth scheme takes no secret '{key}' (its secrets: {wanted}).",
                    field=key,
                )
        for key in self.secret_names:
            if not secrets.get(key):
                raise SettingError(
                    f"The {self.name} auth scheme needs the secret {key}: give it with the"
                    " source's secrets (it is never part of the definition).",
                    field=key,
                )
        self._secrets = {k: v for k, v in secrets.items() if v}
        _REDACTOR.add(self)
        return self

    _secrets: Mapping[str, str] = {}

    def secret(self, key: str) -> str:
        return self._secrets.get(key, "")

    def secret_values(self) -> list[str]:
        """Every value to mask: the secrets and any token obtained with them."""
        return [v for v in self._secrets.values() if v]

    def redact(self, text: str) -> str:
        """``text`` with every secret (and token) replaced by ``****``."""
        for value in sorted(self.secret_values(), key=len, reverse=True):
            if len(value) >= 4 and value in text:
                text = text.replace(value, MASK)
        return text

    def sign(self, request: httpx.Request) -> None:
        """Add the credentials to a request about to be sent."""

    def refresh(self) -> httpx.Request | None:
        """A request for a new token (after a 401 or on expiry), or ``None`` if the scheme has
        none; its answer goes to :meth:`accept`."""
        return None

    def needs_token(self) -> bool:
        return False

    def accept(self, response: httpx.Response) -> None:
        """Take a token from the token endpoint's answer."""

    def describe(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"

    def httpx_auth(self) -> httpx.Auth | None:
        """This scheme as an ``httpx.Auth`` (``None`` for no auth)."""
        return _adapter_class()(self)


class NoAuth(AuthScheme):
    name = "none"

    def httpx_auth(self) -> httpx.Auth | None:
        return None


class BasicAuth(AuthScheme):
    """HTTP basic auth (JIRA Cloud: the account's email and an API token as the password)."""

    name = "basic"
    settings = Settings([Setting("username", "string", "the user name (or email)", required=True)])
    secret_names = ("password",)

    def __init__(self, username: str) -> None:
        self.username = username

    def sign(self, request: httpx.Request) -> None:
        pair = f"{self.username}:{self.secret('password')}".encode()
        request.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def secret_values(self) -> list[str]:
        values = super().secret_values()
        pair = f"{self.username}:{self.secret('password')}".encode()
        return [*values, base64.b64encode(pair).decode()]

    def describe(self) -> str:
        return f"basic (user {self.username})"


class BearerAuth(AuthScheme):
    """A fixed bearer token (personal access tokens)."""

    name = "bearer"
    secret_names = ("token",)

    def sign(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self.secret('token')}"


class ApiKeyAuth(AuthScheme):
    """An API key in a header (``X-API-Key: ...``) or in the query string (``?api_key=...``)."""

    name = "api_key"
    settings = Settings(
        [
            Setting(
                "name",
                "string",
                "the header or query parameter that carries the key",
                default="X-API-Key",
            ),
            Setting(
                "location",
                "choice",
                "where the key goes",
                default="header",
                choices=("header", "query"),
            ),
        ]
    )
    secret_names = ("api_key",)

    def __init__(self, name: str = "X-API-Key", location: str = "header") -> None:
        self.param = name
        self.location = location

    def sign(self, request: httpx.Request) -> None:
        if self.location == "header":
            request.headers[self.param] = self.secret("api_key")
        else:
            request.url = request.url.copy_set_param(self.param, self.secret("api_key"))

    def describe(self) -> str:
        return f"api_key ({self.location} {self.param})"


class _OAuth2(AuthScheme):
    """A token from a token endpoint, cached until it expires."""

    def __init__(
        self,
        token_url: str,
        client_id: str | None = None,
        scope: str | None = None,
        audience: str | None = None,
        client_auth: str = "body",
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.scope = scope
        self.audience = audience
        self.client_auth = client_auth
        self._token: str | None = None
        self._expires = 0.0
        self._lock = threading.Lock()

    def secret_values(self) -> list[str]:
        values = super().secret_values()
        return [*values, self._token] if self._token else values

    def needs_token(self) -> bool:
        with self._lock:
            return self._token is None or time.monotonic() >= self._expires

    def grant(self) -> dict[str, str]:
        raise NotImplementedError

    def refresh(self) -> httpx.Request | None:
        import httpx

        form = self.grant()
        headers = {"Accept": "application/json"}
        secret = self.secret("client_secret")
        if self.client_id:
            if self.client_auth == "basic" and secret:
                pair = f"{self.client_id}:{secret}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            else:
                form["client_id"] = self.client_id
                if secret:
                    form["client_secret"] = secret
        if self.scope:
            form["scope"] = self.scope
        if self.audience:
            form["audience"] = self.audience
        return httpx.Request("POST", self.token_url, data=form, headers=headers)

    def accept(self, response: httpx.Response) -> None:
        from distillr.connectors.http import RETRY_STATUSES, TransientError, parse_retry_after

        body: Any = None
        try:
            body = response.json()
        except ValueError:
            if response.status_code == 200:
                raise TransientError("the token endpoint's answer was cut short") from None
        if response.status_code in RETRY_STATUSES:
            raise TransientError(
                f"the token endpoint answered HTTP {response.status_code}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not body.get("access_token")
        ):
            detail = ""
            if isinstance(body, dict):
                detail = str(body.get("error_description") or body.get("error") or "")
            raise AuthError(
                self.redact(
                    f"The token endpoint ({_path(self.token_url)}) did not give an access token"
                    f" (HTTP {response.status_code}{': ' + detail if detail else ''}). Check the"
                    f" source's {self.name} settings and secrets."
                ),
                status=response.status_code,
                api_message=self.redact(detail) or None,
                path=_path(self.token_url),
            )
        lifetime = body.get("expires_in")
        try:
            seconds = float(lifetime) if lifetime is not None else 3600.0
        except (TypeError, ValueError):
            seconds = 3600.0
        with self._lock:
            self._token = str(body["access_token"])
            self._expires = time.monotonic() + max(0.0, seconds - _EXPIRY_MARGIN)
            rotated = body.get("refresh_token")
            if rotated and "refresh_token" in self.secret_names:
                self._secrets = {**self._secrets, "refresh_token": str(rotated)}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def sign(self, request: httpx.Request) -> None:
        request.headers["Authorization"] = f"Bearer {self._token}"

    def describe(self) -> str:
        return f"{self.name} ({_path(self.token_url)})"


_OAUTH_SETTINGS = [
    Setting(
        "token_url",
        "url",
        "the token endpoint, e.g. https://auth.example.com/oauth/token",
        required=True,
        identity=True,
    ),
    Setting("client_id", "string", "the OAuth client id", identity=True),
    Setting("scope", "string", "the scopes to ask for, space-separated"),
    Setting("audience", "string", "the audience to ask for (some providers need it)"),
    Setting(
        "client_auth",
        "choice",
        "how the client authenticates to the token endpoint",
        default="body",
        choices=("body", "basic"),
    ),
]


class OAuth2ClientCredentials(_OAuth2):
    """OAuth 2.0 client credentials grant (machine-to-machine)."""

    name = "oauth2_client_credentials"
    settings = Settings(_OAUTH_SETTINGS)
    secret_names = ("client_secret",)

    def grant(self) -> dict[str, str]:
        return {"grant_type": "client_credentials"}


class OAuth2RefreshToken(_OAuth2):
    """OAuth 2.0 refresh token grant: a long-lived refresh token buys access tokens."""

    name = "oauth2_refresh_token"
    settings = Settings(_OAUTH_SETTINGS)
    secret_names = ("refresh_token",)
    optional_secrets = ("client_secret",)

    def grant(self) -> dict[str, str]:
        return {"grant_type": "refresh_token", "refresh_token": self.secret("refresh_token")}


SCHEMES: dict[str, type[AuthScheme]] = {
    cls.name: cls
    for cls in (
        NoAuth,
        BasicAuth,
        BearerAuth,
        ApiKeyAuth,
        OAuth2ClientCredentials,
        OAuth2RefreshToken,
    )
}


def make_auth(spec: Any = None, secrets: Mapping[str, str] | None = None) -> AuthScheme:
    """An auth scheme from a name, a dict (``{"type": "basic", "username": ...}``) or an
    instance, bound to ``secrets`` (``None``: check the options only, for a definition
    without its secrets)."""
    scheme: AuthScheme = make_strategy("auth scheme", SCHEMES, spec or "none", AuthScheme)
    if secrets is not None:
        scheme.bind(secrets)
    return scheme


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not parts.hostname:
        return url
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"


@functools.cache
def _adapter_class() -> type:
    import httpx

    from distillr.connectors.http import note_side_request

    class _Adapter(httpx.Auth):
        requires_response_body = True

        def __init__(self, scheme: AuthScheme) -> None:
            self.scheme = scheme

        def _token(self) -> Iterator[httpx.Request]:
            token_request = self.scheme.refresh()
            if token_request is None:
                return
            response = yield token_request
            note_side_request(len(response.content))
            self.scheme.accept(response)

        def auth_flow(self, request: httpx.Request) -> Iterator[httpx.Request]:
            scheme = self.scheme
            fresh = False
            if scheme.needs_token():
                yield from self._token()
                fresh = True
            scheme.sign(request)
            response = yield request
            if response.status_code == 401 and isinstance(scheme, _OAuth2) and not fresh:
                # the cached token may have been revoked or expired early: one new one (the
                # refused request is counted here, the retry by the caller)
                note_side_request(len(response.content))
                scheme.invalidate()
                yield from self._token()
                scheme.sign(request)
                yield request

    return _Adapter


class _Redactor(logging.Filter):
    """Masks every bound scheme's secrets in httpx's and httpcore's log records."""

    def __init__(self) -> None:
        super().__init__()
        self._schemes: weakref.WeakSet[AuthScheme] = weakref.WeakSet()
        self._installed = False
        self._lock = threading.Lock()

    def add(self, scheme: AuthScheme) -> None:
        with self._lock:
            self._schemes.add(scheme)
            if not self._installed:
                for name in ("httpx", "httpcore"):
                    logging.getLogger(name).addFilter(self)
                self._installed = True

    def filter(self, record: logging.LogRecord) -> bool:
        schemes = list(self._schemes)
        if not schemes:
            return True
        text = record.getMessage()
        masked = text
        for scheme in schemes:
            masked = scheme.redact(masked)
        if masked != text:
            record.msg, record.args = masked, None
        return True


_REDACTOR = _Redactor()
