"""Endpoints, declared once: method, path template, parameters, handler, response schema.

The app routes with these declarations and the OpenAPI document is generated from them. A path
template uses ``{name}`` for a path parameter (one segment, never empty); literal segments win
over parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from distillr.sandbox.asgi import Request
from distillr.sandbox.jira.params import Args, Param

JSON = "application/json;charset=UTF-8"


@dataclass
class Reply:
    body: bytes
    status: int = 200
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """What a handler gets: the request, its parsed parameters and body, the sandbox state."""

    req: Request
    args: Args
    path: dict[str, str]
    body: bytes
    app: object  # the JiraApp (data, encoder, searcher, credentials)


@dataclass
class Endpoint:
    method: str
    path: str  # OpenAPI-style template
    handler: Callable[[Ctx], Reply]
    summary: str = ""
    params: list[Param] = field(default_factory=list)
    schema: str | None = None  # the response's component schema
    auth: str = "basic"  # basic | none | a test scheme (see testapi)
    tag: str = "jira"
    body_schema: dict | None = None  # a JSON request body, for the OpenAPI document
    errors: tuple[int, ...] = (400, 401)
    _regex: re.Pattern = field(init=False, repr=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\\\{([A-Za-z]+)\\\}", r"(?P<\1>[^/]+)", re.escape(self.path))
        self._regex = re.compile(pattern + "$")

    @property
    def literal_segments(self) -> int:
        return sum(1 for s in self.path.split("/") if "{" not in s)

    def match(self, path: str) -> dict[str, str] | None:
        m = self._regex.match(path)
        return m.groupdict() if m else None


class Router:
    def __init__(self, endpoints: list[Endpoint]) -> None:
        self.endpoints = sorted(endpoints, key=lambda e: -e.literal_segments)

    def match(self, method: str, path: str) -> tuple[Endpoint | None, dict[str, str], list[str]]:
        """(endpoint, path parameters, allowed methods) for the most specific template that
        matches ``path``; no endpoint with allowed methods is a 405, with none a 404."""
        best = None
        allowed: list[str] = []
        for e in self.endpoints:
            got = e.match(path)
            if got is None or (best is not None and e.path != best):
                continue
            best = e.path
            allowed.append(e.method)
            if e.method == method or (method == "HEAD" and e.method == "GET"):
                return e, got, allowed
        return None, {}, allowed


def encode(obj) -> bytes:
    """JSON of ``obj`` (``msgspec.Raw`` values are spliced in as they are)."""
    return msgspec.json.encode(obj)
