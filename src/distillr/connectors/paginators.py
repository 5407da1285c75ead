"""Paginators: how to ask for the next page, as small strategy classes.

A paginator turns the first request into one that asks for a page (``first``), and a page into
the request for the next one or ``None`` (``next``). Where the API gives a total, ``rest``
lists every remaining request at once so that they can be fetched concurrently. Build one with
:func:`make_paginator` from a name, a dict (``{"type": "offset", "size": 100}``) or an
instance; a wrong name lists the valid ones.

================  =====================================================================
``none``          one request
``offset``        ``offset``/``limit`` parameters; ends on an empty page, a total, a
                  has-more flag, or (``short_page_ends``) a page shorter than asked for
``page``          a page number (and size) parameter; ends the same ways, or on a total
                  number of pages
``cursor``        a cursor taken from the body (``cursor_path``) and sent back
                  (``cursor_param``); ends when the body has none or a has-more flag is false
``next_url``      the next page's URL from the body (``next_path``), absolute or a path
                  resolved against the base URL (``resolve``: ``join`` as a link is,
                  ``append`` to the base URL as it is, or ``rebase`` an absolute URL's
                  path and query onto the base URL)
``link_header``   the ``rel="next"`` URL of an RFC 8288 ``Link`` header
``start_at``      JIRA's ``startAt``/``maxResults`` with ``total`` and ``isLast`` in the
                  body (also named ``jira``); never ends on a short page, as the server
                  caps ``maxResults``
================  =====================================================================

Rules: a page size travels only when the paginator has a ``size_param``; a LIMIT lowers it.
A next URL must point at the base URL's own scheme, host and port (credentials never go
elsewhere). :class:`Progress` refuses a repeated request (a cursor or next URL sent twice), a
page identical to the one before under a different request (an API that ignores the paging
parameter) and more than ``max_pages`` pages: each is a clear error, never an endless loop.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar
from urllib.parse import SplitResult, urljoin, urlsplit

from distillr.connectors.formats import value_at
from distillr.connectors.settings import Setting, Settings, make_strategy
from distillr.errors import SourceError

__all__ = [
    "PAGINATORS",
    "CursorPaginator",
    "LinkHeaderPaginator",
    "NextUrlPaginator",
    "NoPaginator",
    "OffsetPaginator",
    "Page",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "Progress",
    "StartAtPaginator",
    "make_paginator",
]

#: the most pages one scan may read, unless the definition says otherwise
MAX_PAGES = 10_000


@dataclass(frozen=True)
class PageRequest:
    """One page's request: URL, query parameters and, for POST, body fields."""

    url: str
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None

    def key(self) -> tuple[Any, ...]:
        body = tuple(sorted((k, repr(v)) for k, v in (self.body or {}).items()))
        return (self.url, tuple(sorted((k, str(v)) for k, v in self.params.items())), body)

    def with_param(self, name: str, value: Any, in_body: bool = False) -> PageRequest:
        if in_body:
            return replace(self, body={**(self.body or {}), name: value})
        return replace(self, params={**self.params, name: value})


@dataclass(frozen=True)
class Page:
    """What a paginator sees of a page: its request, the parsed document (``None`` for CSV and
    XML), the response headers and links, and how many records it held."""

    request: PageRequest
    body: Any
    count: int
    headers: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    base_url: str = ""
    #: a digest of the body's bytes (:meth:`Progress.page` compares consecutive pages)
    digest: bytes = b""


def _size_settings(size_param: str | None, size: int | None) -> list[Setting]:
    return [
        Setting(
            "size_param", "string", "the query parameter for the page size", default=size_param
        ),
        Setting("size", "integer", "the page size asked for", default=size, minimum=1),
    ]


_HAS_MORE = Setting("has_more_path", "string", "where the body says whether more pages follow")
_SHORT_PAGE_ENDS = Setting(
    "short_page_ends", "boolean", "a page shorter than asked for is the last", default=False
)
_LOCATION = Setting(
    "location",
    "choice",
    "where the paging parameters go: the query string or the POST body",
    default="query",
    choices=("query", "body"),
)


class Paginator:
    """Base class. Subclasses set ``name`` and ``settings`` and override ``next``."""

    name: ClassVar[str] = ""
    settings: ClassVar[Settings] = Settings()
    #: whether ``rest`` can list the remaining pages (so a connector may fetch them at once)
    concurrent: ClassVar[bool] = False
    size_param: str | None = None
    size: int | None = None
    location: str = "query"

    def page_size(self, limit: int | None) -> int | None:
        """The page size to ask for, lowered to ``limit``."""
        if self.size is None:
            return limit if (limit and self.size_param) else None
        return min(self.size, limit) if limit else self.size

    def first(self, request: PageRequest, limit: int | None = None) -> PageRequest:
        """The first page's request (the page size set)."""
        size = self.page_size(limit)
        if self.size_param and size:
            request = request.with_param(self.size_param, size, self.location == "body")
        return request

    def next(self, page: Page) -> PageRequest | None:
        """The next page's request, or ``None`` after the last page."""
        return None

    def rest(self, page: Page, limit: int | None = None) -> list[PageRequest] | None:
        """Every request after ``page`` (the first), when the API's total tells them; else
        ``None`` (follow ``next`` one page at a time). ``limit``: rows still wanted."""
        return None

    def describe(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class NoPaginator(Paginator):
    name = "none"


def _flag(body: Any, path: str | None) -> bool | None:
    if not path:
        return None
    value = value_at(body, path)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _number(body: Any, path: str | None) -> int | None:
    if not path:
        return None
    value = value_at(body, path)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _Counted(Paginator):
    """Offset-like paging: ends on an empty page, a has-more flag, a total or a short page."""

    total_path: str | None = None
    has_more_path: str | None = None
    short_page_ends: bool = False

    def _ended(self, page: Page) -> bool:
        if page.count == 0:
            return True
        more = _flag(page.body, self.has_more_path)
        if more is False:
            return True
        asked = page.request.params.get(self.size_param) if self.size_param else None
        if self.location == "body" and self.size_param:
            asked = (page.request.body or {}).get(self.size_param)
        short = bool(asked) and page.count < int(asked)
        return self.short_page_ends and short and more is not True


class OffsetPaginator(_Counted):
    name = "offset"
    concurrent = True
    settings = Settings(
        [
            Setting(
                "offset_param", "string", "the query parameter for the offset", default="offset"
            ),
            *_size_settings("limit", 100),
            Setting("start", "integer", "the first offset", default=0, minimum=0),
            Setting("total_path", "string", "where the body gives the total number of records"),
            _HAS_MORE,
            _SHORT_PAGE_ENDS,
            _LOCATION,
        ]
    )

    def __init__(
        self,
        offset_param: str = "offset",
        size_param: str | None = "limit",
        size: int | None = 100,
        start: int = 0,
        total_path: str | None = None,
        has_more_path: str | None = None,
        short_page_ends: bool = False,
        location: str = "query",
    ) -> None:
        self.offset_param, self.size_param, self.size = offset_param, size_param, size
        self.start, self.total_path, self.has_more_path = start, total_path, has_more_path
        self.short_page_ends, self.location = short_page_ends, location

    def _offset(self, request: PageRequest) -> int:
        source = request.body if self.location == "body" else request.params
        return int((source or {}).get(self.offset_param, self.start))

    def first(self, request: PageRequest, limit: int | None = None) -> PageRequest:
        request = super().first(request, limit)
        return request.with_param(self.offset_param, self.start, self.location == "body")

    def next(self, page: Page) -> PageRequest | None:
        if self._ended(page):
            return None
        offset = self._offset(page.request) + page.count
        total = _number(page.body, self.total_path)
        if total is not None and offset >= total:
            return None
        return page.request.with_param(self.offset_param, offset, self.location == "body")

    def rest(self, page: Page, limit: int | None = None) -> list[PageRequest] | None:
        total = _number(page.body, self.total_path)
        if total is None or self._ended(page):
            return None if total is None else []
        step, start = page.count, self._offset(page.request)
        end = total if limit is None else min(total, start + step + limit)
        body = self.location == "body"
        out = []
        for offset in range(start + step, end, step):
            req = page.request.with_param(self.offset_param, offset, body)
            if self.size_param:  # the last page under a LIMIT asks only for what is left
                req = req.with_param(self.size_param, min(step, end - offset), body)
            out.append(req)
        return out


class StartAtPaginator(OffsetPaginator):
    """JIRA's paging: ``startAt``/``maxResults``, ``total`` and ``isLast`` in the body."""

    name = "start_at"
    settings = Settings(
        [
            Setting(
                "start_param",
                "string",
                "the query parameter for the first index",
                default="startAt",
            ),
            *_size_settings("maxResults", 50),
            Setting("total_path", "string", "where the body gives the total", default="total"),
            Setting(
                "last_path", "string", "where the body says this is the last page", default="isLast"
            ),
            _LOCATION,
        ]
    )

    def __init__(
        self,
        start_param: str = "startAt",
        size_param: str | None = "maxResults",
        size: int | None = 50,
        total_path: str | None = "total",
        last_path: str | None = "isLast",
        location: str = "query",
    ) -> None:
        super().__init__(start_param, size_param, size, 0, total_path, None, False, location)
        self.last_path = last_path

    def _ended(self, page: Page) -> bool:
        return page.count == 0 or _flag(page.body, self.last_path) is True


class PageNumberPaginator(_Counted):
    name = "page"
    concurrent = True
    settings = Settings(
        [
            Setting(
                "page_param", "string", "the query parameter for the page number", default="page"
            ),
            *_size_settings(None, None),
            Setting("start", "integer", "the first page's number", default=1, minimum=0),
            Setting("total_path", "string", "where the body gives the total number of records"),
            Setting("total_pages_path", "string", "where the body gives the number of pages"),
            _HAS_MORE,
            _SHORT_PAGE_ENDS,
            _LOCATION,
        ]
    )

    def __init__(
        self,
        page_param: str = "page",
        size_param: str | None = None,
        size: int | None = None,
        start: int = 1,
        total_path: str | None = None,
        total_pages_path: str | None = None,
        has_more_path: str | None = None,
        short_page_ends: bool = False,
        location: str = "query",
    ) -> None:
        self.page_param, self.size_param, self.size, self.start = (
            page_param,
            size_param,
            size,
            start,
        )
        self.total_path, self.total_pages_path = total_path, total_pages_path
        self.has_more_path, self.short_page_ends, self.location = (
            has_more_path,
            short_page_ends,
            location,
        )

    def _number_of(self, request: PageRequest) -> int:
        source = request.body if self.location == "body" else request.params
        return int((source or {}).get(self.page_param, self.start))

    def _pages(self, page: Page) -> int | None:
        pages = _number(page.body, self.total_pages_path)
        if pages is not None:
            return pages
        total = _number(page.body, self.total_path)
        if total is not None and page.count:
            return math.ceil(total / page.count)
        return None

    def first(self, request: PageRequest, limit: int | None = None) -> PageRequest:
        request = super().first(request, limit)
        return request.with_param(self.page_param, self.start, self.location == "body")

    def next(self, page: Page) -> PageRequest | None:
        if self._ended(page):
            return None
        number = self._number_of(page.request) + 1
        pages = self._pages(page)
        if pages is not None and number >= self.start + pages:
            return None
        return page.request.with_param(self.page_param, number, self.location == "body")

    def rest(self, page: Page, limit: int | None = None) -> list[PageRequest] | None:
        pages = self._pages(page)
        if pages is None or self._ended(page):
            return None if pages is None else []
        first = self._number_of(page.request)
        last = self.start + pages
        if limit is not None and page.count:
            last = min(last, first + 1 + math.ceil(limit / page.count))
        body = self.location == "body"
        return [page.request.with_param(self.page_param, n, body) for n in range(first + 1, last)]


class CursorPaginator(Paginator):
    name = "cursor"
    settings = Settings(
        [
            Setting(
                "cursor_path",
                "string",
                "where the body gives the next page's cursor",
                required=True,
            ),
            Setting(
                "cursor_param", "string", "the parameter the cursor is sent back in", required=True
            ),
            *_size_settings(None, None),
            _HAS_MORE,
            _LOCATION,
        ]
    )

    def __init__(
        self,
        cursor_path: str,
        cursor_param: str,
        size_param: str | None = None,
        size: int | None = None,
        has_more_path: str | None = None,
        location: str = "query",
    ) -> None:
        self.cursor_path, self.cursor_param = cursor_path, cursor_param
        self.size_param, self.size = size_param, size
        self.has_more_path, self.location = has_more_path, location

    def next(self, page: Page) -> PageRequest | None:
        if _flag(page.body, self.has_more_path) is False:
            return None
        cursor = value_at(page.body, self.cursor_path)
        if cursor is None or cursor == "" or (page.count == 0 and self.has_more_path is None):
            return None
        return page.request.with_param(self.cursor_param, cursor, self.location == "body")


def _origin(parts: SplitResult) -> tuple[str, str | None, int | None]:
    try:
        return parts.scheme, parts.hostname, parts.port
    except ValueError:  # a port that is not a number: no origin at all
        return parts.scheme, parts.netloc, None


def _same_origin(url: str, base_url: str, what: str) -> str:
    target, base = urlsplit(url), urlsplit(base_url)
    if _origin(target) != _origin(base):
        raise SourceError(
            f"The API's {what} points at another server ({target.scheme}://{target.hostname});"
            " distillr follows next pages only on the source's own base URL, so credentials"
            " never go elsewhere. Change the base URL if the API moved."
        )
    return url


def _rebase(url: str, base: str) -> str:
    """``url``'s path (relative to ``base``'s path when under it) and query on ``base``."""
    if url.startswith(base + "/"):
        return url
    parts = urlsplit(url)
    base_path = urlsplit(base).path.rstrip("/")
    path = parts.path
    if base_path and path.startswith(base_path + "/"):
        path = path[len(base_path) :]
    return base + path + (f"?{parts.query}" if parts.query else "")


class NextUrlPaginator(Paginator):
    """The next page's URL from the body. ``resolve`` says how it meets the base URL:
    ``join`` resolves it as a link (a path replaces the base URL's path), ``append`` adds it to
    the base URL as it is (a path relative to the API's root, as Twilio's ``next_page_uri``),
    ``rebase`` moves an absolute URL's path and query onto the base URL (an API that names its
    public host even when reached at another, as Twilio's ``meta.next_page_url``)."""

    name = "next_url"
    settings = Settings(
        [
            Setting(
                "next_path",
                "string",
                "where the body gives the next page's URL or path",
                default="next",
            ),
            *_size_settings(None, None),
            Setting(
                "resolve",
                "choice",
                "how the next URL meets the base URL: joined as a link, appended to it, or an"
                " absolute URL's path and query moved onto it",
                default="join",
                choices=("join", "append", "rebase"),
            ),
        ]
    )

    def __init__(
        self,
        next_path: str = "next",
        size_param: str | None = None,
        size: int | None = None,
        resolve: str = "join",
    ) -> None:
        self.next_path, self.size_param, self.size = next_path, size_param, size
        self.resolve = resolve

    def next(self, page: Page) -> PageRequest | None:
        nxt = value_at(page.body, self.next_path)
        if not nxt or not isinstance(nxt, str):
            return None
        base = page.base_url or page.request.url
        if self.resolve == "append":
            url = base.rstrip("/") + nxt
        elif self.resolve == "rebase":
            url = _rebase(nxt, base.rstrip("/"))
        else:
            url = urljoin(base.rstrip("/") + "/", nxt)
        url = _same_origin(url, base, f"next page ({self.next_path})")
        # the next URL carries its own query: the first request's parameters are not re-sent
        return PageRequest(url, {}, page.request.body)


class LinkHeaderPaginator(Paginator):
    name = "link_header"
    settings = Settings(
        [
            *_size_settings(None, None),
            Setting("rel", "string", "the link relation to follow", default="next"),
        ]
    )

    def __init__(
        self, size_param: str | None = None, size: int | None = None, rel: str = "next"
    ) -> None:
        self.size_param, self.size, self.rel = size_param, size, rel

    def next(self, page: Page) -> PageRequest | None:
        link = page.links.get(self.rel)
        url = link.get("url") if link else None
        if not url:
            return None
        base = page.base_url or page.request.url
        url = _same_origin(urljoin(page.request.url, url), base, "Link header")
        return PageRequest(url, {}, page.request.body)


PAGINATORS: dict[str, type[Paginator]] = {
    "none": NoPaginator,
    "offset": OffsetPaginator,
    "page": PageNumberPaginator,
    "cursor": CursorPaginator,
    "next_url": NextUrlPaginator,
    "link_header": LinkHeaderPaginator,
    "start_at": StartAtPaginator,
    "jira": StartAtPaginator,
}


def make_paginator(spec: Any = None) -> Paginator:
    """A paginator from a name (``"offset"``), a dict (``{"type": "cursor", ...}``) or an
    instance (returned as is).

    >>> make_paginator({"type": "offset", "size": 20}).size
    20
    >>> make_paginator("ofset")
    Traceback (most recent call last):
    ...
    distillr.connectors.settings.SettingError: Unknown paginator 'ofset'. Did you mean 'offset'? ...
    """
    return make_strategy("paginator", PAGINATORS, spec or "none", Paginator)


class Progress:
    """Guards one walk through pages against loops: a request sent twice, the same page
    under two requests, and more than ``max_pages`` pages."""

    def __init__(self, what: str, max_pages: int = MAX_PAGES, hint: str | None = None) -> None:
        self.what = what
        self.max_pages = max_pages
        #: what a repeated request tells the user to do
        self.hint = hint or (
            "Check the endpoint's paginator settings (cursor_path, next_path) against the"
            " API's answers."
        )
        self._seen: set[tuple[Any, ...]] = set()
        self._last_digest: bytes | None = None
        self.pages = 0

    def request(self, request: PageRequest, shown: str) -> None:
        """Call before sending a page's request (``shown``: its path, for the message)."""
        key = request.key()
        if key in self._seen:
            raise SourceError(
                f"{self.what}: the API sent the same cursor or next page twice ({shown}), so"
                f" its paging would never end; stopping. {self.hint}"
            )
        self._seen.add(key)
        self.pages += 1
        if self.pages > self.max_pages:
            raise SourceError(
                f"{self.what}: more than {self.max_pages} pages; stopping. Narrow the query,"
                " or raise the endpoint's max_pages if the API really holds that much."
            )

    @staticmethod
    def digest(content: bytes) -> bytes:
        return hashlib.blake2b(content, digest_size=16).digest()

    def page(self, digest: bytes, count: int, shown: str) -> None:
        """Call with each page's digest (:meth:`digest`), in order: the same non-empty page
        twice in a row means the API ignores the paging parameter."""
        if count and digest == self._last_digest:
            raise SourceError(
                f"{self.what}: the API returned the same page again for {shown}; it seems to"
                " ignore the paging parameters, so paging would never end. Check the"
                " endpoint's paginator type and parameter names."
            )
        self._last_digest = digest
