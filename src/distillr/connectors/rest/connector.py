"""The Custom API connector (type ``rest``): any REST API, described by a definition, as SQL.

Usage::

    from distillr.connectors.rest import RestConnector
    src = RestConnector.from_dict("jira", {"base_url": ..., "auth": ..., "endpoints": [...]},
                                  secrets={"password": "..."})
    con.register("jira", src)

Each endpoint is a table, answering to its name, its aliases and its URL's path form with
``:param`` (``/board/:boardId/epic``). ``plan`` binds parameters from the pushed predicates
(``IN`` fans out, one split per value), checks the required ones and the values' types before
any request, and describes each split as ``GET /path?query`` (never a secret). ``read`` walks
the pages with the endpoint's paginator through the shared HTTP client; where the first page
gives a total, the remaining pages are fetched concurrently (at most ``concurrency`` at a time,
in order, so memory stays bounded and a LIMIT stops the fetching). Pages are fitted to the
table's schema (``rest/schema.py``): nothing that does not fit is dropped.

Schemas: an endpoint's columns come from its stored ``schema`` (and declared ``columns``). An
endpoint without either is sampled once, when a query first names it, if it needs no value the
definition cannot give; those requests are counted in that query's stats. :meth:`refresh`
samples again and returns the definition to save.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urlsplit

import pyarrow as pa

from distillr.connectors.arrow import warm_up
from distillr.connectors.auth import AuthScheme, make_auth
from distillr.connectors.base import (
    Connector,
    Learned,
    ScanRequest,
    ScanStats,
    Split,
    TableDef,
)
from distillr.connectors.formats import Parsed, value_at
from distillr.connectors.http import HttpClient, RateLimit, RetryPolicy
from distillr.connectors.paginators import Page, PageRequest, Progress
from distillr.connectors.rest.definition import EndpointDef, ParamDef, SourceDef
from distillr.connectors.rest.loading import load_definition, load_file
from distillr.connectors.rest.pushdown import Bound, bind, wire
from distillr.connectors.rest.schema import infer, merge_specs
from distillr.connectors.rest.settings import REST_SETTINGS
from distillr.connectors.rest.tables import RestTable, build_table
from distillr.connectors.rest.types import to_notation
from distillr.connectors.urls import path_segment
from distillr.errors import (
    AuthError,
    CatalogError,
    DistillrError,
    SourceError,
    TooManyRequests,
    did_you_mean,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["Refresh", "RestConnector"]

_COMMON_ERROR_PATHS = (
    "errorMessages",
    "message",
    "error.message",
    "error_description",
    "error",
    "detail",
    "errors",
)


@dataclass
class Refresh:
    """What :meth:`RestConnector.refresh` did: the new definition (to save), the endpoints
    sampled, and why others were not."""

    definition: SourceDef
    sampled: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


class RestConnector(Connector):
    """A Custom API source: a base URL, an auth scheme and endpoints, from a definition."""

    type: ClassVar[str] = "rest"
    label: ClassVar[str] = "Custom API"
    description: ClassVar[str] = "Any REST API, described by its base URL, auth and endpoints"
    category: ClassVar[str] = "custom_api"
    form: ClassVar[str] = "definition"
    config_file: ClassVar[str | None] = "the Custom API definition"
    #: ``base_url`` and ``auth`` bear the identity (``REST_SETTINGS``): editing endpoints
    #: keeps the saved secrets
    settings = REST_SETTINGS

    def __init__(
        self,
        name: str,
        definition: SourceDef | Mapping[str, Any],
        secrets: Mapping[str, str] | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Any = None,
    ) -> None:
        super().__init__(name)
        self.definition = load_definition(definition, f"the definition of source '{name}'")
        d = self.definition
        self.auth: AuthScheme = make_auth(d.auth, dict(secrets or {}))
        self.max_concurrency = d.concurrency
        self.base_url = d.base_url
        extra = {"sleep": sleep} if sleep is not None else {}
        self.http = HttpClient(
            label=f"The API of source '{name}'",
            transport=transport,
            timeout=d.timeout,
            retry=retry,
            max_concurrency=d.concurrency,
            headers={"User-Agent": "distillr", **d.headers},
            # the API's own host is the base URL's: its error answers may be shown
            known_hosts=(urlsplit(d.base_url).hostname or "",),
            **extra,
        )
        if d.requests_per_second:
            self.http.rate = RateLimit(d.requests_per_second)
        self._httpx_auth: Any = None
        self._tables: dict[str, RestTable] = {}
        self._lock = threading.RLock()
        self._pending = ScanStats()  # sampling done while a query named a table

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_source(
        cls, name: str, options: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> RestConnector:
        return cls(name, dict(options), secrets)

    @classmethod
    def from_dict(
        cls,
        name: str,
        definition: Mapping[str, Any],
        secrets: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> RestConnector:
        return cls(name, definition, secrets, **kwargs)

    @classmethod
    def from_file(
        cls, name: str, path: str, secrets: Mapping[str, str] | None = None, **kwargs: Any
    ) -> RestConnector:
        return cls(name, load_file(path), secrets, **kwargs)

    def __repr__(self) -> str:
        return f"<RestConnector {self.name!r} {urlsplit(self.base_url).hostname}>"

    # -- what the CLI, the registry and the web form ask of the type ----------------------

    @classmethod
    def load_config(cls, path: str) -> dict[str, Any]:
        return load_file(path).to_dict()

    @classmethod
    def export_config(cls, options: Mapping[str, Any]) -> str:
        from distillr.connectors.rest.loading import dump_yaml

        return dump_yaml(load_definition(dict(options), "the saved definition"))

    @classmethod
    def needed_secrets(cls, options: Mapping[str, Any]) -> tuple[str, ...]:
        return load_definition(dict(options)).secret_names()

    @classmethod
    def addresses(cls, options: Mapping[str, Any]) -> dict[str, str]:
        auth = options.get("auth")
        url = auth.get("token_url") if isinstance(auth, Mapping) else None
        return {"auth.token_url": url} if isinstance(url, str) and url else {}

    @classmethod
    def form_details(cls) -> dict[str, Any]:
        from distillr.connectors.rest.settings import form_details

        return form_details()

    @classmethod
    def templates(cls) -> Mapping[str, Any]:
        from distillr.connectors.rest.templates import template, template_names

        return {name: template(name) for name in template_names()}

    @classmethod
    def template_source(
        cls, template: str, values: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        from distillr.connectors.rest.templates import template as find

        t = find(template)
        return t.definition(values).to_dict(), t.source_secrets(secrets)

    def learn(
        self, tables: Sequence[str] | None = None, pages: int = 1, missing_only: bool = False
    ) -> Learned:
        """Refresh the schemas (see :meth:`refresh`); the definition to save as options."""
        wanted = list(tables) if tables else None
        if missing_only:
            names = wanted or [ep.name for ep in self.definition.endpoints]
            wanted = [n for n in names if self.rest_table(n).endpoint.inferred is None]
            if not wanted:
                return Learned(self.definition.to_dict())
        done = self.refresh(wanted, pages=pages, skip_errors=not tables)
        return Learned(done.definition.to_dict(), done.sampled, done.skipped)

    # -- catalog --------------------------------------------------------------------------

    def _table(self, ep: EndpointDef) -> RestTable:
        with self._lock:
            t = self._tables.get(ep.name)
            if t is None:
                t = self._tables[ep.name] = build_table(ep)
            return t

    def tables(self) -> Sequence[TableDef]:
        return [self._table(ep).table for ep in self.definition.endpoints]

    def rest_table(self, name: str) -> RestTable:
        wanted = name.lower()
        for ep in self.definition.endpoints:
            t = self._table(ep)
            if wanted == ep.name.lower() or wanted in (a.lower() for a in t.table.aliases):
                return t
        names = [ep.name for ep in self.definition.endpoints]
        raise CatalogError(
            f"Source '{self.name}' has no table '{name}'.{did_you_mean(name, names)}"
            f" Run SHOW TABLES IN {self.name} to see its tables."
        )

    def table(self, name: str) -> TableDef:
        t = self.rest_table(name)
        if not t.typed:
            t = self._sample_on_use(t)
        return t.table

    def _sample_on_use(self, t: RestTable) -> RestTable:
        """An endpoint without a schema is sampled when a query first names it (counted in that
        query's stats); one that needs values the definition lacks keeps its bare columns."""
        with self._lock:
            current = self._tables[t.name]
            if current.typed or current.endpoint.inferred is not None:
                return current
            try:
                values = self._sample_values(current.endpoint, {}, {})
            except LookupError:
                return current
            records = self._sample(current, values, self._pending)
            self._adopt(current.endpoint, records)
            return self._tables[t.name]

    # -- planning -------------------------------------------------------------------------

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        t = self.rest_table(request.table)
        self._bill_pending(stats)
        if request.limit is not None and request.limit <= 0:
            return []
        bound = bind(t, request.predicates)
        if bound.empty:
            return []
        names = list(bound.values)
        combos = list(itertools.product(*(bound.values[n] for n in names)))
        if len(combos) > max(self.max_fanout, 1) * 20:
            raise TooManyRequests(
                f"Reading '{t.name}' would take {len(combos)} separate scans (one per"
                " combination of parameter values). Narrow the query: fewer values in IN (...)."
            )
        return [
            self._split(t, dict(zip(names, combo, strict=True)), request.limit) for combo in combos
        ]

    def _bill_pending(self, stats: ScanStats | None) -> None:
        with self._lock:
            pending, self._pending = self._pending, ScanStats()
        if stats is not None and pending.requests:
            stats.add(
                requests=pending.requests,
                bytes=pending.bytes,
                retries=pending.retries,
                throttled=pending.throttled,
            )
            for line in pending.probes:
                stats.probe(line)

    def _split(self, t: RestTable, values: Mapping[str, Any], limit: int | None) -> Split:
        ep = t.endpoint
        path_values, query, body, filled = {}, dict(ep.query), dict(ep.body or {}), {}
        for name, value in values.items():
            p = t.params[name]
            sent = wire(value, p, t.name)
            if p.location == "path":
                path_values[name] = path_segment(sent, parameter=name, table=t.name)
            elif p.location == "body":
                body[name] = _body_value(value, sent, p)
            else:
                query[name] = sent
        for column, p in t.filled.items():
            if p.name in values:
                filled[column] = _typed(values[p.name], p)
        path = ep.url
        for name, segment in path_values.items():
            path = _fill(path, name, segment)
        first = t.paginator.first(PageRequest(self.base_url + path, query, body or None), limit)
        params = {
            "url": first.url,
            "query": dict(first.params),
            "body": first.body,
            "filled": filled,
        }
        return Split(table=t.name, params=params, limit=limit, describe=self._shown(ep, first))

    def _shown(self, ep: EndpointDef, request: PageRequest) -> str:
        path = urlsplit(request.url).path
        query = urlencode({k: str(v) for k, v in request.params.items()})
        text = f"{ep.method} {path}" + (f"?{query}" if query else "")
        if request.body:
            text += " " + json.dumps(request.body, default=str, separators=(",", ":"))
        return self.auth.redact(text)

    # -- reading --------------------------------------------------------------------------

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        t = self.rest_table(split.table)
        p = split.params
        request = PageRequest(p["url"], dict(p["query"]), p.get("body"))
        constants = dict(p.get("filled") or {})
        remaining = split.limit
        progress = Progress(f"Table '{t.name}' of source '{self.name}'", t.endpoint.max_pages)
        warm_up()
        page, parsed = self._fetch(t, request, stats, progress)
        for batch in self._emit(t, parsed.records, constants, remaining, stats):
            remaining = None if remaining is None else remaining - batch.num_rows
            yield batch
        if remaining is not None and remaining <= 0:
            return
        rest = t.paginator.rest(page, remaining) if t.paginator.concurrent else None
        if rest is not None:
            yield from self._read_concurrently(t, rest, constants, remaining, stats, progress)
            return
        while True:
            nxt = t.paginator.next(page)
            if nxt is None:
                return
            page, parsed = self._fetch(t, nxt, stats, progress)
            for batch in self._emit(t, parsed.records, constants, remaining, stats):
                remaining = None if remaining is None else remaining - batch.num_rows
                yield batch
            if remaining is not None and remaining <= 0:
                return

    def _read_concurrently(
        self,
        t: RestTable,
        requests: list[PageRequest],
        constants: dict[str, Any],
        remaining: int | None,
        stats: ScanStats | None,
        progress: Progress,
    ) -> Iterator[pa.RecordBatch]:
        """The pages after the first, at most ``concurrency`` in flight, yielded in order."""
        window = max(1, self.definition.concurrency)
        pending: list[Future[tuple[Page, Parsed]]] = []
        todo = iter(requests)
        pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="distillr-rest-page")
        try:
            for req in itertools.islice(todo, window):
                pending.append(pool.submit(self._fetch, t, req, stats, None))
            while pending:
                page, parsed = pending.pop(0).result()
                progress.request(page.request, self._shown(t.endpoint, page.request))
                # refilled before converting, so the window stays full while this page converts
                for req in itertools.islice(todo, 1):
                    pending.append(pool.submit(self._fetch, t, req, stats, None))
                for batch in self._emit(t, parsed.records, constants, remaining, stats):
                    remaining = None if remaining is None else remaining - batch.num_rows
                    yield batch
                if page.count == 0 or (remaining is not None and remaining <= 0):
                    return
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _emit(
        self,
        t: RestTable,
        records: list[dict[str, Any]],
        constants: dict[str, Any],
        remaining: int | None,
        stats: ScanStats | None,
    ) -> Iterator[pa.RecordBatch]:
        if remaining is not None and len(records) > remaining:
            records = records[:remaining]
        batch = t.convert(records, constants)
        if stats is not None:
            stats.add(pages=1, rows=batch.num_rows)
        if batch.num_rows:
            yield batch

    def _fetch(
        self, t: RestTable, request: PageRequest, stats: ScanStats | None, progress: Progress | None
    ) -> tuple[Page, Parsed]:
        ep = t.endpoint
        shown = self._shown(ep, request)
        if progress is not None:
            progress.request(request, shown)
        if self._httpx_auth is None:
            self._httpx_auth = self.auth.httpx_auth() or False
        body = request.body
        reply = self.http.request(
            ep.method,
            request.url,
            params=request.params or None,
            json=body if body and ep.body_format == "json" else None,
            data={k: str(v) for k, v in body.items()}
            if body and ep.body_format == "form"
            else None,
            headers={"Accept": t.format.content_type, **ep.headers},
            auth=self._httpx_auth or None,
            stats=stats,
            decode=t.format.parse,
            refuse=lambda response, method, path: self._refused(ep, response, method, path),
            give_up=lambda method, path, response, reason, n: self._gave_up(
                ep, method, path, response, reason, n
            ),
        )
        parsed: Parsed = reply.body
        if progress is not None:
            progress.page(reply.content, len(parsed.records), shown)
        page = Page(
            request, parsed.document, len(parsed.records), reply.headers, reply.links, self.base_url
        )
        return page, parsed

    # -- errors ---------------------------------------------------------------------------

    def _api_message(self, ep: EndpointDef | None, response: httpx.Response | None) -> str | None:
        if response is None:
            return None
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            text = response.text[:200].strip()
            return self.auth.redact(text) if text and "<" not in text[:1] else None
        paths = [p for p in ((ep.error_path if ep else None), self.definition.error_path) if p]
        for path in [*paths, *_COMMON_ERROR_PATHS]:
            found = value_at(body, path)
            text = _message_text(found)
            if text:
                return self.auth.redact(text)
        return None

    def _refused(
        self, ep: EndpointDef, response: httpx.Response, method: str, path: str
    ) -> SourceError:
        status = response.status_code
        message = self._api_message(ep, response)
        path = self.auth.redact(path)
        detail = message or "no details"
        if status == 401:
            return AuthError(
                f"The API of source '{self.name}' rejected the credentials (HTTP 401) for"
                f" {method} {path}: {detail}. Check the source's auth ({self.auth.describe()})"
                " and its secrets.",
                status=status,
                api_message=message,
                path=path,
            )
        hint = {
            403: "The credentials may not read this resource.",
            404: "Check the path parameters and the endpoint's URL: the resource may not exist.",
            400: "A parameter or pushed-down filter may be malformed.",
            410: "The API has removed this endpoint: update the definition.",
        }.get(status, "")
        return SourceError(
            f"The API of source '{self.name}' answered HTTP {status} to {method} {path}:"
            f" {detail}. {hint}".rstrip(),
            status=status,
            api_message=message,
            path=path,
        )

    def _gave_up(
        self,
        ep: EndpointDef,
        method: str,
        path: str,
        response: httpx.Response | None,
        reason: str,
        attempts: int,
    ) -> SourceError:
        message = self._api_message(ep, response)
        path = self.auth.redact(path)
        detail = f": {message}" if message else ""
        return SourceError(
            f"The API of source '{self.name}': {method} {path} failed after {attempts + 1}"
            f" attempts; last: {self.auth.redact(reason)}{detail}. The query returned no partial"
            " data; try again later, or lower the source's concurrency or requests_per_second.",
            status=response.status_code if response is not None else None,
            api_message=message,
            path=path,
        )

    # -- schema ---------------------------------------------------------------------------

    def _sample_values(
        self, ep: EndpointDef, given: Mapping[str, Any], rows: Mapping[str, list[dict[str, Any]]]
    ) -> dict[str, Any]:
        """Values for the parameters an endpoint needs, to sample it; ``LookupError`` naming
        the first one without a value."""
        values: dict[str, Any] = {}
        for p in ep.all_params():
            if p.name in given:
                values[p.name] = given[p.name]
            elif p.example is not None:
                values[p.name] = p.example
            elif p.default is not None:
                continue
            elif p.sample_from:
                other, column = p.sample_from.split(".")
                found = next(
                    (
                        r.get(column)
                        for r in rows.get(other.lower(), [])
                        if r.get(column) is not None
                    ),
                    None,
                )
                if found is None:
                    raise LookupError(f"{p.name}: no value of {p.sample_from} was sampled")
                values[p.name] = found
            elif p.required or p.location == "path":
                raise LookupError(f"{p.name} has no example value")
        return values

    def _sample(
        self, t: RestTable, values: Mapping[str, Any], stats: ScanStats, pages: int = 1
    ) -> list[dict[str, Any]]:
        bound = Bound({k: (v,) for k, v in values.items()})
        for p in t.params.values():
            if p.name not in bound.values and p.default is not None:
                bound.values[p.name] = (p.default,)
        split = self._split(t, {k: v[0] for k, v in bound.values.items()}, None)
        stats.probe(split.describe)
        p = split.params
        request = PageRequest(p["url"], dict(p["query"]), p.get("body"))
        records: list[dict[str, Any]] = []
        progress = Progress(f"Sampling table '{t.name}'", pages)
        for _ in range(pages):
            page, parsed = self._fetch(t, request, stats, progress)
            records.extend(parsed.records)
            nxt = t.paginator.next(page)
            if nxt is None:
                break
            request = nxt
        return records

    def _adopt(self, ep: EndpointDef, records: list[dict[str, Any]]) -> EndpointDef:
        """The endpoint with the schema the records suggest (merged with its old one),
        now in use."""
        specs = infer(records, build_table(ep).format.textual)
        old = build_table(ep).fields if ep.inferred else ()
        merged = merge_specs(old, specs) if old else specs
        new = ep.model_copy(update={"inferred": {s.name: to_notation(s) for s in merged}})
        endpoints = [new if e.name == ep.name else e for e in self.definition.endpoints]
        self.definition = self.definition.model_copy(update={"endpoints": endpoints})
        self._tables[ep.name] = build_table(new)
        return new

    def refresh(
        self,
        endpoints: Sequence[str] | None = None,
        samples: Mapping[str, Mapping[str, Any]] | None = None,
        stats: ScanStats | None = None,
        pages: int = 2,
        skip_errors: bool = False,
    ) -> Refresh:
        """Sample the endpoints again (each up to ``pages`` pages) and re-infer their schemas.

        ``samples`` gives parameter values per endpoint (``{"board_epics": {"boardId": 1}}``);
        otherwise each parameter's ``example``, default or ``sample_from`` is used, and an
        endpoint needing a value none gives is skipped (``Refresh.skipped`` says why), and so,
        with ``skip_errors``, is one whose sampling fails. The old types are kept and widened,
        never narrowed. Returns the definition to save."""
        stats = stats if stats is not None else ScanStats()
        wanted = {e.lower() for e in endpoints} if endpoints else None
        if wanted is not None:
            for e in wanted:
                self.rest_table(e)
        out = Refresh(self.definition)
        rows: dict[str, list[dict[str, Any]]] = {}
        order = _sample_order(self.definition.endpoints)
        with self._lock:
            for ep in order:
                if wanted is not None and ep.name.lower() not in wanted:
                    continue
                given = (samples or {}).get(ep.name, {})
                try:
                    values = self._sample_values(ep, given, rows)
                except LookupError as why:
                    out.skipped[ep.name] = f"needs a value for {why}"
                    continue
                t = self._table(ep)
                try:
                    records = self._sample(t, values, stats, pages)
                except DistillrError as exc:
                    if not skip_errors:
                        raise
                    out.skipped[ep.name] = f"sampling failed: {exc}"
                    continue
                rows[ep.name.lower()] = records
                self._adopt(ep, records)
                out.sampled.append(ep.name)
            out.definition = self.definition
        return out

    def check(self) -> None:
        for ep in self.definition.endpoints:
            try:
                values = self._sample_values(ep, {}, {})
            except LookupError:
                continue
            self._sample(self._table(ep), values, ScanStats(), pages=1)
            return

    def close(self) -> None:
        self.http.close()


def _sample_order(endpoints: Sequence[EndpointDef]) -> list[EndpointDef]:
    """Endpoints whose parameters are sampled from others come after those."""
    by_name = {e.name.lower(): e for e in endpoints}
    done: dict[str, EndpointDef] = {}

    def visit(ep: EndpointDef, trail: tuple[str, ...]) -> None:
        key = ep.name.lower()
        if key in done or key in trail:
            return
        for p in ep.params:
            if p.sample_from:
                other = by_name.get(p.sample_from.split(".")[0].lower())
                if other is not None:
                    visit(other, (*trail, key))
        done[key] = ep

    for ep in endpoints:
        visit(ep, ())
    return list(done.values())


def _fill(path: str, name: str, segment: str) -> str:
    import re

    return re.sub(r"\{" + re.escape(name) + r"(=[^{}]*)?\}", lambda _: segment, path)


def _typed(value: Any, p: ParamDef) -> Any:
    if isinstance(value, str) and p.type in ("integer", "number", "boolean"):
        from distillr.connectors.rest.pushdown import _typed_text

        return _typed_text(value, p, "")
    return value


def _body_value(value: Any, sent: Any, p: ParamDef) -> Any:
    if p.type in ("integer", "number", "boolean") and isinstance(value, (int, float, bool)):
        return value
    return sent


def _message_text(found: Any) -> str | None:
    if found is None or found == "" or found == [] or found == {}:
        return None
    if isinstance(found, str):
        return found[:300]
    if isinstance(found, list):
        parts = [_message_text(x) for x in found]
        return "; ".join(x for x in parts if x)[:300] or None
    if isinstance(found, dict):
        parts = [f"{k}: {_message_text(v)}" for k, v in found.items() if _message_text(v)]
        return "; ".join(parts)[:300] or None
    return str(found)[:300]
