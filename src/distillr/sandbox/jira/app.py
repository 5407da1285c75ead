"""The JIRA sandbox as a plain ASGI app: routing, auth, faults, errors, the request log.

Rules: an unknown path is a 404 and a known path with another method a 405 (with ``Allow``),
both in JIRA's error shape; auth comes next (see :mod:`.auth`), then the injected faults (shared
with the Twilio sandbox: 429 and 503 carry ``Retry-After: 1``), then the handler. Every URL in a
body is addressed to the ``Host`` the client used. An unexpected failure is a 500 with JIRA's
body, never a traceback. Each request is logged with ``method, path, query, status, fault``,
plus ``auth`` (the scheme that let it in, or ``None``) and, for a POST, ``body`` (the decoded
JSON or form); secret values (``api_key``, ``client_secret``, ``refresh_token``) show as
``***`` in the log.
"""

from __future__ import annotations

import logging
from functools import cached_property
from urllib.parse import parse_qsl

import msgspec
import numpy as np

from distillr.sandbox import asgi
from distillr.sandbox.faults import RETRY_AFTER, FaultInjector, Faults
from distillr.sandbox.jira import api, testapi
from distillr.sandbox.jira.auth import (
    API_KEY_PARAM,
    SCHEMES,
    Credentials,
    Tokens,
    check_jira,
    check_test,
    masked,
)
from distillr.sandbox.jira.data import JiraData
from distillr.sandbox.jira.errors import HTTPError, bad_request, jira, plain
from distillr.sandbox.jira.params import parse
from distillr.sandbox.jira.render import IssueEncoder
from distillr.sandbox.jira.routing import JSON, Ctx, Endpoint, Reply, Router
from distillr.sandbox.jira.search import Searcher
from distillr.sandbox.jira.values import BASE_BYTES
from distillr.sandbox.requestlog import RequestLog
from distillr.sandbox.seeds import secret

log = logging.getLogger("distillr.sandbox")
AUTH_PREFIX = "/test/auth/"
OPENAPI_PATH = "/openapi.json"


class JiraApp:
    """ASGI app serving a :class:`JiraData` the way JIRA Cloud serves a site."""

    def __init__(
        self,
        data: JiraData,
        *,
        faults: str | dict | Faults | None = None,
        latency_ms: float = 0.0,
        log: RequestLog | None = None,
        token_ttl: float = 3600.0,
    ) -> None:
        self.data = data
        self.encoder = IssueEncoder(data)
        self.searcher = Searcher(data)
        iss = data.issues
        self.search_order = np.lexsort((np.arange(len(iss)), -iss.created))  # created DESC
        self.injector = FaultInjector(Faults.parse(faults), data.seed, latency_ms)
        self.faults = self.injector.faults
        self.log = log if log is not None else RequestLog()
        self.creds = Credentials.derive(data.seed, data.me.email, data.api_token)
        self.tokens = Tokens(token_ttl)
        self.endpoints: list[Endpoint] = [
            *api.endpoints(),
            *testapi.endpoints(),
            Endpoint(
                "GET",
                OPENAPI_PATH,
                self._openapi,
                "This document",
                [],
                None,
                auth="none",
                tag="meta",
            ),
        ]
        self.router = Router(self.endpoints)

    @cached_property
    def openapi(self) -> dict:
        from distillr.sandbox.jira.openapi import document

        return document(self.endpoints)

    def _openapi(self, ctx: Ctx) -> Reply:
        doc = dict(self.openapi)
        doc["servers"] = [{"url": ctx.req.base_url, "description": "this sandbox"}]
        return Reply(msgspec.json.encode(doc), content_type="application/json")

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await asgi.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        n = self.injector.number()
        req = asgi.Request.from_scope(scope)
        fault = None
        entry: dict = {"method": req.method, "path": req.path, "query": masked(req.query)}
        entry["auth"] = None
        try:
            ep, path_params, scheme, body = await self._route(req, receive, entry)
            entry["auth"] = self._authenticate(ep, scheme, req)
            fault = await self.injector.wait(n)
            _raise_fault(fault)
            query = [(k, v) for k, v in req.query if not (scheme == "query" and k == API_KEY_PARAM)]
            fail = _plain_400 if ep.tag == "test" else bad_request
            ctx = Ctx(req, parse(ep.params, query, fail), path_params, body, self)
            reply = ep.handler(ctx)
        except HTTPError as e:
            reply = Reply(e.body(), e.status, headers=e.headers)
        except Exception:  # never a traceback for the client: a 500 in JIRA's shape (logged here)
            log.exception("JIRA sandbox failed on %s %s", req.method, req.path)
            reply = Reply(jira(500, "Internal server error").body(), 500)
        if not 200 <= reply.status < 300:
            fault = None if fault not in ("429", "500", "503") else fault
        base = req.base_url.encode()
        body = reply.body.replace(BASE_BYTES, base)
        headers = [
            (b"content-type", reply.content_type.encode()),
            (b"x-arequestid", secret(self.data.seed, "request", n, length=24).encode()),
        ]
        headers += [
            (k.encode(), v.encode().replace(BASE_BYTES, base)) for k, v in reply.headers.items()
        ]
        entry.update(status=reply.status, fault=fault if fault else None)
        self.log.add(entry)
        await asgi.respond(
            send,
            reply.status,
            headers,
            body,
            fault=fault,
            head=req.method == "HEAD",
            slow_seconds=self.faults.slow_seconds,
        )

    async def _route(self, req: asgi.Request, receive, entry: dict):
        """(endpoint, path parameters, test auth scheme or None, request body)."""
        path, scheme = req.path, None
        if path.startswith(AUTH_PREFIX):
            scheme, _, rest = path[len(AUTH_PREFIX) :].partition("/")
            if scheme not in SCHEMES:
                raise jira(404, f"No test auth scheme {scheme!r}: use one of {', '.join(SCHEMES)}.")
            path = "/test/" + rest
        ep, params, allowed = self.router.match(req.method, path)
        if ep is None and allowed:
            raise jira(
                405,
                f"Method {req.method} is not allowed on {req.path[:200]}; "
                f"use {', '.join(allowed)}.",
                headers={"allow": ", ".join(allowed)},
            )
        if ep is None or (scheme is not None and ep.tag != "test"):
            raise jira(
                404,
                f"No endpoint at {req.path[:200]}; "
                f"the sandbox lists its endpoints at {OPENAPI_PATH}.",
            )
        body = b""
        if req.method == "POST":
            got = await asgi.read_body(receive)
            if got is None:
                raise jira(413, "The request body is larger than 1 MiB.")
            body = got
            entry["body"] = _logged_body(body, req.headers.get("content-type", ""))
        return ep, params, scheme, body

    def _authenticate(self, ep: Endpoint, scheme: str | None, req: asgi.Request) -> str | None:
        if scheme is not None:
            check_test(scheme, req.headers, req.query, self.creds, self.tokens)
            return scheme
        if ep.auth == "basic":
            check_jira(req.headers, self.creds)
            return "basic"
        return None


def _plain_400(message: str) -> HTTPError:
    return plain(400, "bad_request", message)


def _raise_fault(fault: str | None) -> None:
    if fault == "429":
        raise jira(429, "Rate limit exceeded.", headers={"retry-after": RETRY_AFTER})
    if fault == "500":
        raise jira(500, "Internal server error")
    if fault == "503":
        raise jira(503, "Service unavailable", headers={"retry-after": RETRY_AFTER})


def _logged_body(raw: bytes, content_type: str):
    if "application/x-www-form-urlencoded" in content_type:
        return dict(masked(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)))
    try:
        body = msgspec.json.decode(raw) if raw else None
    except msgspec.DecodeError:
        return raw[:200].decode("utf-8", "replace")
    if isinstance(body, dict):
        return dict(masked(body.items()))
    return body


__all__ = ["JSON", "JiraApp"]
