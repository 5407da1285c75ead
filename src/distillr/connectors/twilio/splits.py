"""What one Twilio split reads, and the first pages that planning fetched for splits.

A :class:`ScanPart` is a split's ``params``: the account, the path parameter values, the query
parameters and the page size of one stream of pages, plus, for a date-range split, the
:class:`DayWindow` of rows it keeps, and the key of the page fetched for it while planning.
It is a plain frozen dataclass (it pickles), and a read-only ``Mapping`` of its fields so that
it meets ``Split.params``' contract (``repr(dict(split.params))``, ``params["path"]``).

:class:`FirstPages` holds the pages fetched while planning until the read of their split takes
them. A page is filed under its table and a key of its own that only that split carries, and
checked against the split's request when taken, so two tables (or two plans) never receive each
other's pages, and each page is taken at most once.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa

__all__ = ["DayWindow", "FirstPages", "ScanPart"]


@dataclass(frozen=True)
class DayWindow:
    """The rows a date-range split keeps: ``column`` on a UTC day in ``[lo, hi)`` (``None``
    is open). The API is asked for a superset (whole days, an inclusive upper bound); the
    window cuts it to the split's own days, so adjacent splits never return a row twice."""

    column: str
    lo: date | None = None
    hi: date | None = None

    def keep(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        """The rows of ``batch`` inside the window (rows with no date are outside it)."""
        import pyarrow.compute as pc

        values = batch.column(self.column)
        mask = pc.is_valid(values)
        if self.lo is not None:
            start = pa.scalar(datetime.combine(self.lo, datetime.min.time(), UTC), values.type)
            mask = pc.and_(mask, pc.greater_equal(values, start))
        if self.hi is not None:
            end = pa.scalar(datetime.combine(self.hi, datetime.min.time(), UTC), values.type)
            mask = pc.and_(mask, pc.less(values, end))
        return batch.filter(pc.fill_null(mask, False))


@dataclass(frozen=True)
class ScanPart(Mapping[str, Any]):
    """One split's stream of pages: ``GET path?query&PageSize=page_size`` and its next pages.

    ``account`` is the account in the path (API 2010), ``None`` for products that have none;
    ``path`` maps path parameters (``CallSid``) to their values, as given (encoded when the
    URL is built). ``window`` is set on date-range splits. ``first_page`` is the key of the
    page planning fetched for this split (see :class:`FirstPages`), if any.
    """

    account: str | None
    path: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    page_size: int = 1000
    window: DayWindow | None = None
    first_page: str | None = None

    def request(self) -> tuple[Any, ...]:
        """What the first request of this part is, for comparing two parts' requests."""
        return (
            self.account,
            tuple(sorted(self.path.items())),
            tuple(sorted(self.query.items())),
            self.page_size,
        )

    def with_first_page(self, key: str | None) -> ScanPart:
        return replace(self, first_page=key)

    # a read-only mapping of the fields (Split.params' contract)
    def __getitem__(self, key: str) -> Any:
        if key not in _FIELDS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(_FIELDS)

    def __len__(self) -> int:
        return len(_FIELDS)


_FIELDS = tuple(f.name for f in fields(ScanPart))


class FirstPages:
    """Pages fetched while planning, waiting for the read of their split.

    ``keep(table, part, body)`` files a page and returns the key to put on the split
    (``part.with_first_page(key)``); ``take(table, part)`` hands it out once, and only to a part
    of the same table with the same request. At most ``limit`` pages wait; the oldest goes first,
    so plans whose splits are never read (EXPLAIN) leave nothing behind.
    """

    def __init__(self, limit: int = 16) -> None:
        self.limit = limit
        self._pages: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, table: str, part: ScanPart, body: Any) -> str:
        key = secrets.token_hex(8)
        with self._lock:
            self._pages[(table, key)] = (part.request(), body)
            while len(self._pages) > self.limit:
                self._pages.popitem(last=False)
        return key

    def drop(self, table: str, key: str) -> None:
        with self._lock:
            self._pages.pop((table, key), None)

    def take(self, table: str, part: ScanPart) -> Any | None:
        """The page kept for ``part`` of ``table``, removed; ``None`` if there is none."""
        if part.first_page is None:
            return None
        with self._lock:
            found = self._pages.pop((table, part.first_page), None)
        if found is None or found[0] != part.request():
            return None
        return found[1]

    def __len__(self) -> int:
        with self._lock:
            return len(self._pages)
