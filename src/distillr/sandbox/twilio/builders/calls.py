"""Calls: inbound 42%, outbound-api 43%, outbound-dial 15% (child legs of an inbound call, with
``parent_call_sid``).

Completed, no-answer, busy, failed and canceled (no start or end time); a few inbound calls of
the main account still in progress at the end of the history (the queues' members); durations,
prices per started minute, ``answered_by`` for some outbound calls. Stored as columns, newest
first by ``date_created``; ``ds.call_raw`` keeps the raw columns (account codes, phone indexes,
epoch seconds, prices in 1e-5 USD, parent row numbers, the live flag) in that order.
"""

from __future__ import annotations

import json

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders import traffic
from distillr.sandbox.twilio.builders.records import API, bind_api, from_columns
from distillr.sandbox.twilio.table import (
    Codes,
    Column,
    Const,
    Derived,
    Sids,
    Times,
    make_sids,
    reorder_sids,
)

DIRECTIONS = ["inbound", "outbound-api", "outbound-dial"]
STATUSES = [
    "queued",
    "ringing",
    "in-progress",
    "canceled",
    "completed",
    "failed",
    "busy",
    "no-answer",
]
IN_PROGRESS, CANCELED, COMPLETED, FAILED, BUSY, NO_ANSWER = (
    STATUSES.index(s)
    for s in ("in-progress", "canceled", "completed", "failed", "busy", "no-answer")
)
#: The error code and text of a failed call: ``ERRORS[row % len(ERRORS)]`` (raw row number).
ERRORS = (
    (13227, "Geo Permission configuration is not permitting call"),
    (11200, "HTTP retrieval failure"),
    (13224, "Dial: Twilio does not support calling this number or the number is invalid"),
    (31005, "Connection error"),
)
CALLER_NAMES = (
    "WIRELESS CALLER",
    "JOHN SMITH",
    "MARIA GARCIA",
    "ACME CORP",
    "CHEN WEI",
    "PRIYA PATEL",
)


def build(ds) -> None:
    n = ds.sizes["calls"]
    rng = V.rng_for(ds.seed, "calls")
    c = _parties(ds, rng, n)
    _outcome(rng, c)
    _child_legs(rng, c)
    _timing(ds, rng, c)
    _details(ds, rng, c)
    # order: newest first by date_created
    perm = np.argsort(-c["t"], kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    hi, lo = reorder_sids(*make_sids(rng, n), perm)
    c = {k: v[perm] for k, v in c.items()}
    c["parent"] = np.where(c["parent"] >= 0, inv[np.maximum(c["parent"], 0)], -1)
    ds.call_raw = {
        "account": c["acct"],
        "direction": c["direction"],
        "from": c["frm"],
        "to": c["to"],
        "status": c["status"],
        "date_created": c["t"],
        "start_time": c["start"],
        "end_time": c["end"],
        "duration": c["duration"],
        "price_e5": np.where(c["has_price"], c["price"], 0),
        "parent": c["parent"],
        "live": c["is_live"],
    }
    from_columns(ds, "calls", "api.v2010.account.call", n, _columns(ds, c, Sids("CA", hi, lo)))
    bind_api(ds, "Calls.json", "calls")


def _parties(ds, rng, n: int) -> dict[str, np.ndarray]:
    """Account, time, direction and the two numbers of each call."""
    acct = traffic.account_codes(rng, n)
    t = traffic.times(ds, rng, n)
    direction = rng.choice(3, size=n, p=[0.42, 0.43, 0.15]).astype(np.int8)
    inbound = direction == 0
    mine = traffic.pick_numbers(ds, rng, acct)
    cust = traffic.pick_customers(ds, rng, n)
    frm = np.where(inbound, cust, mine)
    to = np.where(inbound, mine, cust)
    return {"acct": acct, "t": t, "direction": direction, "inbound": inbound, "frm": frm, "to": to}


def _outcome(rng, c: dict) -> None:
    """Completed, no-answer, busy, failed or canceled; inbound calls are answered more often."""
    n = len(c["t"])
    choices = np.array([COMPLETED, NO_ANSWER, BUSY, FAILED, CANCELED])
    p_in = [0.85, 0.06, 0.04, 0.02, 0.03]
    p_out = [0.70, 0.14, 0.08, 0.05, 0.03]
    status = np.where(
        c["inbound"],
        choices[rng.choice(5, size=n, p=p_in)],
        choices[rng.choice(5, size=n, p=p_out)],
    )
    c["status"] = status.astype(np.int8)


def _child_legs(rng, c: dict) -> None:
    """An outbound-dial call is a child leg of an inbound call: same account, just after it, from
    the number the inbound call reached (``parent``: a row number, -1 for none). Without inbound
    calls to hang off, the legs become outbound-api calls."""
    parent = np.full(len(c["t"]), -1, dtype=np.int64)
    dial = np.flatnonzero(c["direction"] == 2)
    inb = np.flatnonzero(c["inbound"])
    if len(inb) and len(dial):
        par = inb[rng.integers(0, len(inb), len(dial))]
        parent[dial] = par
        c["acct"][dial] = c["acct"][par]
        c["t"][dial] = c["t"][par] + rng.integers(2, 15, len(dial))
        c["frm"][dial] = c["to"][par]
    elif len(dial):
        c["direction"][dial] = 1
    c["parent"] = parent


def _timing(ds, rng, c: dict) -> None:
    """Ringing, start and end times, durations and prices; the live calls (the five latest
    inbound calls of the main account, still in progress at the end of the history)."""
    n, t, status, inbound = len(c["t"]), c["t"], c["status"], c["inbound"]
    completed = status == COMPLETED
    ring = rng.integers(3, 25, n)
    dur = np.where(completed, np.maximum(1, rng.lognormal(4.6, 1.0, n)).astype(np.int64), 0)
    dur = np.minimum(dur, 4 * 3600)
    started = np.isin(status, (COMPLETED, BUSY, NO_ANSWER))
    start = np.where(started, t + np.where(completed, ring, 0), V.NULL_TIME)
    end = np.where(started, start + np.where(completed, dur, ring), V.NULL_TIME)
    live = np.array([], dtype=np.int64)
    main_inb = np.flatnonzero(inbound & (c["acct"] == 0) & (c["parent"] == -1))
    if len(main_inb):
        live = main_inb[np.argsort(-t[main_inb])][:5]
        t[live] = ds.anchor - 60 * (np.arange(len(live)) + 1) - 30
        status[live] = IN_PROGRESS
        start[live] = t[live] + 2
        end[live] = V.NULL_TIME
    is_live = np.zeros(n, dtype=bool)
    is_live[live] = True
    mins = -(-dur // 60)
    c["price"] = -(mins * np.where(inbound, 850, 1400))
    c["has_price"] = completed & ~is_live
    c["completed"], c["is_live"], c["start"], c["end"] = completed, is_live, start, end
    c["duration"] = np.where(completed | started, dur, 0)
    c["dur_null"] = is_live  # in-progress calls have no duration yet


def _details(ds, rng, c: dict) -> None:
    """``answered_by`` for some outbound-api calls, caller names, forwarded calls, queue times."""
    n, inbound, completed = len(c["t"]), c["inbound"], c["completed"]
    answered = np.zeros(n, dtype=np.int8)  # None
    amd = (c["direction"] == 1) & completed & (rng.random(n) < 0.2)
    answered[amd] = rng.choice([1, 2, 3], size=int(amd.sum()), p=[0.7, 0.25, 0.05])
    cname = np.zeros(n, dtype=np.int8)
    has_name = inbound & (rng.random(n) < 0.15)
    cname[has_name] = 1 + rng.integers(0, len(CALLER_NAMES), int(has_name.sum()))
    fwd = inbound & (rng.random(n) < 0.03)
    c["fwd_codes"] = np.where(fwd, 1 + rng.integers(0, len(ds.twilio_numbers), n), 0)
    queued = inbound & completed & (rng.random(n) < 0.1)
    c["queue_time"] = np.where(queued, rng.integers(1, 300, n), 0)
    c["answered"], c["cname"] = answered, cname


def _columns(ds, c: dict, sids: Sids) -> dict[str, Column]:
    n, duration, direction = len(c["t"]), c["duration"], c["direction"]
    updated = np.where(c["end"] != V.NULL_TIME, c["end"] + 1, c["t"] + 30)
    queue_cats = [str(i) for i in range(int(c["queue_time"].max(initial=0)) + 1)]
    return {
        "sid": sids,
        "date_created": Times(c["t"]),
        "date_updated": Times(updated),
        "parent_call_sid": ParentSids(sids, c["parent"]),
        "account_sid": traffic.account_column(ds, c["acct"]),
        "to": Codes(c["to"], ds.phones),
        "to_formatted": Codes(c["to"], ds.phone_formatted),
        "from": Codes(c["frm"], ds.phones),
        "from_formatted": Codes(c["frm"], ds.phone_formatted),
        "phone_number_sid": Codes(np.where(direction == 0, c["to"], c["frm"]), ds.phone_pn_sid),
        "status": Codes(c["status"], STATUSES),
        "start_time": Times(c["start"]),
        "end_time": Times(c["end"]),
        "duration": IntStrings(
            np.where(c["dur_null"], 0, duration + 1), int(duration.max(initial=0))
        ),
        "price": traffic.price_column(c["price"], c["has_price"]),
        "price_unit": Const("USD", n),
        "direction": Codes(direction, DIRECTIONS),
        "answered_by": Codes(c["answered"], [None, "human", "machine_start", "unknown"]),
        "api_version": Const("2010-04-01", n),
        "forwarded_from": Codes(c["fwd_codes"], [None] + ds.twilio_numbers),
        "group_sid": Const(None, n),
        "caller_name": Codes(c["cname"], [None] + list(CALLER_NAMES)),
        "queue_time": Codes(c["queue_time"], queue_cats),
        "trunk_sid": Const(None, n),
        "uri": traffic.uri_column("Calls"),
        "subresource_uris": Derived(
            lambda cols: [
                _subresources(a[1:-1], s[1:-1]) for a, s in zip(cols["account_sid"], cols["sid"])
            ]
        ),
    }


def _subresources(a: str, s: str) -> str:
    base = f"{API}/Accounts/{a}/Calls/{s}"
    return json.dumps(
        {
            "feedback": f"{base}/Feedback.json",
            "user_defined_messages": f"{base}/UserDefinedMessages.json",
            "notifications": f"{base}/Notifications.json",
            "recordings": f"{base}/Recordings.json",
            "streams": f"{base}/Streams.json",
            "payments": f"{base}/Payments.json",
            "user_defined_message_subscriptions": f"{base}/UserDefinedMessageSubscriptions.json",
            "siprec": f"{base}/Siprec.json",
            "events": f"{base}/Events.json",
            "feedback_summaries": f"{API}/Accounts/{a}/Calls/FeedbackSummary.json",
        }
    )


class ParentSids(Column):
    """The SID of another row of the same table (``parent_call_sid``), or NULL."""

    def __init__(self, sids: Sids, parent: np.ndarray):
        self.sids = sids
        self.parent = parent  # row number, -1 for none

    def take(self, idx):
        par = self.parent[idx]
        vals = self.sids.take(np.maximum(par, 0))
        return [v if p >= 0 else None for v, p in zip(vals, par.tolist())]

    def eq_mask(self, value):
        row = self.sids.find(value) if isinstance(value, str) else None
        if row is None:
            return np.zeros(len(self.parent), dtype=bool)
        return self.parent == row


class IntStrings(Codes):
    """Non-negative integers as strings; code 0 is NULL, code k is str(k - 1)."""

    def __init__(self, codes: np.ndarray, max_value: int):
        super().__init__(codes, [None] + [str(i) for i in range(max_value + 1)])
