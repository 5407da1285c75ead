"""The sandbox as a plain ASGI app: auth, routing, paging, errors, headers, limits, faults.

Fault injection, the request log and the ASGI plumbing are the shared ones
(:mod:`distillr.sandbox.faults`, :mod:`distillr.sandbox.requestlog`, :mod:`distillr.sandbox.asgi`);
this module renders their 429/500/503 in Twilio's error shape.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import threading
import time
from collections import defaultdict

import numpy as np

from distillr.sandbox import asgi
from distillr.sandbox.faults import RETRY_AFTER, FaultInjector, Faults
from distillr.sandbox.requestlog import RequestLog
from distillr.sandbox.twilio import paging
from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.data import Dataset
from distillr.sandbox.twilio.errors import TwilioHTTPError, authenticate, not_found
from distillr.sandbox.twilio.routes import Router
from distillr.sandbox.twilio.store import BASE_MARK, Store

JSON_TYPE = b"application/json; charset=utf-8"
log = logging.getLogger("distillr.sandbox")

__all__ = ["RequestLog", "SandboxApp"]


class SandboxApp:
    """ASGI app serving a :class:`Dataset` the way Twilio's REST API serves an account."""

    def __init__(
        self,
        dataset: Dataset,
        *,
        faults: Faults | None = None,
        latency_ms: float = 0.0,
        max_concurrency: int = 100,
        log: RequestLog | None = None,
    ) -> None:
        self.data = dataset
        self.catalog = dataset.catalog
        self.router = Router(self.catalog)
        self.store = Store(dataset, self.catalog)
        self.injector = FaultInjector(faults, dataset.seed, latency_ms)
        self.faults = self.injector.faults
        self.max_concurrency = max_concurrency
        self.log = log if log is not None else RequestLog()
        self._inflight: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._patterns: dict[int, dict] = {}

    # ------------------------------------------------------------------ ASGI
    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await asgi.lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        t0 = time.perf_counter()
        n = self.injector.number()
        req = asgi.Request.from_scope(scope)
        method, path, query, headers = req.method, req.path, req.query, req.headers
        extra: dict[str, str] = {}
        account_key = None
        fault = None
        current = 0
        try:
            found = self.router.match(path)
            if found is None:
                raise not_found(path)
            route, params = found
            if method not in ("GET", "HEAD"):
                raise TwilioHTTPError(
                    405,
                    20004,
                    f"Method {method} not allowed on {path[:200]}",
                    {"allow": "GET, HEAD"},
                )
            if route.endpoint is not None and not self._path_params_ok(route, params):
                raise not_found(path)
            caller = self._authenticate(headers)
            account = self._account_for(caller, route, params)
            account_key = self.data.accounts[caller].owner_sid
            with self._lock:
                self._inflight[account_key] += 1
                current = self._inflight[account_key]
            extra["twilio-concurrent-requests"] = str(current)
            if current > self.max_concurrency:
                raise TwilioHTTPError(
                    429,
                    20429,
                    "Too many requests: the account has too many concurrent requests",
                    {"retry-after": "1"},
                )
            fault = await self.injector.wait(n)
            if fault == "429":
                raise TwilioHTTPError(429, 20429, "Too many requests", {"retry-after": RETRY_AFTER})
            if fault == "500":
                raise TwilioHTTPError(500, 20500, "Internal server error")
            if fault == "503":
                raise TwilioHTTPError(
                    503, 20503, "Service unavailable", {"retry-after": RETRY_AFTER}
                )
            body = self._handle(route, params, account, caller, query, path, req.base_url)
            status = 200
        except TwilioHTTPError as e:
            status, body = e.status, e.body()
            extra.update(e.headers)
            if fault in ("slow", "drop", "truncate"):
                fault = None
        except Exception:  # never a traceback for the client: a Twilio 500 (logged here)
            log.exception("sandbox failed on %s %s", method, path)
            status = 500
            body = TwilioHTTPError(500, 20500, "Internal server error").body()
            fault = None
        finally:
            if account_key is not None:
                with self._lock:
                    self._inflight[account_key] -= 1
        out_headers = [
            (b"content-type", JSON_TYPE),
            (b"twilio-request-id", V.sid("RQ", self.data.seed, n, time.time_ns()).encode()),
            (b"twilio-concurrent-requests", extra.pop("twilio-concurrent-requests", "1").encode()),
        ]
        for k, v in extra.items():
            out_headers.append((k.encode(), v.encode()))
        out_headers.append((b"twilio-request-duration", f"{time.perf_counter() - t0:.3f}".encode()))
        raw_path = (scope.get("raw_path") or path.encode("utf-8")).decode("latin-1")
        self.log.add(
            {
                "method": method,
                "path": path,
                "raw_path": raw_path,
                "query": query,
                "status": status,
                "fault": fault,
                # the account's requests in flight when this one arrived (itself included)
                "concurrent": current,
            }
        )
        await asgi.respond(
            send,
            status,
            out_headers,
            body,
            fault=fault,
            head=method == "HEAD",
            slow_seconds=self.faults.slow_seconds,
        )

    def _path_params_ok(self, route, params: dict[str, str]) -> bool:
        """Path parameters must look like what the spec says (a CallSid is CA + 32 hex)."""
        ep = route.endpoint
        checks = self._patterns.get(id(ep))
        if checks is None:
            checks = {}
            for p in ep.get("path_params", []):
                pat = (p.get("schema") or {}).get("pattern")
                if pat:
                    try:
                        checks[p["name"]] = re.compile(pat)
                    except re.error:
                        pass
            self._patterns[id(ep)] = checks
        return all(rx.search(params[name]) for name, rx in checks.items() if name in params)

    # ------------------------------------------------------------------ auth
    def _authenticate(self, headers: dict[str, str]) -> str:
        """The account SID the credentials act for."""
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("basic "):
            raise authenticate()
        try:
            user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            raise authenticate() from None
        if user.startswith("AC"):
            acct = self.data.accounts.get(user)
            if acct and hmac.compare_digest(acct.auth_token.encode(), password.encode()):
                return acct.sid
        elif user.startswith("SK"):
            key = self.data.api_keys.get(user)
            if key and hmac.compare_digest(key[0].encode(), password.encode()):
                return key[1]
        raise authenticate()

    def can_read(self, caller: str, account: str) -> bool:
        if caller == account:
            return True
        target = self.data.accounts.get(account)
        return bool(target and target.owner_sid == caller and caller == self.data.main.sid)

    def _account_for(self, caller: str, route, params: dict[str, str]) -> str:
        acct = params.get("AccountSid")
        if acct is None:
            ep = route.endpoint
            if (
                ep is not None
                and route.kind == "fetch"
                and ep["path"] == "/2010-04-01/Accounts.json"
            ):
                acct = params.get(ep.get("fetch_param") or "Sid")
                if acct is not None and not self.can_read(caller, acct):
                    raise authenticate()
            return caller
        if not self.can_read(caller, acct):
            raise authenticate()
        return acct

    # ------------------------------------------------------------------ handlers
    def _handle(self, route, params, account, caller, query, path, base) -> bytes:
        if route.kind == "balance":
            acct = self.data.accounts[account]
            return json.dumps(self.data.balance(acct.sid)).encode()
        ep = route.endpoint
        ctx_params = dict(params)
        if ep["path"] == "/2010-04-01/Accounts.json" or (
            route.kind == "fetch" and ep["path"] == "/2010-04-01/Accounts.json"
        ):
            ctx_params["__caller"] = caller
        if route.kind == "fetch":
            table, row = self.store.fetch(ep, account, ctx_params, path)
            text = table.render_json(np.array([row]))[0]
            return self._finish(ep, text, base)
        q = dict(query)
        size = paging.page_size(q.get("PageSize"))
        page = paging.page_number(q.get("Page"))
        token = q.get("PageToken") or None
        table, rows, used = self.store.rows(ep, account, ctx_params, query)
        desc = q.get("Order", "").lower() == "desc" and "Order" in self.store.filters_declared(ep)
        if desc:
            rows = rows[::-1]
        sel, pos = paging.select_page(table, rows, size, token, desc)
        records = table.render_page(sel)
        next_token = prev_token = None
        if len(sel) and pos + len(sel) < len(rows):
            next_token = "PA" + paging.row_key(table, int(sel[-1]))
        if len(sel) and pos > 0:
            prev_token = "PB" + paging.row_key(table, int(sel[0]))
        text = paging.envelope(
            style=ep.get("envelope", "v2010"),
            key=ep["list_key"],
            records=records,
            count=len(sel),
            path=path,
            base=base,
            filters=used,
            size=size,
            page=page,
            pos=pos,
            next_token=next_token,
            prev_token=prev_token,
            token=token,
        )
        return self._finish(ep, text, base)

    def _finish(self, ep: dict, text: str, base: str) -> bytes:
        if ep.get("envelope") == "meta" or ep.get("product") != "api":
            text = text.replace(BASE_MARK, base)  # absolute URLs of the newer products
        return text.encode()
