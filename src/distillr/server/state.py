"""What every route shares, kept on ``app.state.server`` (``server_of(request)`` gets it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request

from distillr.server.auth import AuthStore
from distillr.server.jobs import JobManager
from distillr.server.problems import Redactor
from distillr.server.settings import ServerSettings
from distillr.server.throttle import HashGate, LoginThrottle

__all__ = ["ServerState", "server_of"]


@dataclass
class ServerState:
    settings: ServerSettings
    home: Path | None
    require_auth: bool
    secure_cookies: bool
    auth: AuthStore
    jobs: JobManager
    connect: Callable[[], Any]
    own_sessions: bool
    static: Path
    redactor: Redactor
    throttle: LoginThrottle
    hashes: HashGate
    #: source -> real filter values for its sample queries, looked up once
    examples: dict[str, dict[str, Any]] = field(default_factory=dict)

    def registry(self) -> Any:
        from distillr.registry import Registry

        return Registry(str(self.home) if self.home else None)

    def session(self) -> Any:
        return self.connect()

    def done_with(self, session: Any) -> None:
        """Close a session from ``session()`` if the server made it."""
        if self.own_sessions and hasattr(session, "close"):
            try:
                session.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass


def server_of(request: Request) -> ServerState:
    return request.app.state.server
