"""Date-range splits of one big scan: where its data lies, and the ranges to read at once.

A scan bounded on a table's date column (``messages.date_sent``, ``calls.start_time``, ...) is
read as several date ranges at once. How evenly the work spreads depends on knowing the days
that hold data: :func:`find_span` estimates them from the scan's first page (its newest rows)
and a few one-row probes ("any rows before this day?"), sent concurrently through ``probe``.
:func:`windows` then cuts the span into ranges. Only the balance depends on the estimate: the
first range is open below and the last open above (or they end at the query's own bounds), so
no row is missed if the estimate is off.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from distillr.connectors.twilio.pushdown import DayRange

__all__ = ["LOOKBACK", "find_span", "windows"]

_DAY = timedelta(days=1)
#: how far back the probes look for a scan's oldest rows: 1, 2, 4, ... 8192 days
LOOKBACK = tuple(2**k for k in range(14))
#: probes between the last day with rows before it and the first without, to refine the start
REFINE = 8

#: ``probe(days)`` -> for each day, whether any row of the scan lies before it
Probe = Callable[[Sequence[date]], Sequence[bool]]


def find_span(
    newest: datetime | None,
    oldest_seen: datetime | None,
    bounds: DayRange,
    probe: Probe,
    today: date | None = None,
) -> tuple[date, date]:
    """The first day with data and the day after the last, within ``bounds``.

    ``newest`` and ``oldest_seen`` are the newest and oldest dates on the scan's first page.
    """
    today = today or datetime.now(UTC).date()
    hi = (newest.date() + _DAY) if newest else today + _DAY
    if bounds.hi is not None:
        hi = min(hi, bounds.hi)
    start = oldest_seen.date() if oldest_seen else hi - _DAY
    floor = bounds.lo
    if floor is not None and floor >= start:
        return floor, max(hi, floor + _DAY)
    # rows before `start`? look back 1, 2, 4, ... days at once, then refine between the
    # furthest step with rows before it and the next one
    steps = [start - timedelta(days=k) for k in LOOKBACK]
    steps = [d for d in steps if floor is None or d > floor]
    hits = list(probe(steps)) if steps else []
    if not any(hits):
        return start, max(hi, start + _DAY)
    k = max(i for i, hit in enumerate(hits) if hit)
    outer = start - timedelta(days=2 * LOOKBACK[k])
    if floor is not None:
        outer = max(outer, floor)
    span = (steps[k] - outer).days
    inner = sorted({outer + timedelta(days=span * i // REFINE) for i in range(1, REFINE)})
    inner = [d for d in inner if outer < d < steps[k]]
    lo = outer
    for day, hit in zip(inner, probe(inner) if inner else [], strict=True):
        if not hit:
            lo = day - _DAY
    return lo, max(hi, lo + _DAY)


def windows(bounds: DayRange, lo: date, hi: date, n: int) -> list[DayRange]:
    """``n`` ranges of about equal days over ``[lo, hi)``; the first reaches down to
    ``bounds.lo`` and the last up to ``bounds.hi`` (open where the bound is)."""
    days = (hi - lo).days
    edges = [lo + timedelta(days=(days * i) // n) for i in range(n + 1)]
    out = []
    for i in range(n):
        a = edges[i] if i > 0 else bounds.lo
        b = edges[i + 1] if i < n - 1 else bounds.hi
        out.append(DayRange(bounds.filter, a, b))
    return out
