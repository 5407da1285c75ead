"""Query-parameter filters with Twilio's semantics, evaluated as numpy masks.

Each list endpoint's query parameters (from the catalog) become :class:`Filter` objects once, at
start-up. Date parameters carry their comparison in the name (``DateSent<``, ``StartTime>``); the
documented granularity is a UTC day. Whether ``X<`` includes the day comes from the spec's own
text: "before this date" is exclusive, "on or before" / "on and before" inclusive. Parameters that
name no column of the data are ignored, as Twilio ignores unknown parameters.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.errors import bad_request, shown
from distillr.sandbox.twilio.schemagen import snake
from distillr.sandbox.twilio.table import Codes, Table, Times, Values

PAGING = {"PageSize", "Page", "PageToken"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
)

#: Date parameter base names whose data column has another name.
DATE_COLUMNS = {
    "DateCreatedFrom": ("date_created", ">"),
    "DateCreatedTo": ("date_created", "<"),
    "CreatedAfter": ("date_created", ">"),
    "CreatedBefore": ("date_created", "<"),
}


@dataclass
class Filter:
    param: str
    column: str
    kind: str  # "eq" | "date" | "bool" | "int" | "digits"
    op: str = ""  # for dates: "", "<", ">"
    inclusive: bool = True  # for "<": does the named day count?
    date_only: bool = False  # parameter rejects date-times (format: date)

    def mask(self, table: Table, raw: str) -> np.ndarray | None:
        col = table.columns.get(self.column)
        if col is None:
            return None
        if self.kind == "date":
            return self._date_mask(col, raw)
        value: object = raw
        if self.kind == "bool":
            low = raw.strip().lower()
            if low not in ("true", "false"):
                raise bad_request(
                    20001, f"Invalid value for {self.param}: {shown(raw)} is not true or false"
                )
            value = low == "true"
        elif self.kind == "int":
            try:
                value = int(raw)
            except ValueError:
                raise bad_request(
                    20001, f"Invalid value for {self.param}: {shown(raw)} is not an integer"
                ) from None
            if isinstance(col, (Codes, Values)):
                m = col.eq_mask(value)
                return m | col.eq_mask(str(value))
        elif self.kind == "digits":
            return _digits_mask(col, raw)
        return col.eq_mask(value)

    def _date_mask(self, col, raw: str) -> np.ndarray:
        if not isinstance(col, Times):
            return np.ones(0, dtype=bool)
        lo, hi, is_day = parse_date(raw, self.param, self.date_only)
        secs = col.secs
        present = secs != V.NULL_TIME
        if self.op == "":
            return present & (secs >= lo) & (secs < hi)
        if self.op == ">":
            return present & (secs >= lo)
        # "<"
        if is_day:
            edge = hi if self.inclusive else lo
            return present & (secs < edge)
        return present & ((secs <= lo) if self.inclusive else (secs < lo))


def parse_date(raw: str, param: str, date_only: bool) -> tuple[int, int, bool]:
    """``YYYY-MM-DD`` -> (day start, next day start, True); a date-time -> (t, t + 1, False)."""
    text = raw.strip()
    try:
        if _DATE_RE.match(text):
            d = dt.date.fromisoformat(text)
            lo = int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())
            return lo, lo + V.DAY, True
        if date_only or not _DATETIME_RE.match(text):
            raise ValueError
        t = dt.datetime.fromisoformat(text.replace(" ", "T"))
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.UTC)
        ts = int(t.timestamp())
        return ts, ts + 1, False
    except (ValueError, OverflowError):
        expected = "YYYY-MM-DD" if date_only else "YYYY-MM-DD or an ISO 8601 date-time"
        raise bad_request(
            20001, f"Invalid date value for {param}: {shown(raw)}; use {expected}"
        ) from None


def _digits_mask(col, raw: str) -> np.ndarray:
    """Phone-number match: partial digits, ``*`` for any digit (IncomingPhoneNumbers)."""
    pattern = re.compile(re.escape(raw.strip()).replace(r"\*", r"\d"))
    if isinstance(col, Codes):
        hits = col.codes_matching(lambda v: isinstance(v, str) and bool(pattern.search(v)))
        return np.isin(col.codes, hits)
    vals = col.take(np.arange(len(col.arr))) if isinstance(col, Values) else []
    return np.array([isinstance(v, str) and bool(pattern.search(v)) for v in vals], dtype=bool)


def build_filters(endpoint: dict, field_names: set[str]) -> dict[str, Filter]:
    """The filters of one list endpoint, by wire parameter name."""
    out: dict[str, Filter] = {}
    for qp in endpoint.get("query_params", []):
        name = qp["name"]
        if name in PAGING:
            continue
        schema = qp.get("schema") or {}
        desc = (qp.get("description") or "").lower()
        base, op = name, ""
        if name[-1:] in "<>":
            base, op = name[:-1], name[-1]
        fmt = schema.get("format")
        if base in ("StartDate", "EndDate") and not op:
            # Alerts, Conversations: a range on when the record happened (usage records have
            # their own handling)
            column = next((c for c in ("date_generated", "date_created") if c in field_names), None)
            if column is None:
                continue
            out[name] = Filter(name, column, "date", ">" if base == "StartDate" else "<", True)
            continue
        if fmt in ("date", "date-time") or op or base in DATE_COLUMNS:
            column, fixed_op = DATE_COLUMNS.get(base, (snake(base), op))
            if column not in field_names:
                continue
            inclusive = not (
                re.search(r"\bbefore this date", desc)
                and "on or before" not in desc
                and "on and before" not in desc
            )
            out[name] = Filter(name, column, "date", fixed_op, inclusive, date_only=(fmt == "date"))
            continue
        column = snake(name)
        if column not in field_names:
            continue
        typ = schema.get("type")
        if name == "PhoneNumber":
            kind = "digits"
        elif typ == "boolean":
            kind = "bool"
        elif typ == "integer":
            kind = "int"
        else:
            kind = "eq"
        out[name] = Filter(name, column, kind)
    return out
