"""The HTTP client every web-API connector shares.

One pooled ``httpx.Client`` (keep-alive) per source, with:

- timeouts;
- retries of GETs on 429, 5xx (not 501), dropped connections and truncated bodies, honouring
  ``Retry-After`` (capped; on a 503 as on a 429) and otherwise waiting an exponential backoff
  with full jitter, up to ``RetryPolicy.max_retries`` times;
- a host that has never answered and cannot be connected to (refused, no such host: after one
  quick retry; a connection attempt that timed out: at once) fails fast with an error saying
  the host is unreachable and to check the base URL; once a host has answered, connection
  failures are retried like the rest. Connections never made are not counted as requests;
- an adaptive concurrency limit (:class:`AdaptiveLimit`): at most ``max_concurrency`` requests in
  flight, halved on every 429 and grown back by one after a run of successes;
- counters (:class:`~distillr.connectors.base.ScanStats`): one set over the client's life, and
  one per call when the caller passes its own;
- a general :meth:`HttpClient.request` beside ``get_json``: any method, a JSON or form body,
  per-request auth and headers, an optional requests-per-second limit (:class:`RateLimit`), and
  a :class:`Reply` with the status, the response headers (for paginators) and the decoded body;
  every attempt is counted, and so are requests an auth scheme sends on the way (a token
  request, through :func:`note_side_request`);
- an optional response cache (``cache``, see :mod:`distillr.connectors.cache`): complete,
  decoded 2xx pages are stored, and a hit is served without a request; a page read through a
  ``PageCodec`` is stored as its Arrow batch, so a hit decodes no JSON;
- an injectable transport (``httpx.MockTransport``, ``httpx.ASGITransport``, ...) so tests need no
  sockets.

httpx is imported, and the ``httpx.Client`` (with its SSL context) built, on the first request:
planning, EXPLAIN and ``LIMIT 0`` queries never pay for them.

After the last retry a call raises :class:`~distillr.errors.SourceError` (``AuthError`` on 401)
carrying the HTTP status, the API's error code and message, and the request path: never a
credential. A body that cannot be read completely is never returned: it is retried or the call
fails.
"""

from __future__ import annotations

import contextvars
import dataclasses
import email.utils
import functools
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from distillr.connectors.base import ScanStats
from distillr.connectors.pagecodec import PageCodec, from_ipc, to_ipc
from distillr.errors import AuthError, SourceError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "AdaptiveLimit",
    "HttpClient",
    "RateLimit",
    "Reply",
    "RetryPolicy",
    "TransientError",
    "note_side_request",
]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@functools.cache
def _ssl_context() -> Any:
    """One SSL context for every client in the process: loading the CA bundle costs tens of
    milliseconds per ``httpx.Client`` otherwise (httpx's defaults, ``SSL_CERT_FILE`` too)."""
    import httpx

    return httpx.create_ssl_context()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry.

    ``backoff_base`` seconds doubles per attempt up to ``backoff_max`` (full jitter: the wait is
    uniform in ``[0, bound]``). A ``Retry-After`` header wins, capped at ``retry_after_max``.
    """

    max_retries: int = 6
    backoff_base: float = 0.25
    backoff_max: float = 20.0
    retry_after_max: float = 60.0

    def backoff(self, attempt: int) -> float:
        bound = min(self.backoff_max, self.backoff_base * (2**attempt))
        return random.uniform(0, bound)


class AdaptiveLimit:
    """A concurrency limit that halves on throttling and creeps back up (AIMD).

    >>> lim = AdaptiveLimit(8)
    >>> lim.throttled(); lim.limit
    4
    >>> for _ in range(4): lim.succeeded()
    >>> lim.limit
    5
    """

    def __init__(self, maximum: int) -> None:
        if maximum < 1:
            raise ValueError("maximum must be at least 1")
        self.maximum = maximum
        self.limit = maximum
        self.active = 0
        self._streak = 0
        self._last_cut = 0.0
        self._cond = threading.Condition()

    def acquire(self) -> None:
        with self._cond:
            while self.active >= self.limit:
                self._cond.wait()
            self.active += 1

    def release(self) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify()

    def throttled(self) -> None:
        """Halve the limit (at most once per 100 ms, so one burst of 429s is one cut)."""
        with self._cond:
            now = time.monotonic()
            if now - self._last_cut >= 0.1 or self._last_cut == 0.0:
                self.limit = max(1, self.limit // 2)
                self._last_cut = now
            self._streak = 0

    def succeeded(self) -> None:
        """Grow the limit by one after ``limit`` successes in a row."""
        with self._cond:
            if self.limit >= self.maximum:
                return
            self._streak += 1
            if self._streak >= self.limit:
                self.limit += 1
                self._streak = 0
                self._cond.notify_all()

    def __enter__(self) -> AdaptiveLimit:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class RateLimit:
    """At most ``per_second`` requests a second over a source (a token bucket of one second's
    worth, so a short burst is allowed after a pause); ``wait()`` blocks until one may go.

    >>> RateLimit(5).per_second
    5.0
    """

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        self.per_second = float(per_second)
        self._capacity = max(1.0, self.per_second)
        self._tokens = self._capacity
        self._clock = clock
        self._stamp = clock()
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Take one request's token; the seconds to wait before sending it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self.per_second)
            self._stamp = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.per_second

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        pause = self.delay()
        if pause > 0:
            sleep(pause)


@dataclass(frozen=True)
class Reply:
    """A successful response: status, headers, the body's bytes, what ``decode`` made of them,
    and the URL asked for (without what an auth scheme adds)."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    body: Any
    url: str
    links: Mapping[str, Mapping[str, str]]


#: the stats of the request in flight on this thread (for requests an auth scheme sends)
_CALL: contextvars.ContextVar[tuple[HttpClient, ScanStats | None] | None] = contextvars.ContextVar(
    "distillr_http_call", default=None
)


def note_side_request(size: int) -> None:
    """Count a request sent on the way to another (an OAuth token request in an auth flow)."""
    call = _CALL.get()
    if call is not None:
        call[0]._count(call[1], size)


class TransientError(Exception):
    """Raised on the way to a request (by an auth scheme whose token request met a 429, a 5xx
    or a body cut short) to have the whole request retried like any transient failure."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying.

    ``connect`` is set when no connection could be made (``"error"``: refused, no such host;
    ``"timeout"``: no answer to the connection attempt)."""

    def __init__(
        self,
        reason: str,
        wait: float | None = None,
        response: httpx.Response | None = None,
        connect: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.response = response
        self.connect = connect


#: retries of a refused connection to a host that has not answered yet (a wrong base URL
#: fails in well under a second); a connection attempt that timed out is not retried then
CONNECT_RETRIES = 1


def _transport_failure(exc: Exception) -> _Retry:
    """The retry for a request that failed on the way (``httpx.RequestError``)."""
    import httpx

    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, httpx.ConnectTimeout):
        return _Retry(reason, connect="timeout")
    if isinstance(exc, httpx.ConnectError):
        return _Retry(reason, connect="error")
    return _Retry(reason)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    >>> parse_retry_after("2")
    2.0
    >>> parse_retry_after(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL (what a connection is made to)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _path_of(url: str) -> str:
    """The path and query of a URL, for error messages (credentials are never in URLs)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _error_details(response: httpx.Response) -> tuple[int | None, str | None]:
    """The API's own error code and message from a JSON error body, if any."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None, (response.text[:200].strip() or None)
    if not isinstance(body, dict):
        return None, None
    code = body.get("code")
    message = body.get("message") or body.get("detail") or body.get("error")
    return (code if isinstance(code, int) else None), (str(message) if message else None)


#: builds the error for a 4xx answer: (response, method, path) -> error
RefuseHook = Callable[["httpx.Response", str, str], SourceError]
#: builds the error after the last retry: (method, path, last response, reason, attempts)
GiveUpHook = Callable[[str, str, "httpx.Response | None", str, int], SourceError]


class HttpClient:
    """A pooled, retrying, concurrency-limited JSON-over-HTTP client for one source.

    ``label`` names the API in error messages (``"Twilio"``). ``auth`` is the auth of every
    request: an auth scheme of :mod:`distillr.connectors.auth` (made into its httpx auth with
    the client, so httpx is still imported on the first request only), any httpx auth, or a
    ``(user, secret)`` pair for basic auth; it never appears in a message or a ``repr``.
    """

    #: a requests-per-second limit over every :meth:`request` (set by the connector)
    rate: RateLimit | None = None
    #: the response cache of the source (``connectors.cache.CacheBinding``), if it is on
    cache: Any = None

    def __init__(
        self,
        *,
        label: str = "The API",
        auth: Any = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 8,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        known_hosts: tuple[str, ...] = (),
        auth_hint: str = "Check the source's credentials (its secrets and the user or key"
        " they belong to).",
    ) -> None:
        self.label = label
        #: what a 401 tells the user to check
        self.auth_hint = auth_hint
        #: hosts (``scheme://host:port``) that have answered at least once
        self._reached: set[str] = set()
        #: host patterns of the API's own servers (``SourceError.known_host``)
        self.known_hosts = known_hosts
        self.retry = retry or RetryPolicy()
        self.limit = AdaptiveLimit(max_concurrency)
        self.stats = ScanStats()  # over the client's life
        self._sleep = sleep
        self._settings = {
            "auth": auth,
            "transport": transport,
            "timeout": timeout,
            "max_concurrency": max_concurrency,
            "headers": dict(headers or {}),
        }
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"<HttpClient {self.label} limit={self.limit.limit}/{self.limit.maximum}>"

    def _http(self) -> httpx.Client:
        """The pooled ``httpx.Client``, built on first use."""
        client = self._client
        if client is not None:
            return client
        import httpx

        with self._client_lock:
            if self._client is None:
                s = self._settings
                pool = httpx.Limits(
                    max_connections=s["max_concurrency"] * 2,
                    max_keepalive_connections=s["max_concurrency"] * 2,
                )
                auth = s["auth"]
                if hasattr(auth, "httpx_auth"):  # an auth scheme (connectors/auth.py)
                    auth = auth.httpx_auth()
                self._client = httpx.Client(
                    auth=auth,
                    transport=s["transport"],
                    verify=_ssl_context() if s["transport"] is None else True,
                    timeout=httpx.Timeout(s["timeout"], connect=min(s["timeout"], 10.0)),
                    limits=pool,
                    headers={"Accept": "application/json", **s["headers"]},
                    follow_redirects=False,
                )
                if self._closed:
                    self._client.close()  # used after close(): fail as httpx does
            return self._client

    def close(self) -> None:
        with self._client_lock:
            self._closed = True
            client = self._client
        if client is not None:
            client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        stats: ScanStats | None = None,
        decode: Callable[[bytes], Any] = msgspec.json.decode,
        refuse: RefuseHook | None = None,
        give_up: GiveUpHook | None = None,
    ) -> Reply:
        """Send one request, retrying what is safe to retry, and return its :class:`Reply`.

        Retried like ``get_json`` (429 with ``Retry-After``, 5xx, dropped connections, bodies that
        ``decode`` rejects with a ``ValueError``), for every method: the Custom API's POST
        endpoints are searches that read. ``refuse(response, method, path)`` builds the error for a
        4xx answer, ``give_up(method, path, last_response, reason, attempts)`` the one after the
        last retry; without them the client's own messages are used. ``path`` is the request's path
        and query as asked for, before ``auth`` adds anything to it."""
        import httpx

        full = httpx.URL(url, params=params) if params else httpx.URL(url)
        path = _path_of(str(full))
        codec = decode if isinstance(decode, PageCodec) else None
        parse = codec.decode if codec is not None else decode
        key = None
        if self.cache is not None:
            key = self.cache.key(method, str(full), None, json or data, codec.tag if codec else "")
            found = self._from_cache(key, stats, codec, parse)
            if found is not None:
                value, meta, content = found
                headers_ = httpx.Headers(meta.get("headers", []))
                links = httpx.Response(200, headers=headers_).links
                status = meta.get("status", 200)
                return Reply(status, headers_, content, value, str(full), links)

        def last_error(retry: _Retry, attempts: int) -> Exception:
            return give_up(method, path, retry.response, retry.reason, attempts)

        reply = self._retrying(
            lambda: self._request_once(
                method, full, json, data, headers, auth, stats, parse, refuse, path
            ),
            url,
            params,
            stats,
            last_error if give_up is not None else None,
        )
        if codec is not None:
            reply = dataclasses.replace(reply, body=codec.finish(reply.body))
        if key is not None and 200 <= reply.status < 300:
            meta = {"status": reply.status, "headers": list(reply.headers.multi_items())}
            self._store(key, reply.content, reply.body, codec, meta)
        return reply

    def _retrying(
        self,
        attempt_once: Callable[[], Any],
        url: str,
        params: Mapping[str, Any] | None,
        stats: ScanStats | None,
        last_error: Callable[[_Retry, int], Exception] | None = None,
    ) -> Any:
        """``attempt_once()``, again after each ``_Retry`` it raises (waiting as the retry
        asks, else backing off) up to the client's retry limit; then the error of the last
        attempt (``last_error``'s, else the client's own)."""
        attempt = 0
        while True:
            try:
                return attempt_once()
            except _Retry as retry:
                self._unreachable(url, retry, attempt)
                if attempt >= self.retry.max_retries:
                    if last_error is not None:
                        raise last_error(retry, attempt) from None
                    raise self._give_up(url, params, retry, attempt) from None
                wait = retry.wait if retry.wait is not None else self.retry.backoff(attempt)
                attempt += 1
                self.stats.add(retries=1)
                if stats is not None:
                    stats.add(retries=1)
                self._sleep(wait)

    def _request_once(
        self,
        method: str,
        full: httpx.URL,
        json: Any,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        auth: Any,
        stats: ScanStats | None,
        decode: Callable[[bytes], Any],
        refuse: RefuseHook | None,
        path: str,
    ) -> Reply:
        import httpx

        client = self._http()
        if self.rate is not None:
            self.rate.wait(self._sleep)
        token = _CALL.set((self, stats))
        try:
            with self.limit:
                try:
                    response = client.request(
                        method,
                        full,
                        json=json,
                        data=data,
                        headers=headers,
                        auth=auth if auth is not None else httpx.USE_CLIENT_DEFAULT,
                    )
                except httpx.RequestError as exc:
                    failure = _transport_failure(exc)
                    if failure.connect is None:  # it reached the server: it counts
                        self._count(stats, 0)
                    raise failure from None
                except TransientError as exc:
                    wait = None if exc.wait is None else min(exc.wait, self.retry.retry_after_max)
                    raise _Retry(exc.reason, wait) from None
        finally:
            _CALL.reset(token)
        self._reached.add(_origin(str(full)))
        size = len(response.content)
        self._count(stats, size)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise self._retry_for(response, stats)
        if status >= 400:
            if refuse is not None:
                raise refuse(response, method, path)
            raise self._refused(str(full), None, response)
        try:
            body = decode(response.content)
        except ValueError:
            raise _Retry("the response body was cut short or malformed") from None
        self.limit.succeeded()
        return Reply(status, response.headers, response.content, body, str(full), response.links)

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        stats: ScanStats | None = None,
        decode: Callable[[bytes], Any] = msgspec.json.decode,
    ) -> Any:
        """GET ``url`` and return its parsed JSON body, retrying what is safe to retry.

        ``decode`` turns a 200 response's bytes into what is returned; a ``ValueError`` from
        it means the body was cut short or mangled, and the request is retried. ``decode`` may
        be a :class:`~distillr.connectors.pagecodec.PageCodec`: then its ``finish`` runs after the
        body decoded, and the cache keeps the page as Arrow."""
        codec = decode if isinstance(decode, PageCodec) else None
        parse = codec.decode if codec is not None else decode
        key = None
        if self.cache is not None:
            key = self.cache.key("GET", url, params, tag=codec.tag if codec else "")
            found = self._from_cache(key, stats, codec, parse)
            if found is not None:
                return found[0]
        body, content, status = self._retrying(
            lambda: self._attempt(url, params, stats, parse), url, params, stats
        )
        if codec is not None:
            body = codec.finish(body)
        if key is not None and 200 <= status < 300:
            self._store(key, content, body, codec, {})
        return body

    def _attempt(
        self,
        url: str,
        params: Mapping[str, Any] | None,
        stats: ScanStats | None,
        decode: Callable[[bytes], Any],
    ) -> tuple[Any, bytes, int]:
        """One GET: (the decoded body, its bytes, the status)."""
        import httpx

        client = self._http()
        with self.limit:
            try:
                response = client.get(url, params=params)
            except httpx.RequestError as exc:  # dropped, refused, timed out, cut short, garbled
                failure = _transport_failure(exc)
                if failure.connect is None:  # it reached the server: it counts
                    self._count(stats, 0)
                raise failure from None
        self._reached.add(_origin(url))
        size = len(response.content)
        self._count(stats, size)
        status = response.status_code
        if status in RETRY_STATUSES:
            raise self._retry_for(response, stats)
        if status >= 400:
            raise self._refused(url, params, response)
        try:
            body = decode(response.content)
        except ValueError:
            # a body cut short or mangled on the way: never hand back part of a page
            raise _Retry("the response body was not complete JSON") from None
        self.limit.succeeded()
        return body, response.content, status

    def _unreachable(self, url: str, retry: _Retry, attempt: int) -> None:
        """Fail at once when a host that never answered cannot be connected to: a wrong base
        URL, a host that is down or a network in the way, not a passing hiccup."""
        if retry.connect is None:
            return
        origin = _origin(url)
        if origin in self._reached:
            return  # it answered before: retried like any other failure
        if retry.connect == "error" and attempt < CONNECT_RETRIES:
            return
        raise self._mark(
            url,
            SourceError(
                f"{self.label} at {origin} cannot be reached ({retry.reason}): the host is"
                " unreachable from here. Check the source's base URL (scheme, host and port)"
                " and the network.",
                path=self._request_path(url, None),
            ),
        ) from None

    def _retry_for(self, response: httpx.Response, stats: ScanStats | None) -> _Retry:
        """The retry a 429 or 5xx answer asks for: its ``Retry-After`` (capped) is the wait,
        whatever the status (503s carry one too); a 429 also halves the concurrency."""
        status = response.status_code
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is not None:
            wait = min(wait, self.retry.retry_after_max)
        if status != 429:
            return _Retry(f"HTTP {status}", wait, response)
        self.limit.throttled()
        self.stats.add(throttled=1)
        if stats is not None:
            stats.add(throttled=1)
        return _Retry("HTTP 429 (too many requests)", wait, response)

    def _from_cache(
        self,
        key: str,
        stats: ScanStats | None,
        codec: PageCodec | None,
        parse: Callable[[bytes], Any],
    ) -> tuple[Any, dict, bytes] | None:
        """(the page as the caller wants it, its stored meta, its raw bytes or ``b""``) from
        the cache, counted as a cache hit, not a request; ``None`` if there is none or it
        cannot be read (then it is fetched again)."""
        found = self.cache.get(key)
        if found is None:
            return None
        data, meta, stored = found
        try:
            if meta.get("arrow"):
                if codec is None:
                    return None
                value = codec.join(from_ipc(data), meta.get("rest"))
                data = b""
            else:
                value = parse(data)
                if codec is not None:
                    value = codec.finish(value)
        except (ValueError, KeyError, TypeError):
            return None  # damaged or of another shape: fetch it again
        self.stats.hit(stored)
        if stats is not None:
            stats.hit(stored)
        return value, meta, data

    def _store(
        self,
        key: str,
        content: bytes,
        value: Any,
        codec: PageCodec | None,
        meta: dict[str, Any],
    ) -> None:
        """Keep a complete, decoded 2xx page: as Arrow when a codec made it, else its bytes."""
        if codec is None:
            self.cache.put(key, content, meta)
            return
        batch, rest = codec.split(value)
        try:
            self.cache.put(key, to_ipc(batch), {**meta, "arrow": 1, "rest": rest})
        except (TypeError, ValueError):
            pass  # a remainder JSON cannot hold: the page is simply not stored

    def _count(self, stats: ScanStats | None, size: int) -> None:
        self.stats.add(requests=1, bytes=size)
        if stats is not None:
            stats.add(requests=1, bytes=size)

    def _request_path(self, url: str, params: Mapping[str, Any] | None) -> str:
        import httpx

        return _path_of(str(httpx.URL(url, params=params)))

    def _refused(
        self, url: str, params: Mapping[str, Any] | None, response: httpx.Response
    ) -> SourceError:
        code, message = _error_details(response)
        path = self._request_path(url, params)
        status = response.status_code
        detail = f"{message} (code {code})" if code is not None else (message or "no details")
        if status == 401:
            return self._mark(
                url,
                AuthError(
                    f"{self.label} rejected the credentials (HTTP 401): {detail}. {self.auth_hint}",
                    status=status,
                    code=code,
                    api_message=message,
                    path=path,
                ),
            )
        hint = {
            403: "The credentials may not read this resource.",
            404: "Check the path parameters: the resource may not exist.",
            400: "A pushed-down filter or parameter may be malformed.",
        }.get(status, "")
        return self._mark(
            url,
            SourceError(
                f"{self.label} answered HTTP {status} to GET {path}: {detail}. {hint}".rstrip(),
                status=status,
                code=code,
                api_message=message,
                path=path,
            ),
        )

    def _mark(self, url: str, error: SourceError) -> SourceError:
        """Note whether the answer came from one of the API's own hosts."""
        from fnmatch import fnmatch

        host = (urlsplit(url).hostname or "").lower()
        error.known_host = any(fnmatch(host, pattern) for pattern in self.known_hosts)
        return error

    def _give_up(
        self, url: str, params: Mapping[str, Any] | None, retry: _Retry, attempts: int
    ) -> SourceError:
        path = self._request_path(url, params)
        status = code = message = None
        if retry.response is not None:
            status = retry.response.status_code
            code, message = _error_details(retry.response)
        detail = f": {message}" + (f" (code {code})" if code is not None else "") if message else ""
        # only throttling is eased by fewer requests at once
        hint = "try again later" + (
            " or lower the source's max_concurrency" if status == 429 else ""
        )
        return self._mark(
            url,
            SourceError(
                f"{self.label} request GET {path} failed after {attempts + 1} attempts; last:"
                f" {retry.reason}{detail}. The query returned no partial data; {hint}.",
                status=status,
                code=code,
                api_message=message,
                path=path,
            ),
        )
