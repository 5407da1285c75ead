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

import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode, urlsplit

import msgspec
import pyarrow as pa

from distillr.connectors.arrow import warm_up
from distillr.connectors.auth import BasicAuth
from distillr.connectors.base import Connector, ScanRequest, ScanStats, Split, TableDef
from distillr.connectors.fanout import fan_out
from distillr.connectors.http import HttpClient, RetryPolicy
from distillr.connectors.pagecodec import PageCodec, page_tag
from distillr.connectors.pages import DecodedPage
from distillr.connectors.paginators import NextUrlPaginator, Page, PageRequest, Progress
from distillr.connectors.settings import Mode, Setting, Settings
from distillr.connectors.twilio.pushdown import DayRange, Pushed, push
from distillr.connectors.twilio.ranges import find_span, windows
from distillr.connectors.twilio.splits import DayWindow, FirstPages, ScanPart
from distillr.connectors.twilio.tables import (
    RangeFilter,
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
    did_you_mean,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["OPTIONS", "PARALLEL_COLUMNS", "TwilioConnector"]

MAX_PAGE_SIZE = 1000
#: the longest path value sent where the spec sets no ``maxLength`` (Twilio's SIDs have 34
#: characters; the parameters without a limit are country codes, unique names and identities)
MAX_PATH_VALUE = 256
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
        Setting(
            "account_sid",
            "string",
            OPTIONS["account_sid"],
            required=True,
            identity=True,
            label="Account SID",
            placeholder="AC...",
        ),
        Setting(
            "auth_token",
            "string",
            "the account's auth token (next to the Account SID on the Twilio console)",
            secret=True,
            label="Auth Token",
        ),
        Setting(
            "api_key",
            "string",
            OPTIONS["api_key"],
            identity=True,
            label="API key SID",
            placeholder="SK...",
        ),
        Setting("api_secret", "string", "the API key's secret", secret=True, label="API secret"),
        Setting(
            "base_url",
            "url",
            OPTIONS["base_url"] + "; leave blank for Twilio",
            identity=True,
            label="Base URL",
            placeholder="https://api.twilio.com",
        ),
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
    ],
    modes=[
        Mode("auth_token", "Account SID + Auth Token", ("auth_token",)),
        Mode("api_key", "API key + secret", ("api_key", "api_secret")),
    ],
)
_DAY = timedelta(days=1)
#: the fan-out dimension of the account in the path
_ACCOUNT = ("account", "AccountSid")
#: how each of Twilio's envelopes gives the next page, resolved against the product's root:
#: API 2010's ``next_page_uri`` is a path under it; the newer products' ``meta.next_page_url``
#: names Twilio's own host, which is moved onto the root (a base URL, the sandbox)
PAGINATORS = {
    "v2010": NextUrlPaginator("next_page_uri", resolve="append"),
    "meta": NextUrlPaginator("meta.next_page_url", resolve="rebase"),
}


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
    label: ClassVar[str] = "Twilio"
    description: ClassVar[str] = "Calls, messages, recordings and every other Twilio list endpoint."
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
        page_size: int = MAX_PAGE_SIZE,
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
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ConfigError(f"page_size must be from 1 to {MAX_PAGE_SIZE}, not {page_size}.")
        #: the most rows asked for per page (Twilio's maximum unless a test wants more pages)
        self.page_size = page_size
        self.http = HttpClient(
            label="Twilio",
            auth=BasicAuth(user).bind({"password": secret}),
            transport=transport,
            timeout=timeout,
            retry=retry,
            max_concurrency=max_concurrency,
            headers={"User-Agent": "distillr"},
            known_hosts=self.api_hosts,
            auth_hint="Check the account SID and the auth token (or the API key and its"
            " secret) of this source.",
        )
        self._index = table_index()  # tables are built when first used
        self._accounts: tuple[str, ...] | None = None
        self._accounts_lock = threading.Lock()
        #: first pages fetched while planning, for the reads of their splits
        self._first_pages = FirstPages()

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
            path = path.replace("{" + param + "}", self._segment(t, param, value))
        return self._root(t.endpoint["product"]) + path

    def _segment(self, t: TwilioTable, param: str, value: str) -> str:
        """One path value, percent-encoded as one segment; a value that is empty, ``.`` or
        ``..``, holds a control character or is longer than the API allows is refused."""
        limit = t.path_limits.get(param, MAX_PATH_VALUE)
        return path_segment(value, parameter=param, table=t.name, max_length=limit)

    def _next_page(
        self, envelope: str, product: str, request: PageRequest, body: Any
    ) -> PageRequest | None:
        """The request for the page after ``body`` (its paging fields), or ``None``."""
        page = Page(request, body, 0, base_url=self._root(product))
        return PAGINATORS[envelope].next(page)

    # -- planning -------------------------------------------------------------------------

    def accounts(self, stats: ScanStats | None = None) -> tuple[str, ...]:
        """The source's account, then every other account its credentials can list.

        The listing is sent once per connector; its requests count in ``stats`` (the query's
        that needed it) and are noted as planning probes."""
        with self._accounts_lock:
            if self._accounts is None:
                self._accounts = self._list_accounts(stats)
            return self._accounts

    def _list_accounts(self, stats: ScanStats | None) -> tuple[str, ...]:
        found = [self.account_sid]
        url = self._root("api") + "/2010-04-01/Accounts.json"
        request: PageRequest | None = PageRequest(url, {"PageSize": MAX_PAGE_SIZE})
        progress = self._progress("the account listing")
        while request is not None:
            progress.request(request, urlsplit(request.url).path)
            if stats is not None:
                stats.probe(_shown(request.url, request.params))
            body = self.http.get_json(request.url, request.params or None, stats)
            for acct in body.get("accounts") or []:
                sid = acct.get("sid")
                if sid and sid not in found and acct.get("status") != "closed":
                    found.append(sid)
            request = self._next_page("v2010", "api", request, body)
        return tuple(found)

    def _progress(self, what: str) -> Progress:
        """The guard of one walk through pages: Twilio's paging never repeats a page, and has
        no page limit of its own."""
        return Progress(
            f"Twilio's {what} (source '{self.name}')",
            max_pages=sys.maxsize,
            hint="Twilio's next pages should never repeat: report this.",
        )

    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        t = self.twilio_table(request.table)
        if request.limit is not None and request.limit <= 0:
            return []
        pushed = push(t, request.predicates)
        if pushed.empty:
            return []
        # every path value is checked before any request (the account listing included)
        for param, values in pushed.path.items():
            for value in values:
                self._segment(t, param, value)
        for value in pushed.accounts or ():
            self._segment(t, "AccountSid", value)
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
            accounts = self.accounts(stats)
        else:
            accounts = (self.account_sid,)
        parts, limit, fanned = self._parts(t, pushed, accounts, request.limit)
        if fanned:
            # fanned-out values are parallel already; date ranges split one account's scan
            return [self._split(t, part, limit) for part in parts]

        def date_splits(part: ScanPart) -> list[Split]:
            return self._date_splits(t, part, pushed, limit, request.probes, stats)

        if len(parts) == 1:
            return date_splits(parts[0])
        # several accounts: each is split as if it were alone, planned at once (the client's
        # concurrency limit holds for the probes of all of them together)
        with ThreadPoolExecutor(
            max_workers=min(len(parts), self.max_concurrency), thread_name_prefix="distillr-plan"
        ) as ex:
            return [s for splits in ex.map(date_splits, parts) for s in splits]

    def _parts(
        self,
        t: TwilioTable,
        pushed: Pushed,
        accounts: tuple[str | None, ...],
        limit: int | None,
    ) -> tuple[list[ScanPart], int | None, bool]:
        """One part per account and combination of fanned-out values; the limit that may
        still travel; whether any value was fanned out."""
        fan = fan_out(
            t.name,
            [(_ACCOUNT, accounts), *((("path", p), v) for p, v in pushed.path.items())],
            [(("eq", p), v) for p, v in pushed.eq.items() if len(v) > 1],
            max_fanout=self.max_fanout,
            per="one per account and path parameter value",
        )
        if fan.left:
            limit = None  # an exact filter is left to the engine: the API's first rows are no
            # longer the answer's first rows
        eq_single = {p: v[0] for p, v in pushed.eq.items() if len(v) == 1}
        base_query = pushed.query()
        page_size = min(limit, self.page_size) if limit else self.page_size
        parts = []
        for combo in fan.combos():
            path_values: dict[str, str] = {}
            query: dict[str, str] = dict(eq_single)
            account = combo[0]
            for (kind, param), value in zip(fan.names[1:], combo[1:], strict=True):
                (path_values if kind == "path" else query)[param] = value
            query.update(base_query)
            parts.append(ScanPart(account, path_values, query, page_size))
        return parts, limit, fan.fanned(ignoring=(_ACCOUNT,))

    def _split(self, t: TwilioTable, part: ScanPart, limit: int | None) -> Split:
        url = self._url(t, part.account, part.path)
        return Split(
            table=t.name,
            params=part,
            limit=limit,
            describe=_shown(url, {**part.query, "PageSize": part.page_size}),
        )

    def _date_splits(
        self,
        t: TwilioTable,
        part: ScanPart,
        pushed: Pushed,
        limit: int | None,
        probes: bool,
        stats: ScanStats | None,
    ) -> list[Split]:
        """One account's scan as date ranges read at once, or as one split when it is small,
        limited, or not on a date-indexed table."""
        spec = PARALLEL_COLUMNS.get(t.name)
        if limit is not None or not self.parallel_scans or spec is None:
            return [self._split(t, part, limit)]
        column, nullable = spec
        rf = t.ranges.get(column)
        if rf is None:
            return [self._split(t, part, limit)]
        bounds = pushed.ranges.get(column) or DayRange(rf)
        if nullable and bounds.lo is None and bounds.hi is None:
            return [self._split(t, part, limit)]  # rows without a date would be missed
        if not probes:
            return self._unprobed_splits(t, part, rf, bounds)
        # one page tells whether the scan is big; it is kept for the read if it is all there is
        # read as the split would read it: the page waits for the read, and the cache keeps it
        codec = self._codec(t, self._constants(t, part))
        first = self._probe(t, part.account, part.path, part.query, part.page_size, stats, codec)
        request = PageRequest(self._url(t, part.account, part.path))
        envelope, product = t.endpoint["envelope"], t.endpoint["product"]
        if self._next_page(envelope, product, request, first.paging) is None:
            return [self._with_first_page(t, part, first, limit)]
        newest, oldest = _min_max(first.batch.column(rf.column))

        def any_before(day: date) -> bool:
            r = DayRange(rf, bounds.lo, day)
            body = self._probe(
                t, part.account, part.path, _without(part.query, rf) | r.wire(), 1, stats
            )
            return bool(self._records(t, body))

        def probe(days: Sequence[date]) -> list[bool]:
            with ThreadPoolExecutor(max_workers=min(len(days), self.max_concurrency)) as ex:
                return list(ex.map(any_before, days))

        lo, hi = find_span(newest, oldest, bounds, probe)
        n = max(1, min(self.parallel_splits, (hi - lo).days))
        if n == 1:
            return [self._with_first_page(t, part, first, limit)]
        return self._range_splits(t, part, rf, windows(bounds, lo, hi, n))

    def _unprobed_splits(
        self, t: TwilioTable, part: ScanPart, rf: RangeFilter, bounds: DayRange
    ) -> list[Split]:
        """Date ranges planned without a request: even days over the query's own bounds
        (up to tomorrow), or one split when the query sets no lower bound."""
        if bounds.lo is None:
            return [self._split(t, part, None)]
        hi = bounds.hi or datetime.now(UTC).date() + _DAY
        n = max(1, min(self.parallel_splits, (hi - bounds.lo).days))
        if n == 1:
            return [self._split(t, part, None)]
        return self._range_splits(t, part, rf, windows(bounds, bounds.lo, hi, n))

    def _range_splits(
        self, t: TwilioTable, part: ScanPart, rf: RangeFilter, ranges: Sequence[DayRange]
    ) -> list[Split]:
        others = _without(part.query, rf)
        # newest first: accounts grow, so the newest ranges are usually the fullest, and the
        # splits start in this order; the small old ones then fill in beside the last big ones
        return [
            self._split(
                t,
                replace(part, query=others | r.wire(), window=DayWindow(rf.column, r.lo, r.hi)),
                None,
            )
            for r in reversed(ranges)
        ]

    def _with_first_page(
        self, t: TwilioTable, part: ScanPart, body: Any, limit: int | None
    ) -> Split:
        """The split of ``part``, with the page planning fetched for it waiting for its read."""
        return self._split(
            t, part.with_first_page(self._first_pages.keep(t.name, part, body)), limit
        )

    def _probe(
        self,
        t: TwilioTable,
        account: str | None,
        path: Mapping[str, str],
        query: Mapping[str, str],
        page_size: int,
        stats: ScanStats | None,
        decode: Any = msgspec.json.decode,
    ) -> Any:
        """One request sent while planning, counted in ``stats`` and noted as a probe."""
        url = self._url(t, account, path)
        params = {**query, "PageSize": page_size}
        if stats is not None:
            stats.probe(_shown(url, params))
        warm_up()
        return self.http.get_json(url, params, stats, decode)

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

    def _constants(self, t: TwilioTable, part: ScanPart) -> dict[str, Any]:
        """The values a page of ``part`` fills in: its account and path parameters."""
        constants: dict[str, Any] = {"account_sid": part.account or self.account_sid}
        for param, value in part.path.items():
            col = t.path_params.get(param)
            if col:
                constants[col] = value
        return constants

    def _codec(self, t: TwilioTable, constants: dict[str, Any]) -> PageCodec:
        """How a page of ``t`` becomes a :class:`DecodedPage` (also what the response cache
        keeps of it): straight to Arrow when the page allows it, else parsed as usual and
        built."""
        decoder = t.decoder
        builder = t.builder

        def decode(content: bytes) -> Any:
            page = decoder.decode(content, constants)
            return page if page is not None else msgspec.json.decode(content)

        def finish(body: Any) -> DecodedPage:
            if isinstance(body, DecodedPage):
                return body
            records = self._records(t, body)
            if t.endpoint["envelope"] == "v2010":
                paging: dict[str, Any] = {"next_page_uri": body.get("next_page_uri")}
            else:
                meta = body.get("meta") or {}
                paging = {"meta": {"next_page_url": meta.get("next_page_url")}}
            return DecodedPage(builder.build(records, constants), paging)

        return PageCodec(
            decode,
            finish,
            lambda page: (page.batch, page.paging),
            DecodedPage,
            page_tag(builder.schema, constants),
        )

    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        t = self.twilio_table(split.table)
        part = split.params if isinstance(split.params, ScanPart) else ScanPart(**split.params)
        remaining = split.limit
        request = PageRequest(
            self._url(t, part.account, part.path), {**part.query, "PageSize": part.page_size}
        )
        envelope, product = t.endpoint["envelope"], t.endpoint["product"]
        codec = self._codec(t, self._constants(t, part))

        # a page planning fetched for this split was counted then
        page = self._first_pages.take(t.name, part)
        if page is None:
            warm_up()
            page = self.http.get_json(request.url, request.params, stats, codec)
        progress = self._progress(f"table '{t.name}'")
        progress.request(request, urlsplit(request.url).path)
        # the next page is fetched while this one is consumed
        ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="distillr-twilio-page")
        try:
            while True:
                batch = page.batch
                if remaining is not None:
                    if batch.num_rows > remaining:
                        batch = batch.slice(0, remaining)
                    remaining -= batch.num_rows
                nxt = self._next_page(envelope, product, request, page.paging)
                if nxt is not None:
                    progress.request(nxt, urlsplit(nxt.url).path)
                    request = nxt
                more = nxt is not None and (remaining is None or remaining > 0)
                future = (
                    ahead.submit(self.http.get_json, request.url, None, stats, codec)
                    if more
                    else None
                )
                if part.window is not None:
                    batch = part.window.keep(batch)
                if stats is not None:
                    stats.add(pages=1, rows=batch.num_rows)
                if batch.num_rows:
                    yield batch
                if future is None:
                    return
                page = future.result()
        finally:
            ahead.shutdown(wait=False, cancel_futures=True)

    def check(self) -> None:
        sid = path_segment(self.account_sid, parameter="account_sid")
        url = f"{self._root('api')}/2010-04-01/Accounts/{sid}.json"
        self.http.get_json(url)

    def close(self) -> None:
        self.http.close()


def _shown(url: str, params: Mapping[str, Any]) -> str:
    """A request as EXPLAIN and stats show it: ``GET /path?query`` (never a secret); a next
    page's URL carries its own query."""
    parts = urlsplit(url)
    return f"GET {parts.path}?{urlencode(params) if params else parts.query}"


def _without(query: Mapping[str, str], rf: RangeFilter) -> dict[str, str]:
    """``query`` without the parameters of the range filter ``rf``."""
    return {
        k: v for k, v in query.items() if k not in (rf.eq_param, rf.lower_param, rf.upper_param)
    }


def _min_max(values: pa.Array) -> tuple[Any, Any]:
    """The newest and oldest value of a column (``None`` when it has none)."""
    import pyarrow.compute as pc

    if not len(values):
        return None, None
    return pc.max(values).as_py(), pc.min(values).as_py()
