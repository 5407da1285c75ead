"""Usage records computed from the calls, messages, recordings and transcriptions themselves.

Per account and UTC day the sandbox sums counts, usage (minutes, segments) and prices, so that a
usage record's ``price`` is exactly the sum of the matching resources' ``-price``. Ranges follow
Twilio: ``StartDate`` on or after, ``EndDate`` on or before (both ``YYYY-MM-DD`` or offsets such as
``-30days``), ``IncludeSubaccounts`` true by default.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.errors import bad_request, shown
from distillr.sandbox.twilio.table import Table

API = "/2010-04-01"
HANDLED = frozenset({"StartDate", "EndDate", "Category", "IncludeSubaccounts"})

#: category -> (description, count unit, usage unit)
CATEGORIES = {
    "calls": ("Voice Minutes", "calls", "minutes"),
    "calls-inbound": ("Inbound Voice Minutes", "calls", "minutes"),
    "calls-outbound": ("Outbound Voice Minutes", "calls", "minutes"),
    "mms": ("MMS", "messages", "messages"),
    "recordings": ("Voice Recordings", "recordings", "minutes"),
    "sms": ("SMS", "messages", "segments"),
    "sms-inbound": ("Inbound SMS", "messages", "segments"),
    "sms-outbound": ("Outbound SMS", "messages", "segments"),
    "totalprice": ("Total Price", "", "usd"),
    "transcriptions": ("Voice Transcriptions", "transcriptions", "minutes"),
}
_SUBRESOURCES = (
    ("all_time", "AllTime"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("this_month", "ThisMonth"),
    ("last_month", "LastMonth"),
    ("daily", "Daily"),
    ("monthly", "Monthly"),
    ("yearly", "Yearly"),
)
_OFFSET = re.compile(r"^([+-])(\d{1,5})days$")


class Usage:
    """Daily totals per (account index, category): count, usage and price (1e-5 USD)."""

    def __init__(self, ds) -> None:
        self.ds = ds
        days = int((ds.anchor - ds.start) // V.DAY) + 1  # the last one is today (empty)
        self.days = days
        self.acc = {}  # (account code, category) -> (count[], usage[], price_e5[])
        c, m = ds.call_raw, ds.msg_raw
        c_day = (c["date_created"] - ds.start) // V.DAY
        billed = c["price_e5"] != 0
        minutes = -(-c["duration"] // 60)
        inbound = c["direction"] == 0
        m_day = (m["date_created"] - ds.start) // V.DAY
        m_billed = m["price_e5"] != 0
        mms = m["num_media"] > 0
        m_in = m["direction"] == 0
        r_acct, r_day, r_min, r_price = _by_record(ds, ds.recording_records)
        trs = [r for r in ds.transcription_records if r.get("price")]
        t_acct, t_day, t_min, t_price = _by_record(ds, trs)
        for code in range(len(ds.account_order)):

            def put(cat, sel, day, usage, price, code=code):
                self.acc[(code, cat)] = _daily(days, day[sel], usage[sel], price[sel])

            mine = (c["account"] == code) & billed
            cp = -c["price_e5"]
            put("calls", mine, c_day, minutes, cp)
            put("calls-inbound", mine & inbound, c_day, minutes, cp)
            put("calls-outbound", mine & ~inbound, c_day, minutes, cp)
            mm = (m["account"] == code) & m_billed
            mp = -m["price_e5"]
            put("sms", mm & ~mms, m_day, m["segments"], mp)
            put("sms-inbound", mm & ~mms & m_in, m_day, m["segments"], mp)
            put("sms-outbound", mm & ~mms & ~m_in, m_day, m["segments"], mp)
            put("mms", mm & mms, m_day, np.ones_like(m["segments"]), mp)
            put("recordings", r_acct == code, r_day, r_min, r_price)
            put("transcriptions", t_acct == code, t_day, t_min, t_price)
            total = sum(
                self.acc[(code, k)][2]
                for k in ("calls", "sms", "mms", "recordings", "transcriptions")
            )
            self.acc[(code, "totalprice")] = (np.zeros(days, dtype=np.int64), total.copy(), total)
        self._cache: dict[tuple, Table] = {}
        self._as_of = dt.datetime.fromtimestamp(ds.anchor, dt.UTC).isoformat()

    # ------------------------------------------------------------------ dates
    def _day(self, raw: str, param: str) -> int:
        """Day index (0 = the first day of the history) of a date or ``-30days`` offset."""
        today = self.days - 1
        text = raw.strip()
        m = _OFFSET.match(text)
        if m:
            n = int(m.group(2))
            return today + (n if m.group(1) == "+" else -n)
        try:
            d = dt.date.fromisoformat(text)
            if len(text) != 10:
                raise ValueError
        except ValueError:
            raise bad_request(
                20001,
                f"Invalid date value for {param}: {shown(raw)}; use YYYY-MM-DD or an "
                "offset such as -30days",
            ) from None
        return (
            int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()) - self.ds.start
        ) // V.DAY

    def _date(self, day: int) -> dt.date:
        return dt.date(1970, 1, 1) + dt.timedelta(days=int(self.ds.start // V.DAY + day))

    def _dayno(self, d: dt.date) -> int:
        return (d - dt.date(1970, 1, 1)).days - int(self.ds.start // V.DAY)

    # ------------------------------------------------------------------ table
    def table(self, ep: dict, account: str, query: dict[str, str]) -> Table:
        kind = ep["path"].rsplit("/", 1)[-1].removesuffix(".json")
        start_raw, end_raw = query.get("StartDate"), query.get("EndDate")
        include = query.get("IncludeSubaccounts", "true").strip().lower() != "false"
        category = query.get("Category")
        key = (ep["path"], account, start_raw, end_raw, include, category)
        if key in self._cache:
            return self._cache[key]
        lo, hi = self._range(kind, account, start_raw, end_raw)
        codes = [self.ds.account_order.index(account)]
        if include and account == self.ds.main.sid:
            codes += [i for i, a in enumerate(self.ds.account_order) if a != account]
        cats = [category] if category else list(CATEGORIES)
        recs = [
            self._record(account, kind, cat, period, codes)
            for period in self._periods(kind, lo, hi)
            for cat in cats
            if cat in CATEGORIES
        ]
        fields = [f["name"] for f in self.ds.fields(ep["record_schema"])]
        table = Table.from_records(f"usage:{key}", recs, fields)
        table.handled = HANDLED
        if len(self._cache) > 64:
            self._cache.clear()
        self._cache[key] = table
        return table

    def _range(self, kind: str, account: str, start_raw, end_raw) -> tuple[int, int]:
        """First and last day of a request: ``StartDate``/``EndDate`` (default: the account's
        whole life), or the fixed range ``kind`` names."""
        today = self.days - 1
        created = max(0, (self.ds.accounts[account].created - self.ds.start) // V.DAY)
        lo = self._day(start_raw, "StartDate") if start_raw else created
        hi = self._day(end_raw, "EndDate") if end_raw else today
        td = self._date(today)
        if kind == "Today":
            lo = hi = today
        elif kind == "Yesterday":
            lo = hi = today - 1
        elif kind == "ThisMonth":
            lo, hi = self._dayno(td.replace(day=1)), today
        elif kind == "LastMonth":
            first = td.replace(day=1)
            prev_last = first - dt.timedelta(days=1)
            lo, hi = self._dayno(prev_last.replace(day=1)), self._dayno(prev_last)
        return lo, hi

    def _record(
        self, account: str, kind: str, cat: str, period: tuple[int, int], codes: list[int]
    ) -> dict:
        """The usage record of category ``cat`` over ``period`` for the accounts ``codes``."""
        p_lo, p_hi = period
        cnt = use = price = 0
        a, b = max(p_lo, 0), min(p_hi, self.days - 1)
        if a <= b:
            for code in codes:
                arr = self.acc.get((code, cat))
                if arr is not None:
                    cnt += int(arr[0][a : b + 1].sum())
                    use += int(arr[1][a : b + 1].sum())
                    price += int(arr[2][a : b + 1].sum())
        desc, cunit, uunit = CATEGORIES[cat]
        sd, ed = self._date(p_lo).isoformat(), self._date(p_hi).isoformat()
        qs = f"Category={cat}&StartDate={sd}&EndDate={ed}"
        base = f"{API}/Accounts/{account}/Usage/Records"
        return {
            "account_sid": account,
            "api_version": "2010-04-01",
            "as_of": self._as_of,
            "category": cat,
            "count": str(cnt),
            "count_unit": cunit,
            "description": desc,
            "start_date": sd,
            "end_date": ed,
            "price": round(price / 1e5, 5),
            "price_unit": "usd",
            "usage": f"{use / 1e5:.5f}" if uunit == "usd" else str(use),
            "usage_unit": uunit,
            "uri": f"{base}/{kind}.json?{qs}" if kind != "Records" else f"{base}.json?{qs}",
            "subresource_uris": {k: f"{base}/{v}.json?{qs}" for k, v in _SUBRESOURCES},
        }

    def _periods(self, kind: str, lo: int, hi: int) -> list[tuple[int, int]]:
        if hi < lo:
            return []
        if kind == "Daily":
            return [(d, d) for d in range(lo, hi + 1)]
        if kind in ("Monthly", "Yearly"):
            out = []
            d = lo
            while d <= hi:
                date = self._date(d)
                if kind == "Monthly":
                    nxt = (date.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
                else:
                    nxt = dt.date(date.year + 1, 1, 1)
                end = min(hi, self._dayno(nxt) - 1)
                out.append((d, end))
                d = end + 1
            return out
        return [(lo, hi)]


def _by_record(ds, recs: list[dict]) -> tuple[np.ndarray, ...]:
    """Account code, day, started minutes and price (1e-5 USD, positive) of each record."""
    acct_code = {a: i for i, a in enumerate(ds.account_order)}
    acct = np.array([acct_code[r["account_sid"]] for r in recs], dtype=np.int64)
    day = np.array([(r["date_created"] - ds.start) // V.DAY for r in recs], dtype=np.int64)
    mins = np.array([-(-int(r["duration"]) // 60) for r in recs], dtype=np.int64)
    price = np.array([-round(float(r["price"]) * 1e5) for r in recs], dtype=np.int64)
    return acct, day, mins, price


def _daily(days: int, day: np.ndarray, usage: np.ndarray, price: np.ndarray) -> tuple:
    """Per day: how many, their usage and their price."""

    def total(weights=None):
        return np.bincount(day, weights=weights, minlength=days)[:days]

    return (
        total().astype(np.int64),
        total(usage).round().astype(np.int64),
        total(price).round().astype(np.int64),
    )
