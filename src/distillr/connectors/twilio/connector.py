"""The Twilio connector: every list endpoint of Twilio's specs as a table.

Usage::

    from distillr.connectors.twilio import TwilioConnector
    src = TwilioConnector("twilio", account_sid="AC...", auth_token="...")
    con.register("twilio", src)

Options (``from_source``): ``account_sid`` (required), ``base_url`` (one server for every
product, e.g. the sandbox), ``api_key`` (an ``SK...`` key; its secret is ``api_secret``),
``subaccounts`` (walk every subaccount), ``max_concurrency``, ``timeout``,
``parallel_scans``. Secrets: ``auth_token`` or ``api_secret``.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote, urlencode, urlsplit

import msgspec
import pyarrow as pa

from distillr.connectors.arrow import warm_up
from distillr.connectors.base import Connector, ScanRequest, ScanStats, Split, TableDef
from distillr.connectors.http import HttpClient, RetryPolicy
from distillr.connectors.pages import DecodedPage
from distillr.connectors.settings import Setting, Settings
from distillr.connectors.twilio.pushdown import DayRange, Pushed, push
from distillr.connectors.twilio.tables import (
    TwilioTable,
    table_index,
    table_names_only,
    twilio_table_at,
    twilio_tables,
)
from distillr.connectors.urls import path_segment
from distillr.errors import (
    CatalogError,
    ConfigError,
    MissingParameter,
    SourceError,
    TooManyRequests,
    did_you_mean,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["OPTIONS", "PARALLEL_COLUMNS", "TwilioConnector"]

MAX_PAGE_SIZE = 1000
#: tables whose big scans are split into date ranges, by the timestamp column to split on, and
#: whether that column is always set (``date_created``) or may be null (a queued call has no
#: ``start_time``, a failed message no ``date_sent``). Rows with a null date match no date
#: filter, so a nullable column is split only when the query itself bounds it.
PARALLEL_COLUMNS: dict[str, tuple[str, bool]] = {
    "messages": ("date_sent", True),
    "calls": ("start_time", True),
    "recordings": ("date_created", False),
    "conferences": ("date_created", False),
    "notifications": ("message_date", False),
    "alerts": ("date_generated", False),
    "events": ("event_date", False),
    "flow_executions": ("date_created", False),
}
OPTIONS = {
    "account_sid": "the Account SID (AC...) whose data to read",
    "base_url": "one server for every Twilio product, e.g. http://127.0.0.1:8080",
    "api_key": "an API key SID (SK...), used with the secret api_secret",
    "subaccounts": "true to read every subaccount as well",
    "max_concurrency": "most requests in flight at once (default 8)",
    "timeout": "seconds to wait for one response (default 30)",
    "parallel_scans": "split big date-indexed scans into concurrent date ranges (default true)",
    "auth_token": "(secret) the account's auth token",
    "api_secret": "(secret) the API key's secret",
}
_SECRETS = ("auth_token", "api_secret")
#: the same settings, declared once for the CLI, the web form and validation
SETTINGS = Settings(
    [
        Setting("account_sid", "string", OPTIONS["account_sid"], required=True, identity=True),
        Setting("base_url", "url", OPTIONS["base_url"], identity=True),
        Setting("api_key", "string", OPTIONS["api_key"], identity=True),
        Setting("subaccounts", "boolean", OPTIONS["subaccounts"], default=False),
        Setting(
            "max_concurrency",
            "integer",
            OPTIONS["max_concurrency"],
            default=8,
            minimum=1,
            maximum=100,
        ),
        Setting("timeout", "integer", OPTIONS["timeout"], default=30, minimum=1, maximum=600),
        Setting("parallel_scans", "boolean", OPTIONS["parallel_scans"], default=True),
        Setting("auth_token", "string", "the account's auth token", secret=True),
        Setting("api_secret", "string", "the API key's secret", secret=True),
    ]
)
_DAY = timedelta(days=1)


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "0", "no", "off", ""):
        return False
    raise ConfigError(f"Option {name} must be true or false, not {value!r}.")


def _as_int(name: str, value: Any, lo: int, hi: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"Option {name} must be a whole number, not {value!r}.") from None
    if not lo <= number <= hi:
        raise ConfigError(f"Option {name} must be between {lo} and {hi}, not {number}.")
    return number


class TwilioConnector(Connector):
    """Twilio's REST APIs (API 2010, Messaging, Conversations, Monitor, Studio, Verify,
    Insights) as SQL tables."""

    type: ClassVar[str] = "twilio"
    identity_options: ClassVar[tuple[str, ...] | None] = ("base_url", "account_sid", "api_key")
    api_hosts: ClassVar[tuple[str, ...]] = ("*.twilio.com",)
    settings: ClassVar[Settings] = SETTINGS

    def __init__(
        self,
        name: str = "twilio",
        *,
        account_sid: str,
        auth_token: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        subaccounts: bool = False,
        max_concurrency: int = 8,
        timeout: float = 30.0,
        parallel_scans: bool = True,
        parallel_splits: int | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(name)
        if not account_sid or not str(account_sid).startswith("AC"):
            raise ConfigError(
                "A Twilio source needs account_sid, the Account SID starting with 'AC' (see the"
                " Twilio console). Set the option account_sid."
            )
        if api_key:
            if not api_secret:
                raise ConfigError("The API key needs its secret: set the secret api_secret.")
            user, secret = api_key, api_secret
        elif auth_token:
            user, secret = account_sid, auth_token
        else:
            raise ConfigError(
                "A Twilio source needs the secret auth_token, or the option api_key"
                " with the secret api_secret."
            )
        if base_url is not None and not str(base_url).startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, not {base_url!r}.")
        self.account_sid = str(account_sid)
        self.api_key = api_key
        self.base_url = base_url.rstrip("/") if base_url else None
        self.subaccounts = subaccounts
        self.max_concurrency = max_concurrency
        self.parallel_scans = parallel_scans
        self.parallel_splits = parallel_splits or max(4, 2 * max_concurrency)
        self.http = HttpClient(
            label="Twilio",
            auth=(user, secret),
            transport=transport,
            timeout=timeout,
            retry=retry,
            max_concurrency=max_concurrency,
            headers={"User-Agent": "distillr"},
            known_hosts=self.api_hosts,
        )
        self._index = table_index()  # tables are built when first used
        self._accounts: tuple[str, ...] | None = None
        self._prefetched: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_source(
        cls, name: str, options: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> TwilioConnector:
        known = set(OPTIONS)
        for key in list(options) + list(secrets):
            if key not in known:
                raise ConfigError(
                    f"Unknown Twilio option '{key}'.{did_you_mean(key, known)} Valid options:"
                    f" {', '.join(sorted(k for k in OPTIONS if k not in _SECRETS))}; secrets:"
                    f" auth_token or api_secret."
                )
        for key in _SECRETS:
            if key in options:
                raise ConfigError(f"'{key}' is a secret: pass it as a secret, not an option.")
        kwargs: dict[str, Any] = {
            "account_sid": options.get("account_sid"),
            "base_url": options.get("base_url") or None,
            "api_key": options.get("api_key") or None,
            "auth_token": secrets.get("auth_token") or None,
            "api_secret": secrets.get("api_secret") or None,
        }
        if "subaccounts" in options:
            kwargs["subaccounts"] = _as_bool("subaccounts", options["subaccounts"])
        if "parallel_scans" in options:
            kwargs["parallel_scans"] = _as_bool("parallel_scans", options["parallel_scans"])
        if "max_concurrency" in options:
            kwargs["max_concurrency"] = _as_int(
                "max_concurrency", options["max_concurrency"], 1, 100
            )
        if "timeout" in options:
            kwargs["timeout"] = float(_as_int("timeout", options["timeout"], 1, 600))
        return cls(name, **kwargs)

    def __repr__(self) -> str:
        return f"<TwilioConnector {self.name!r} account={self.account_sid}>"

    # -- catalog --------------------------------------------------------------------------

    def tables(self) -> Sequence[TableDef]:
        return [t.table for t in twilio_tables()]

    def twilio_table(self, name: str) -> TwilioTable:
        found = self._index.get(name.lower())
        if found is None:
            names = table_names_only()
            raise CatalogError(
                f"Source '{self.name}' has no table '{name}'.{did_you_mean(name, names)}"
                f" Run SHOW TABLES IN {self.name} to see its tables."
            )
        return twilio_table_at(found)

    def table(self, name: str) -> TableDef:
        return self.twilio_table(name).table

    # -- URLs -----------------------------------------------------------------------------

    def _root(self, product: str) -> str:
        if self.base_url:
            prefix = "" if product == "api" else f"/{product}"
            return self.base_url + prefix
        return f"https://{product}.twilio.com"

    def _url(self, t: TwilioTable, account: str | None, path_values: Mapping[str, str]) -> str:
        path = t.endpoint["path"]
        values = dict(path_values)
        if account is not None:
            values["AccountSid"] = account
        for param, value in values.items():
            # refused before any request: empty values, placeholders, '.', '..', controls
            segment = path_segment(value, parameter=param, table=t.name)
            path = path.replace("{" + param + "}", segment)
        return self._root(t.endpoint["product"]) + path

    def _next_url(self, t: TwilioTable, body: Mapping[str, Any]) -> str | None:
        root = self._root(t.endpoint["product"])
        if t.endpoint["envelope"] == "v2010":
            nxt = body.get("next_page_uri")
            return root + nxt if nxt else None
        nxt = (body.get("meta") or {}).get("next_page_url")
        if not nxt:
            return None
        if nxt.startswith(root + "/"):
            return nxt
        parts = urlsplit(nxt)
        root_path = urlsplit(root).path
        path = (
            parts.path[len(root_path) :]
            if root_path and parts.path.startswith(root_path + "/")
            else parts.path
        )
        return root + path + (f"?{parts.query}" if parts.query else "")

    # -- planning -------------------------------------------------------------------------

    def accounts(self) -> tuple[str, ...]:
        """The source's account, then every other account its credentials can list."""
        if self._accounts is None:
            found = [self.account_sid]
            url: str | None = self._root("api") + "/2010-04-01/Accounts.json"
            params: dict[str, Any] | None = {"PageSize": MAX_PAGE_SIZE}
            while url:
                body = self.http.get_json(url, params)
                params = None
                for acct in body.get("accounts") or []:
                    sid = acct.get("sid")
                    if sid and sid not in found and acct.get("status") != "closed":
                        found.append(sid)
                nxt = body.get("next_page_uri")
                url = self._root("api") + nxt if nxt else None
            self._accounts = tuple(found)
        return self._accounts

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        t = self.twilio_table(request.table)
        if request.limit is not None and request.limit <= 0:
            return []
        pushed = push(t, request.predicates)
        if pushed.empty:
            return []
        for param, col in t.path_params.items():
            if param not in pushed.path:
                raise MissingParameter(
                    f"Table '{t.name}' needs {param}: add WHERE {col} = '...' (or IN (...)),"
                    f" or join it to a table that has {col}.",
                    table=t.name,
                    parameter=col,
                )
        if not t.account_in_path:
            accounts: tuple[str | None, ...] = (None,)
        elif pushed.accounts is not None:
            accounts = pushed.accounts
        elif self.subaccounts:
            accounts = self.accounts()
        else:
            accounts = (self.account_sid,)

        limit = request.limit
        fan: list[tuple[str, str, tuple[str, ...]]] = [
            ("path", p, v) for p, v in pushed.path.items()
        ]
        eq_single = {p: v[0] for p, v in pushed.eq.items() if len(v) == 1}
        multi = sorted(
            ((p, v) for p, v in pushed.eq.items() if len(v) > 1), key=lambda pv: len(pv[1])
        )
        count = len(accounts)
        for _, _, values in fan:
            count *= len(values)
        if count > max(self.max_fanout, 1) * 20:
            raise TooManyRequests(
                f"Reading '{t.name}' would take {count} separate scans (one per account and"
                f" path parameter value). Narrow the query, e.g. fewer values in IN (...)."
            )
        for param, values in multi:
            if count * len(values) <= self.max_fanout:
                fan.append(("eq", param, values))
                count *= len(values)
            else:
                limit = None  # an exact filter is left to the engine: the API's first rows
                # are no longer the answer's first rows

        base_query = pushed.query()
        # several accounts or fanned-out values are parallel already; date ranges only
        # split a single scan
        single = count == 1
        splits: list[Split] = []
        for account in accounts:
            for combo in itertools.product(*(values for _, _, values in fan)):
                path_values: dict[str, str] = {}
                query: dict[str, str] = dict(eq_single)
                for (kind, param, _), value in zip(fan, combo, strict=True):
                    (path_values if kind == "path" else query)[param] = value
                query.update(base_query)
                if single:
                    splits.extend(self._splits_for(t, account, path_values, query, pushed, limit))
                else:
                    splits.append(self._split(t, account, path_values, query, limit))
        return splits

    def _split(
        self,
        t: TwilioTable,
        account: str | None,
        path_values: Mapping[str, str],
        query: Mapping[str, str],
        limit: int | None,
        local: tuple[str, str | None, str | None] | None = None,
    ) -> Split:
        page_size = min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE
        params = {
            "account": account,
            "path": dict(path_values),
            "query": dict(query),
            "page_size": page_size,
            "local": local,
        }
        url = self._url(t, account, path_values)
        shown = urlencode({**query, "PageSize": page_size})
        return Split(
            table=t.name, params=params, limit=limit, describe=f"GET {urlsplit(url).path}?{shown}"
        )

    def _splits_for(
        self,
        t: TwilioTable,
        account: str | None,
        path_values: dict[str, str],
        query: dict[str, str],
        pushed: Pushed,
        limit: int | None,
    ) -> list[Split]:
        whole = self._split(t, account, path_values, query, limit)
        spec = PARALLEL_COLUMNS.get(t.name)
        if limit is not None or not self.parallel_scans or spec is None:
            return [whole]
        column, nullable = spec
        rf = t.ranges.get(column)
        if rf is None:
            return [whole]
        bounds = pushed.ranges.get(column) or DayRange(rf)
        if nullable and bounds.lo is None and bounds.hi is None:
            return [whole]  # rows without a date would be missed by date ranges
        # one page tells whether the scan is big; it is kept for read() if it is all there is.
        # The requests made here are counted by the read of the first split (``spent``).
        spent = ScanStats()
        first = self._fetch_first(t, whole, spent)
        if self._next_url(t, first) is None:
            return [whole]
        lo, hi = self._span(t, account, path_values, query, rf, bounds, first, spent)
        days = (hi - lo).days
        n = max(1, min(self.parallel_splits, days))
        if n == 1:
            return [whole]
        with self._lock:
            self._prefetched.pop(self._prefetch_key(whole), None)
        edges = [lo + timedelta(days=(days * i) // n) for i in range(n + 1)]
        splits = []
        for i in range(n):
            # the outer ranges reach the query's own bounds (or are open): nothing is missed
            a = edges[i] if i > 0 else bounds.lo
            b = edges[i + 1] if i < n - 1 else bounds.hi
            part = DayRange(rf, a, b)
            q = {
                k: v
                for k, v in query.items()
                if k not in (rf.eq_param, rf.lower_param, rf.upper_param)
            }
            q.update(part.wire())
            local = (
                rf.column,
                part.lo.isoformat() if part.lo else None,
                part.hi.isoformat() if part.hi else None,
            )
            splits.append(self._split(t, account, path_values, q, None, local))
        # what planning cost travels with the first split (splits must pickle: plain numbers)
        planned = {"requests": spent.requests, "bytes": spent.bytes, "retries": spent.retries}
        splits[0] = Split(
            table=splits[0].table,
            params={**splits[0].params, "planned": planned},
            limit=splits[0].limit,
            describe=splits[0].describe,
        )
        return splits

    def _prefetch_key(self, split: Split) -> str:
        return repr(sorted((k, repr(v)) for k, v in split.params.items()))

    def _fetch_first(self, t: TwilioTable, split: Split, spent: ScanStats) -> Mapping[str, Any]:
        p = split.params
        url = self._url(t, p["account"], p["path"])
        warm_up()
        body = self.http.get_json(url, {**p["query"], "PageSize": p["page_size"]}, spent)
        with self._lock:
            # the read that uses the page counts what fetching it (and planning) cost
            self._prefetched[self._prefetch_key(split)] = (body, spent)
            while len(self._prefetched) > 8:
                self._prefetched.popitem(last=False)
        return body

    def _span(
        self,
        t: TwilioTable,
        account: str | None,
        path_values: Mapping[str, str],
        query: Mapping[str, str],
        rf: Any,
        bounds: DayRange,
        first: Mapping[str, Any],
        spent: ScanStats,
    ) -> tuple[date, date]:
        """Estimate the first and last day with data, within the bounds.

        Only the balance of the ranges depends on this: the first range is open below and the
        last open above (or end at the query's own bounds), so nothing is missed if it is off.
        """
        import pyarrow.compute as pc

        batch = t.builder.build(self._records(t, first))
        col = batch.column(rf.column)
        newest = pc.max(col).as_py() if len(col) else None
        oldest_seen = pc.min(col).as_py() if len(col) else None
        today = datetime.now(UTC).date()
        hi = (newest.date() + _DAY) if newest else today + _DAY
        if bounds.hi is not None:
            hi = min(hi, bounds.hi)
        start = oldest_seen.date() if oldest_seen else hi - _DAY
        floor = bounds.lo
        if floor is not None and floor >= start:
            return floor, max(hi, floor + _DAY)
        url = self._url(t, account, path_values)
        others = {
            k: v for k, v in query.items() if k not in (rf.eq_param, rf.lower_param, rf.upper_param)
        }

        def any_before(day: date) -> bool:
            r = DayRange(rf, floor, day)
            body = self.http.get_json(url, {**others, **r.wire(), "PageSize": 1}, spent)
            return bool(self._records(t, body))

        def probe(days: list[date]) -> list[bool]:
            with ThreadPoolExecutor(max_workers=min(len(days), self.max_concurrency)) as ex:
                return list(ex.map(any_before, days))

        # rows before `start`? look back 1, 2, 4, ... 8192 days at once, then refine
        steps = [start - timedelta(days=2**k) for k in range(14)]
        steps = [d for d in steps if floor is None or d > floor]
        hits = probe(steps) if steps else []
        if not any(hits):
            lo = start
        else:
            k = max(i for i, h in enumerate(hits) if h)
            outer = start - timedelta(days=2 ** (k + 1))
            if floor is not None:
                outer = max(outer, floor)
            span = (steps[k] - outer).days
            inner = [outer + timedelta(days=span * i // 8) for i in range(1, 8)]
            inner = sorted({d for d in inner if outer < d < steps[k]})
            lo = outer
            for day, hit in zip(inner, probe(inner) if inner else [], strict=True):
                if not hit:
                    lo = day - _DAY
        return lo, max(hi, lo + _DAY)

    # -- reading --------------------------------------------------------------------------

    def _records(self, t: TwilioTable, body: Any) -> list[dict[str, Any]]:
        if not isinstance(body, dict):
            raise SourceError(
                f"Twilio returned something other than a JSON object for table '{t.name}'."
            )
        key = t.endpoint["list_key"]
        if t.endpoint["envelope"] == "meta":
            key = (body.get("meta") or {}).get("key") or key
        records = body.get(key)
        if records is None and key not in body:
            raise SourceError(
                f"Twilio's answer for table '{t.name}' has no '{key}' list; the API may have"
                f" changed. Regenerate the catalog (make catalog) or report this."
            )
        if not isinstance(records, list):
            raise SourceError(f"Twilio's '{key}' for table '{t.name}' is not a list.")
        return records

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        t = self.twilio_table(split.table)
        p = split.params
        account = p.get("account")
        constants: dict[str, Any] = {"account_sid": account or self.account_sid}
        for param, value in (p.get("path") or {}).items():
            col = t.path_params.get(param)
            if col:
                constants[col] = value
        local = p.get("local")
        remaining = split.limit
        url = self._url(t, account, p.get("path") or {})
        params = {**(p.get("query") or {}), "PageSize": p.get("page_size", MAX_PAGE_SIZE)}
        planned = p.get("planned")
        if planned and stats is not None:
            stats.add(**planned)
        with self._lock:
            prefetched = self._prefetched.pop(self._prefetch_key(split), None)
        decoder = t.decoder

        def decode(content: bytes) -> Any:
            # straight to Arrow when the page allows it, else parsed as usual
            page = decoder.decode(content, constants)
            return page if page is not None else msgspec.json.decode(content)

        if prefetched is None:
            warm_up()
            body = self.http.get_json(url, params, stats, decode)
        else:
            body, spent = prefetched
            if stats is not None:
                stats.add(requests=spent.requests, bytes=spent.bytes, retries=spent.retries)
        seen_urls: set[str] = set()
        # the next page is fetched while this one is converted and consumed
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distillr-twilio-page")
        try:
            while True:
                batch: pa.RecordBatch | None = None
                if isinstance(body, DecodedPage):
                    batch, paging = body.batch, body.paging
                    if remaining is not None and batch.num_rows > remaining:
                        batch = batch.slice(0, remaining)
                    count = batch.num_rows
                else:
                    records = self._records(t, body)
                    if remaining is not None and len(records) > remaining:
                        records = records[:remaining]
                    paging, count = body, len(records)
                if remaining is not None:
                    remaining -= count
                nxt = self._next_url(t, paging)
                if nxt is not None and nxt in seen_urls:
                    raise SourceError(
                        f"Twilio sent the same next page twice for table '{t.name}'"
                        f" ({urlsplit(nxt).path}); stopping instead of looping."
                    )
                more = nxt is not None and (remaining is None or remaining > 0)
                future = (
                    ahead.submit(self.http.get_json, nxt, None, stats, decode) if more else None
                )
                if nxt is not None:
                    seen_urls.add(nxt)
                if batch is None:
                    batch = t.builder.build(records, constants)
                if local is not None:
                    batch = _within(batch, *local)
                if stats is not None:
                    stats.add(pages=1, rows=batch.num_rows)
                if batch.num_rows:
                    yield batch
                if future is None:
                    return
                body = future.result()
        finally:
            ahead.shutdown(wait=False, cancel_futures=True)

    def check(self) -> None:
        url = f"{self._root('api')}/2010-04-01/Accounts/{quote(self.account_sid, safe='')}.json"
        self.http.get_json(url)

    def close(self) -> None:
        self.http.close()


def _within(batch: pa.RecordBatch, column: str, lo: str | None, hi: str | None) -> pa.RecordBatch:
    """Keep the rows whose ``column`` falls on a UTC day in ``[lo, hi)``."""
    import pyarrow.compute as pc

    values = batch.column(column)
    mask = pc.is_valid(values)
    if lo is not None:
        start = pa.scalar(datetime.fromisoformat(lo).replace(tzinfo=UTC), values.type)
        mask = pc.and_(mask, pc.greater_equal(values, start))
    if hi is not None:
        end = pa.scalar(datetime.fromisoformat(hi).replace(tzinfo=UTC), values.type)
        mask = pc.and_(mask, pc.less(values, end))
    return batch.filter(pc.fill_null(mask, False))
