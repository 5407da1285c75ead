"""Value formats Twilio uses: SIDs, secrets, RFC 2822 / ISO dates, E.164 numbers.

The columnar helpers here turn whole numpy arrays into lists of JSON values at once, so that
a 1,000-record page costs a few list operations rather than 1,000 ``strftime`` calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache

import numpy as np

# the builders draw their seeded streams through this module
from distillr.sandbox.seeds import rng_for as rng_for
from distillr.sandbox.seeds import seed_int as seed_int

DAY = 86_400
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Sentinel for a NULL timestamp in an int64 seconds column.
NULL_TIME = np.iinfo(np.int64).min


def sid(prefix: str, *parts: object) -> str:
    """A deterministic SID (``prefix`` + 32 hex digits) derived from ``parts``."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return prefix + digest


def sids(prefix: str, n: int, *parts: object) -> list[str]:
    """``n`` distinct-looking deterministic SIDs at once (much faster than :func:`sid` each)."""
    rng = rng_for("sids", prefix, *parts)
    hi = rng.integers(0, 2**63, size=n, dtype=np.int64).tolist()
    lo = rng.integers(0, 2**63, size=n, dtype=np.int64).tolist()
    return [f"{prefix}{h:016x}{x:016x}" for h, x in zip(hi, lo)]


def secret(*parts: object) -> str:
    return hashlib.blake2b(repr(("secret",) + parts).encode(), digest_size=16).hexdigest()


# ---------------------------------------------------------------------------- dates
def rfc2822(ts: int | None) -> str | None:
    if ts is None or ts == NULL_TIME:
        return None
    return _day_prefix(int(ts) // DAY) + _hms(int(ts) % DAY)


@lru_cache(maxsize=4096)
def _day_prefix(day: int) -> str:
    d = dt.date(1970, 1, 1) + dt.timedelta(days=day)
    return f"{_WEEKDAYS[d.weekday()]}, {d.day:02d} {_MONTHS[d.month - 1]} {d.year} "


def _hms(sec: int) -> str:
    return f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d} +0000"


_HH = np.array([f"{h:02d}:" for h in range(24)], dtype=object)
_MMSS = np.array([f"{m:02d}:{sec:02d} +0000" for m in range(60) for sec in range(60)], dtype=object)
_MMSS_Q = _MMSS + '"'


def rfc2822_many(secs: np.ndarray, quoted: bool = False) -> list:
    """RFC 2822 strings for an int64 array of epoch seconds (``NULL_TIME`` -> None).

    With ``quoted`` the strings come as JSON texts (``'"Fri, ..."'``, NULL as ``'null'``).
    """
    if len(secs) == 0:
        return []
    null = secs == NULL_TIME
    any_null = bool(null.any())
    if any_null:
        if null.all():
            return ["null" if quoted else None] * len(secs)
        safe = np.where(null, secs[~null][0], secs)
    else:
        safe = secs
    days = safe // DAY
    lo = int(days.min())
    span = int(days.max()) - lo + 1
    if span > 5000:  # pathological spread: no table
        vals = [rfc2822(int(s)) for s in secs.tolist()]
        return [("null" if v is None else f'"{v}"') for v in vals] if quoted else vals
    q = '"' if quoted else ""
    prefixes = np.array([q + _day_prefix(lo + i) for i in range(span)], dtype=object)
    sod = safe % DAY
    out = prefixes[days - lo] + _HH[sod // 3600] + (_MMSS_Q if quoted else _MMSS)[sod % 3600]
    if any_null:
        out[null] = "null" if quoted else None
    return out.tolist()


def iso8601(ts: int | None) -> str | None:
    if ts is None or ts == NULL_TIME:
        return None
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_many(secs: np.ndarray) -> list:
    return [iso8601(s) for s in secs.tolist()]


def date_only(ts: int | None) -> str | None:
    if ts is None or ts == NULL_TIME:
        return None
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(ts) // DAY)).isoformat()


def date_many(secs: np.ndarray) -> list:
    return [date_only(s) for s in secs.tolist()]


# ---------------------------------------------------------------------------- numbers
def us_formatted(e164: str) -> str:
    """``+14155550100`` -> ``(415) 555-0100``; other numbers are returned unchanged."""
    if e164.startswith("+1") and len(e164) == 12:
        d = e164[2:]
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    return e164
