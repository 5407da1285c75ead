"""``JiraSandbox``: the JIRA sandbox app served by uvicorn in a background thread
(:class:`distillr.sandbox.runner.SandboxServer`), and the data as the API serves it."""

from __future__ import annotations

from typing import Any

import msgspec

from distillr.errors import ConfigError
from distillr.sandbox.faults import Faults
from distillr.sandbox.jira import render as R
from distillr.sandbox.jira.app import JiraApp
from distillr.sandbox.jira.data import SCALES, JiraData
from distillr.sandbox.jira.values import BASE
from distillr.sandbox.requestlog import RequestLog
from distillr.sandbox.runner import SandboxServer


class JiraSandbox(SandboxServer):
    """A local JIRA Cloud API with seeded, related data, deterministic from ``seed``.

    ::

        with JiraSandbox(seed=42) as sb:
            httpx.get(sb.base_url + "/rest/agile/1.0/board", auth=(sb.email, sb.api_token))

    ``sb.app`` is the ASGI app (usable without a server through ``httpx.ASGITransport``),
    ``sb.data`` the :class:`JiraData`, ``sb.requests`` the log of served requests. The methods
    ``boards()``, ``issues()``, ... return every record of an endpoint as it serves them.
    """

    label = "JIRA"

    def __init__(
        self,
        seed: int = 42,
        scale: str = "small",
        issues: int | None = None,
        latency_ms: float = 0,
        faults: str | dict | Faults | None = None,
        email: str | None = None,
        api_token: str | None = None,
        token_ttl: float = 3600,
        host: str = "127.0.0.1",
        port: int = 0,
        now: Any = None,
    ) -> None:
        if scale not in SCALES:
            raise ConfigError(f"Unknown scale {scale!r}; use one of: {', '.join(SCALES)}.")
        if latency_ms < 0:
            raise ConfigError("latency_ms must be >= 0.")
        if token_ttl <= 0:
            raise ConfigError("token_ttl must be > 0 seconds.")
        SandboxServer.__init__(self, host, port)
        self.seed = seed
        self.data = R.precompute(
            JiraData(seed, scale, issues, now=now, email=email, api_token=api_token)
        )
        self.requests = RequestLog()
        self.app = JiraApp(
            self.data, faults=faults, latency_ms=latency_ms, log=self.requests, token_ttl=token_ttl
        )

    # ------------------------------------------------------------------ credentials
    @property
    def email(self) -> str:
        return self.app.creds.email

    @property
    def api_token(self) -> str:
        return self.app.creds.api_token

    @property
    def bearer_token(self) -> str:
        return self.app.creds.bearer_token

    @property
    def api_key(self) -> str:
        return self.app.creds.api_key

    @property
    def client_id(self) -> str:
        return self.app.creds.client_id

    @property
    def client_secret(self) -> str:
        return self.app.creds.client_secret

    @property
    def refresh_token(self) -> str:
        return self.app.creds.refresh_token

    @property
    def token_url(self) -> str:
        return self.base_url + "/test/oauth/token"

    def expire_tokens(self) -> None:
        """Expire every OAuth access token issued so far (the next use gets a 401)."""
        self.app.tokens.expire()

    @property
    def tokens_issued(self) -> int:
        return self.app.tokens.issued

    def clear_requests(self) -> None:
        self.requests.clear()

    def credentials(self) -> dict:
        """Everything a client needs (the sandbox's own test credentials)."""
        return {
            "base_url": self.base_url,
            "email": self.email,
            "api_token": self.api_token,
            "bearer_token": self.bearer_token,
            "api_key": self.api_key,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_url": self.token_url,
        }

    def __repr__(self) -> str:
        where = self.base_url if self.running else "not running"
        return f"<JiraSandbox {self.data.scale} seed={self.seed} {where}>"

    # ------------------------------------------------------------------ the data as served
    def _served(self, obj, base_url: str | None):
        base = base_url or (self.base_url if self.running else "http://testserver")
        raw = msgspec.json.encode(obj).replace(BASE.encode(), base.rstrip("/").encode())
        return msgspec.json.decode(raw)

    def boards(self, base_url: str | None = None) -> list[dict]:
        """Every board as ``/rest/agile/1.0/board`` lists them (by id)."""
        return self._served([R.board_json(b) for b in self.data.boards], base_url)

    def projects(self, base_url: str | None = None) -> list[dict]:
        """Every project as ``/rest/api/3/project/search`` lists them (by key)."""
        ps = sorted(self.data.projects, key=lambda p: p.key.lower())
        return self._served([R.project_json(p) for p in ps], base_url)

    def board_projects(self, board_id: int, base_url: str | None = None) -> list[dict]:
        board = self._board(board_id)
        ps = sorted(board.projects, key=lambda p: p.name.lower())
        return self._served([p.json for p in ps], base_url)

    def sprints(self, board_id: int, base_url: str | None = None) -> list[dict]:
        """A scrum board's sprints, oldest first (a kanban board has none)."""
        ss = self.data.board_sprints(self._board(board_id))
        return self._served([self.data.sprint_objects[s.index] for s in ss], base_url)

    def epics(self, board_id: int, base_url: str | None = None) -> list[dict]:
        """The epics of a board's projects, by rank."""
        rows = self.data.board_epics(self._board(board_id)).tolist()
        return self._served([self.data.epic_objects[r] for r in rows], base_url)

    def board_issues(self, board_id: int, base_url: str | None = None) -> list[dict]:
        """A board's issues as ``/board/{id}/issue`` serves them (Agile fields, by rank)."""
        rows = self.data.board_rows(self._board(board_id))
        return self._served(msgspec.Raw(self.app.encoder.issues(rows, agile=True)), base_url)

    def issues(self, base_url: str | None = None) -> list[dict]:
        """Every issue as ``/rest/api/3/issue/{key}`` serves it, by id (the test endpoints'
        order and shape)."""
        rows = range(len(self.data.issues))
        return self._served(msgspec.Raw(self.app.encoder.issues(rows)), base_url)

    def rows(self) -> list[dict]:
        """Every issue in one level, by id: what the CSV and XML test endpoints serve
        (``None`` where they leave a cell empty or an element out)."""
        return [R.flat_row(self.data, r) for r in range(len(self.data.issues))]

    def _board(self, board_id: int):
        board = self.data.board(int(board_id))
        if board is None:
            raise KeyError(f"no board {board_id}; boards are 1 to {len(self.data.boards)}")
        return board
