"""``TwilioSandbox``: the sandbox app served by uvicorn in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from distillr.errors import ConfigError
from distillr.sandbox.twilio.app import RequestLog, SandboxApp
from distillr.sandbox.twilio.data import SCALES, Dataset
from distillr.sandbox.twilio.faults import Faults

DEFAULT_MAX_CONCURRENCY = 100


def load_catalog() -> dict:
    from distillr import catalogs

    return catalogs.load("twilio")


class TwilioSandbox:
    """A local Twilio REST API with realistic, related data, deterministic from ``seed``.

    ::

        with TwilioSandbox(seed=42) as sb:
            client = twilio.rest.Client(sb.account_sid, sb.auth_token)
            client.api.base_url = sb.base_url

    ``sb.app`` is the ASGI app (usable without a server through ``httpx.ASGITransport``),
    ``sb.data`` the :class:`Dataset`, ``sb.requests`` the log of served requests.
    """

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
        self.seed = seed
        self.host = host
        self.port = port
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
        self._server = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

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

    @property
    def base_url(self) -> str:
        if self._sock is None:
            raise RuntimeError(
                "the sandbox is not running; use 'with TwilioSandbox() as sb:' or start()"
            )
        host, port = self._sock.getsockname()[:2]
        return f"http://{host}:{port}"

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
        where = self.base_url if self._sock is not None else "not running"
        return f"<TwilioSandbox {self.data.scale} seed={self.seed} {where}>"

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> TwilioSandbox:
        import uvicorn

        if self._thread is not None:
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as e:
            sock.close()
            raise ConfigError(
                f"Cannot listen on {self.host}:{self.port} ({e.strerror}); "
                "choose another --port or 0 for any free port."
            ) from None
        sock.listen(128)
        sock.setblocking(False)
        self._sock = sock
        # dropped connections are injected on purpose: uvicorn would log each as an error
        level = "critical" if self.app.faults.drop else "warning"
        config = uvicorn.Config(
            self.app, log_level=level, access_log=False, lifespan="off", timeout_graceful_shutdown=1
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="twilio-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Twilio sandbox server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def serve_forever(self) -> None:
        """Block until Ctrl-C (used by ``distillr sandbox``)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> TwilioSandbox:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
