"""Pushed predicates -> Twilio query and path parameters.

:func:`push` reads a table's predicates and returns a :class:`Pushed`: the values each path
parameter, account and equality filter may take (several values fan out into one split each)
and the day bounds of each date range. Dates are widened to whole UTC days: the lower bound is
sent as ``X>`` (Twilio: "on or after"), the upper bound as ``X<`` set to the first day *not*
wanted, which is a superset whether Twilio reads ``<`` as "before" or "on or before". One day
exactly is sent as ``X``. Every predicate is re-applied by the engine, so a superset is safe.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from distillr.connectors.base import Pred
from distillr.connectors.twilio.tables import RangeFilter, TwilioTable
from distillr.errors import CatalogError, SqlError

__all__ = ["DayRange", "Pushed", "push", "to_utc_datetime", "wire_value"]

_ONE_DAY = timedelta(days=1)


@dataclass
class DayRange:
    """Whole UTC days ``[lo, hi)``; ``None`` is unbounded."""

    filter: RangeFilter
    lo: date | None = None
    hi: date | None = None

    def narrow(self, lo: date | None = None, hi: date | None = None) -> None:
        if lo is not None and (self.lo is None or lo > self.lo):
            self.lo = lo
        if hi is not None and (self.hi is None or hi < self.hi):
            self.hi = hi

    @property
    def empty(self) -> bool:
        return self.lo is not None and self.hi is not None and self.lo >= self.hi

    def wire(self) -> dict[str, str]:
        """The query parameters for these bounds."""
        f = self.filter
        if f.wire == "datetime":
            out = {}
            if self.lo is not None:
                out[f.lower_param] = _midnight(self.lo)
            if self.hi is not None:
                out[f.upper_param] = _midnight(self.hi)
            return out
        if (
            f.eq_param
            and self.lo is not None
            and self.hi is not None
            and self.hi - self.lo == _ONE_DAY
        ):
            return {f.eq_param: self.lo.isoformat()}
        out = {}
        if self.lo is not None:
            out[f.lower_param] = self.lo.isoformat()
        if self.hi is not None:
            out[f.upper_param] = self.hi.isoformat()
        return out


@dataclass
class Pushed:
    """What one table reference's predicates become on the wire."""

    #: account SIDs chosen by ``account_sid = / IN``; ``None`` means the source's default
    accounts: tuple[str, ...] | None = None
    #: path parameter -> its values (each value one split)
    path: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: equality query parameter -> its values (more than one value fans out)
    eq: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: date ranges, by the timestamp column they bound
    ranges: dict[str, DayRange] = field(default_factory=dict)
    #: the predicates contradict each other: the answer is empty without asking
    empty: bool = False

    def query(self) -> dict[str, str]:
        """The range parameters (equalities are chosen per split)."""
        out: dict[str, str] = {}
        for r in self.ranges.values():
            out.update(r.wire())
        return out


def _midnight(d: date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def wire_value(value: Any) -> str:
    """A scalar as Twilio expects it in a query string or path.

    >>> wire_value(True), wire_value(3), wire_value("+15551234567")
    ('true', '3', '+15551234567')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return to_utc_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def to_utc_datetime(value: Any) -> datetime:
    """A predicate value as an aware UTC datetime (dates are their UTC midnight)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            return to_utc_datetime(datetime.fromisoformat(text))
        except ValueError:
            pass
    raise SqlError(
        f"Cannot compare a date or time with {value!r}. Write it as"
        f" 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' (UTC)."
    )


def _to_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return to_utc_datetime(value).date()


def _values(pred: Pred) -> tuple[Any, ...]:
    if pred.op == "in":
        return tuple(pred.value)
    return (pred.value,)


def _intersect(current: tuple[str, ...] | None, new: Iterable[str]) -> tuple[str, ...]:
    new_t = tuple(dict.fromkeys(new))
    if current is None:
        return new_t
    keep = set(new_t)
    return tuple(v for v in current if v in keep)


def _timestamp_bounds(op: str, value: Any) -> tuple[date | None, date | None]:
    t = to_utc_datetime(value)
    day = t.date()
    at_midnight = t.time() == time(0)
    if op in ("gt", "gte"):
        return day, None
    if op == "lt":
        return None, (day if at_midnight else day + _ONE_DAY)
    if op == "lte":
        return None, day + _ONE_DAY
    if op == "eq":
        return day, day + _ONE_DAY
    return None, None


def _day_bounds(op: str, value: Any) -> tuple[date | None, date | None]:
    d = _to_date(value)
    return {
        "eq": (d, d + _ONE_DAY),
        "gte": (d, None),
        "gt": (d + _ONE_DAY, None),
        "lte": (None, d + _ONE_DAY),
        "lt": (None, d),
    }.get(op, (None, None))


def push(table: TwilioTable, predicates: Iterable[Pred]) -> Pushed:
    """Map a table's pushed predicates to path, account, equality and range parameters."""
    out = Pushed()
    path_cols = {col.lower(): param for param, col in table.path_params.items()}
    path_cols.update({param.lower(): param for param in table.path_params})
    eq_sets: dict[str, tuple[str, ...]] = {}
    path_sets: dict[str, tuple[str, ...]] = {}
    accounts: tuple[str, ...] | None = None
    for pred in predicates:
        col = pred.column.lower()
        if col not in table.resolve:
            raise CatalogError(f"Table '{table.name}' has no column '{pred.column}'.")
        op = pred.op
        if op in ("eq", "in"):
            values = [wire_value(v) for v in _values(pred) if v is not None]
            if col == "account_sid" and table.account_in_path:
                accounts = _intersect(accounts, values)
                continue
            if col in path_cols:
                param = path_cols[col]
                path_sets[param] = _intersect(path_sets.get(param), values)
                continue
            if col in table.eq_params and col not in table.ranges:
                param, _exact = table.eq_params[col]
                eq_sets[param] = _intersect(eq_sets.get(param), values)
                continue
        if col in table.ranges:
            rf = table.ranges[col]
            rng = out.ranges.setdefault(rf.column, DayRange(rf))
            is_day = rf.day_column is not None and col == rf.day_column.lower()
            if op == "in":
                days = [
                    (_day_bounds if is_day else _timestamp_bounds)("eq", v)
                    for v in pred.value
                    if v is not None
                ]
                if not days:
                    out.empty = True
                    continue
                rng.narrow(min(d[0] for d in days), max(d[1] for d in days))
                continue
            bounds = (_day_bounds if is_day else _timestamp_bounds)(op, pred.value)
            rng.narrow(*bounds)
            continue
        # anything else (prefix, a column without pushdown) stays with the engine
    out.accounts = accounts
    out.path = path_sets
    out.eq = eq_sets
    if any(len(v) == 0 for v in (*path_sets.values(), *eq_sets.values())):
        out.empty = True
    if accounts is not None and not accounts:
        out.empty = True
    if any(r.empty for r in out.ranges.values()):
        out.empty = True
    return out
