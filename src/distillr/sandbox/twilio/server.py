"""``TwilioSandbox``: the sandbox app served by uvicorn in a background thread
(:class:`distillr.sandbox.runner.SandboxServer`)."""

from __future__ import annotations

from typing import Any

from distillr.errors import ConfigError
from distillr.sandbox.faults import Faults
from distillr.sandbox.requestlog import RequestLog
from distillr.sandbox.runner import SandboxServer
from distillr.sandbox.twilio.app import SandboxApp
from distillr.sandbox.twilio.data import SCALES, Dataset

DEFAULT_MAX_CONCURRENCY = 100


def load_catalog() -> dict:
    from distillr import catalogs

    return catalogs.load("twilio")


class TwilioSandbox(SandboxServer):
    """A local Twilio REST API with realistic, related data, deterministic from ``seed``.

    ::

        with TwilioSandbox(seed=42) as sb:
            client = twilio.rest.Client(sb.account_sid, sb.auth_token)
            client.api.base_url = sb.base_url

    ``sb.app`` is the ASGI app (usable without a server through ``httpx.ASGITransport``),
    ``sb.data`` the :class:`Dataset`, ``sb.requests`` the log of served requests.
    """

    label = "Twilio"

    def __init__(
        self,
        seed: int = 42,
        scale: str = "small",
        messages: int | None = None,
        calls: int | None = None,
        latency_ms: float = 0,
        faults: str | dict | Faults | None = None,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        account_sid: str | None = None,
        auth_token: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        catalog: dict | None = None,
        now: Any = None,
    ) -> None:
        if scale not in SCALES:
            raise ConfigError(f"Unknown scale {scale!r}; use one of: {', '.join(SCALES)}.")
        if account_sid is not None and not (
            len(account_sid) == 34
            and account_sid.startswith("AC")
            and all(c in "0123456789abcdefABCDEF" for c in account_sid[2:])
        ):
            raise ConfigError("account_sid must be 'AC' followed by 32 hex digits.")
        if auth_token is not None and not auth_token:
            raise ConfigError("auth_token must not be empty.")
        if max_concurrency < 1:
            raise ConfigError("max_concurrency must be at least 1.")
        if latency_ms < 0:
            raise ConfigError("latency_ms must be >= 0.")
        SandboxServer.__init__(self, host, port)
        self.seed = seed
        self.data = Dataset(
            catalog or load_catalog(),
            seed=seed,
            scale=scale,
            messages=messages,
            calls=calls,
            account_sid=account_sid,
            auth_token=auth_token,
            now=now,
        )
        self.requests = RequestLog()
        self.app = SandboxApp(
            self.data,
            faults=Faults.parse(faults),
            latency_ms=latency_ms,
            max_concurrency=max_concurrency,
            log=self.requests,
        )

    # ------------------------------------------------------------------ credentials
    @property
    def account_sid(self) -> str:
        return self.data.main.sid

    @property
    def auth_token(self) -> str:
        return self.data.main.auth_token

    @property
    def subaccount_sid(self) -> str:
        return self.data.sub.sid

    @property
    def subaccount_auth_token(self) -> str:
        return self.data.sub.auth_token

    @property
    def api_key_sid(self) -> str:
        return next(k for k, (_, a) in self.data.api_keys.items() if a == self.account_sid)

    @property
    def api_key_secret(self) -> str:
        return self.data.api_keys[self.api_key_sid][0]

    def clear_requests(self) -> None:
        self.requests.clear()

    def credentials(self) -> dict:
        """Everything a client needs (the sandbox's own test credentials)."""
        return {
            "base_url": self.base_url,
            "account_sid": self.account_sid,
            "auth_token": self.auth_token,
            "api_key_sid": self.api_key_sid,
            "api_key_secret": self.api_key_secret,
            "subaccount_sid": self.subaccount_sid,
            "subaccount_auth_token": self.subaccount_auth_token,
        }

    def __repr__(self) -> str:
        where = self.base_url if self.running else "not running"
        return f"<TwilioSandbox {self.data.scale} seed={self.seed} {where}>"
