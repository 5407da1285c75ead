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
from distillr.connectors.fanout import fan_out
from distillr.connectors.formats import Parsed
from distillr.connectors.http import HttpClient, RateLimit, RetryPolicy
from distillr.connectors.pagecodec import PageCodec, page_tag
from distillr.connectors.paginators import Page, PageRequest, Progress
from distillr.connectors.rest.definition import EndpointDef, ParamDef, SourceDef
from distillr.connectors.rest.errors import ApiErrors
from distillr.connectors.rest.loading import load_definition, load_file
from distillr.connectors.rest.pushdown import Bound, bind, wire
from distillr.connectors.rest.sampling import TRIES, parents, sample_order, sample_values
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
    did_you_mean,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["Refresh", "RestConnector"]


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
        self.errors = ApiErrors(name, self.auth, d)
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
        self._rows: dict[str, list[dict[str, Any]]] = {}  # the last sampled rows, by endpoint
        self._unterminated: set[str] = set()  # tables whose API ends no body with a line break

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
        query's stats), after the endpoints it takes sample values from; one that needs values
        nothing gives keeps its bare columns."""
        with self._lock:
            current = self._tables[t.name]
            if current.typed or current.endpoint.inferred is not None:
                return current
            before = {ep.name: ep.inferred for ep in self.definition.endpoints}
            self._sample_tree(current.endpoint, self._pending, ())
            learned = [e.name for e in self.definition.endpoints if e.inferred != before[e.name]]
            if learned and self.on_learned is not None:
                self.on_learned(Learned(self.definition.to_dict(), learned))
            return self._tables[t.name]

    def _sample_tree(
        self, ep: EndpointDef, stats: ScanStats, trail: tuple[str, ...]
    ) -> list[dict[str, Any]] | None:
        """The sampled rows of an endpoint (sampling it, and first those it takes values from,
        if not done yet; their schemas adopted); ``None`` if it cannot be sampled."""
        key = ep.name.lower()
        if key in self._rows:
            return self._rows[key]
        if key in trail:
            return None
        by_name = {e.name.lower(): e for e in self.definition.endpoints}
        for name in parents(ep):
            other = by_name.get(name)
            if other is not None and self._table(other).endpoint.inferred is None:
                try:
                    self._sample_tree(self._table(other).endpoint, stats, (*trail, key))
                except SourceError:
                    return None  # the query itself will show the API's answer
        try:
            records = self._sample_with(self._table(ep), {}, self._rows, stats, 1)
        except LookupError:
            return None
        self._adopt(self._table(ep).endpoint, records)
        return records

    # -- planning -------------------------------------------------------------------------

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        t = self.rest_table(request.table)
        self._bill_pending(stats)
        if request.limit is not None and request.limit <= 0:
            return []
        bound = bind(t, request.predicates)
        if bound.empty:
            return []
        fan = fan_out(t.name, list(bound.values.items()), max_fanout=self.max_fanout)
        return [self._split(t, values, request.limit) for values in fan.combinations()]

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
        page, batch = self._fetch_batch(t, request, constants, stats, progress)
        for out in self._emit(batch, remaining, stats):
            remaining = None if remaining is None else remaining - out.num_rows
            yield out
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
            page, batch = self._fetch_batch(t, nxt, constants, stats, progress)
            for out in self._emit(batch, remaining, stats):
                remaining = None if remaining is None else remaining - out.num_rows
                yield out
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
        """The pages after the first, at most ``concurrency`` in flight (each fetched and
        converted on its own thread), yielded in order. Twice as many are asked for as are in
        flight, so a slow page does not leave the others idle; memory stays bounded by that."""
        window = max(1, self.definition.concurrency)
        pending: list[Future[tuple[Page, pa.RecordBatch]]] = []
        todo = iter(requests)
        pool = ThreadPoolExecutor(max_workers=window, thread_name_prefix="distillr-rest-page")
        try:
            for req in itertools.islice(todo, 2 * window):
                pending.append(pool.submit(self._fetch_batch, t, req, constants, stats, None))
            while pending:
                page, batch = pending.pop(0).result()
                shown = self._shown(t.endpoint, page.request)
                progress.request(page.request, shown)
                progress.page(page.digest, page.count, shown)  # an API ignoring the offset
                for req in itertools.islice(todo, 1):
                    pending.append(pool.submit(self._fetch_batch, t, req, constants, stats, None))
                for out in self._emit(batch, remaining, stats):
                    remaining = None if remaining is None else remaining - out.num_rows
                    yield out
                if page.count == 0 or (remaining is not None and remaining <= 0):
                    return
        finally:
            for f in pending:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _emit(
        self, batch: pa.RecordBatch, remaining: int | None, stats: ScanStats | None
    ) -> Iterator[pa.RecordBatch]:
        if remaining is not None and batch.num_rows > remaining:
            batch = batch.slice(0, remaining)
        if stats is not None:
            stats.add(pages=1, rows=batch.num_rows)
        if batch.num_rows:
            yield batch

    def _fetch_batch(
        self,
        t: RestTable,
        request: PageRequest,
        constants: dict[str, Any],
        stats: ScanStats | None,
        progress: Progress | None,
    ) -> tuple[Page, pa.RecordBatch]:
        """One page, as a batch of the table's schema."""
        page, parsed = self._fetch(t, request, stats, progress, constants)
        return page, parsed.batch

    def _fetch(
        self,
        t: RestTable,
        request: PageRequest,
        stats: ScanStats | None,
        progress: Progress | None,
        constants: dict[str, Any] | None = None,
    ) -> tuple[Page, Parsed]:
        """One page, parsed: as a batch of the table's schema given the ``constants`` to fill
        in (through the columnar reader where it can; the response cache keeps the batch), else
        as records."""
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
            decode=self._decoder(t, constants) if constants is None else self._codec(t, constants),
            refuse=lambda response, method, path: self.errors.refused(ep, response, method, path),
            give_up=lambda method, path, response, reason, n: self.errors.gave_up(
                ep, method, path, response, reason, n
            ),
        )
        if constants is None:
            parsed: Parsed = reply.body
            digest = Progress.digest(reply.content)
        else:
            parsed, digest = reply.body
        if progress is not None:
            progress.page(digest, parsed.count, shown)
        page = Page(
            request,
            parsed.document,
            parsed.count,
            reply.headers,
            reply.links,
            self.base_url,
            digest,
        )
        return page, parsed

    def _codec(self, t: RestTable, constants: dict[str, Any]) -> PageCodec:
        """How a page becomes ``(Parsed with its batch, digest of its bytes)``, and what the
        response cache keeps of it: the batch, the document without its records (for the
        paginator) and the digest (for ``Progress``)."""
        parse = self._decoder(t, constants)

        def decode(content: bytes) -> tuple[Parsed, bytes]:
            return parse(content), Progress.digest(content)

        def finish(pair: tuple[Parsed, bytes]) -> tuple[Parsed, bytes]:
            parsed, digest = pair
            if parsed.batch is None:
                parsed = Parsed([], parsed.document, t.convert(parsed.records, constants))
            return parsed, digest

        def split(pair: tuple[Parsed, bytes]) -> tuple[pa.RecordBatch, Any]:
            parsed, digest = pair
            return parsed.batch, {"document": parsed.document, "digest": digest.hex()}

        def join(batch: pa.RecordBatch, rest: Any) -> tuple[Parsed, bytes]:
            return Parsed([], rest["document"], batch), bytes.fromhex(rest["digest"])

        return PageCodec(decode, finish, split, join, page_tag(t.builder.schema, constants))

    def _decoder(self, t: RestTable, constants: dict[str, Any] | None) -> Any:
        """The page parser for one request. A line-format body without a final line break is
        refused (so retried) unless the same bytes come twice, which shows the API writes it so
        (then remembered for the table)."""
        fmt = t.format

        def parse(content: bytes) -> Parsed:
            return fmt.parse(content) if constants is None else t.parse(content, constants)

        if not fmt.lines:
            return parse
        seen: list[bytes] = []

        def decode(content: bytes) -> Parsed:
            if not fmt.ends_cleanly(content) and t.name not in self._unterminated:
                if not seen or seen[-1] != content:
                    seen.append(content)
                    raise ValueError("the body ends inside a line: it may have been cut short")
                self._unterminated.add(t.name)
            return parse(content)

        return decode

    # -- schema ---------------------------------------------------------------------------

    def _sample_with(
        self,
        t: RestTable,
        given: Mapping[str, Any],
        rows: Mapping[str, list[dict[str, Any]]],
        stats: ScanStats,
        pages: int,
    ) -> list[dict[str, Any]]:
        """Sample records of a table, trying up to :data:`TRIES` values of a ``sample_from``
        parameter while the answer is empty (or a 400 or 404); ``LookupError`` if a value is
        missing."""
        records: list[dict[str, Any]] = []
        for pick in range(TRIES):
            try:
                values = sample_values(t.endpoint, given, rows, pick)
            except LookupError:
                if pick == 0:
                    raise
                break
            try:
                records = self._sample(t, values, stats, pages)
            except SourceError as exc:
                if exc.status not in (400, 404) or not parents(t.endpoint) or pick == TRIES - 1:
                    raise
                continue  # this value's resource refuses (a kanban board's sprints): the next
            if records or not parents(t.endpoint):
                break
        self._rows[t.name.lower()] = records
        return records

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
        endpoint needing a value none gives, or whose sample the API refuses (not for its
        credentials: that raises; nor when ``endpoints`` names it), is skipped
        (``Refresh.skipped`` says why), and so, with ``skip_errors``, is one whose sampling
        fails otherwise. The old types are kept and widened, never narrowed. Returns the
        definition to save."""
        stats = stats if stats is not None else ScanStats()
        wanted = {e.lower() for e in endpoints} if endpoints else None
        if wanted is not None:
            for e in wanted:
                self.rest_table(e)
        out = Refresh(self.definition)
        rows: dict[str, list[dict[str, Any]]] = {}
        with self._lock:
            for ep in sample_order(self.definition.endpoints):
                if wanted is not None and ep.name.lower() not in wanted:
                    for name in parents(ep):
                        if name in wanted and name not in rows and name in self._rows:
                            rows[name] = self._rows[name]
                    continue
                given = (samples or {}).get(ep.name, {})
                self._fill_parents(ep, rows, stats)
                try:
                    records = self._sample_with(self._table(ep), given, rows, stats, pages)
                except LookupError as why:
                    out.skipped[ep.name] = f"needs a value for {why}"
                    continue
                except AuthError:
                    raise  # the source's credentials: every endpoint would fail alike
                except SourceError as error:
                    if wanted is not None and not skip_errors:
                        raise  # the endpoints asked for by name: say why each fails
                    out.skipped[ep.name] = str(error)  # this endpoint's answer: the others go on
                    continue
                except DistillrError as exc:
                    if not skip_errors:
                        raise
                    out.skipped[ep.name] = f"sampling failed: {exc}"
                    continue
                rows[ep.name.lower()] = records
                self._adopt(self._table(ep).endpoint, records)
                out.sampled.append(ep.name)
            out.definition = self.definition
        return out

    def _fill_parents(
        self, ep: EndpointDef, rows: dict[str, list[dict[str, Any]]], stats: ScanStats
    ) -> None:
        """Rows of the endpoints this one samples values from that this refresh did not
        sample: the rows sampled before, else one page of each (not adopted)."""
        by_name = {e.name.lower(): e for e in self.definition.endpoints}
        for name in parents(ep):
            if name in rows or name not in by_name:
                continue
            if name in self._rows:
                rows[name] = self._rows[name]
                continue
            try:
                rows[name] = self._sample_with(self._table(by_name[name]), {}, rows, stats, 1)
            except LookupError:
                continue

    def check(self) -> None:
        for ep in self.definition.endpoints:
            try:
                values = sample_values(ep, {}, {})
            except LookupError:
                continue
            self._sample(self._table(ep), values, ScanStats(), pages=1)
            return

    def close(self) -> None:
        self.http.close()


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
