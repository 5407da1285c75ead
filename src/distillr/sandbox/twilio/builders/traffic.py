"""What calls and messages share: who (an account and its Twilio number, a customer), when (over
the history, growing, busier in US business hours), and the column kinds both use.

The functions draw from the stream they are given, in the order the caller calls them.
"""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import API
from distillr.sandbox.twilio.table import Codes, Derived

HISTORY_DAYS = 396  # about 13 months
SUB_SHARE = 0.12  # share of calls and messages that belong to the first subaccount
#: Relative volume per hour of the (US) day.
_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1.0)


def times(ds, rng: np.random.Generator, n: int) -> np.ndarray:
    """Epoch seconds over the history: growing volume, busier in (US) business hours."""
    # day weight grows linearly (1x -> 2x) over the history
    u = rng.random(n)
    day = np.floor(HISTORY_DAYS * (np.sqrt(1 + 3 * u) - 1)).astype(np.int64)
    day = np.clip(day, 0, HISTORY_DAYS - 1)
    hour_w = np.array(_HOUR_WEIGHTS)
    hour_w /= hour_w.sum()
    hour = (rng.choice(24, size=n, p=hour_w) + 5) % 24  # shift to UTC from US time zones
    sec = hour * 3600 + rng.integers(0, 3600, n)
    return ds.start + day * V.DAY + sec


def account_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Account index per row (into ``ds.account_order``): 0 = main, 1 = first subaccount."""
    return (rng.random(n) < SUB_SHARE).astype(np.int8)


def pick_numbers(ds, rng: np.random.Generator, acct_codes: np.ndarray) -> np.ndarray:
    """A Twilio number of each row's account (index into ``ds.phones``)."""
    out = np.empty(len(acct_codes), dtype=np.int64)
    for code, sid in enumerate(ds.account_order[:2]):
        mine = np.array([i for i, a in enumerate(ds.number_account) if a == sid], dtype=np.int64)
        rows = acct_codes == code
        # the first numbers of an account carry most of the traffic
        w = 1.0 / np.arange(1, len(mine) + 1)
        out[rows] = mine[rng.choice(len(mine), size=int(rows.sum()), p=w / w.sum())]
    return out


def pick_customers(ds, rng: np.random.Generator, n: int) -> np.ndarray:
    """A customer per row (index into ``ds.phones``); a few customers are frequent."""
    nc = len(ds.customers)
    return len(ds.twilio_numbers) + np.minimum((rng.random(n) ** 2.2 * nc).astype(np.int64), nc - 1)


def account_column(ds, codes: np.ndarray) -> Codes:
    return Codes(codes, ds.account_order)


def price_column(price_e5: np.ndarray, present: np.ndarray) -> Codes:
    """Prices in 1e-5 USD as Twilio's decimal strings (``"-0.00790"``), NULL where not present."""
    vals = np.where(present, price_e5, 1)  # 1 is never a price: marks NULL
    uniq, codes = np.unique(vals, return_inverse=True)
    cats = [None if u == 1 else f"{u / 1e5:.5f}" for u in uniq.tolist()]
    return Codes(codes.astype(np.int32), cats)


def uri_column(resource: str) -> Derived:
    """``uri``: ``/2010-04-01/Accounts/{account_sid}/{resource}/{sid}.json``."""
    return Derived(
        lambda c: [
            f'"{API}/Accounts/{a[1:-1]}/{resource}/{s[1:-1]}.json"'
            for a, s in zip(c["account_sid"], c["sid"])
        ]
    )
