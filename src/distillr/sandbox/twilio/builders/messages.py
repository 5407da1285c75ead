"""Messages: outbound-api 55%, inbound 30%, outbound-reply 12%, outbound-call 3%.

Delivered, sent, undelivered and failed (with error codes; failed ones have no ``date_sent``),
received when inbound; ~5% MMS (``MM...`` SIDs) with one to three media; prices by segments and
destination; a messaging service on most outbound-api messages and on inbound ones. Stored as
columns, newest first by ``date_sent`` (failed ones by ``date_created``); ``ds.msg_raw`` keeps the
raw columns (account codes, phone indexes, epoch seconds, prices in 1e-5 USD) in that order.
"""

from __future__ import annotations

import random
from typing import Any

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

DIRECTIONS = ["inbound", "outbound-api", "outbound-reply", "outbound-call"]
STATUSES = ["received", "delivered", "sent", "undelivered", "failed", "read"]
OUT_BODIES = (
    "Your verification code is {n}. It expires in 10 minutes.",
    "Hi! Your order #{n} has shipped and should arrive in 2-3 business days.",
    "Reminder: your appointment is tomorrow at 10:30 AM. Reply C to confirm or R to reschedule.",
    "Your table for 4 is ready. Please come to the host stand within 10 minutes.",
    "Thanks for contacting support. A team member will reply shortly.",
    "Flash sale: 20% off everything this weekend only. Reply STOP to opt out.",
    "Your package #{n} is out for delivery today.",
    "We received your payment of $49.99. Thank you!",
    "Your ride is arriving in 3 minutes: grey Toyota Camry, plate 7ABC{n}.",
    "Security alert: a new device signed in to your account. If this wasn't you, reply HELP.",
    "Hello from the sandbox 👋 This message has an emoji, so it uses UCS-2 encoding.",
    "Your prescription is ready for pickup at the pharmacy on Main Street.",
    "Dear customer, your monthly statement is available online. Log in to view your balance, "
    "recent transactions and upcoming payments. Contact us any time if you have questions.",
    "Your one-time passcode: {n}",
)
IN_BODIES = (
    "Yes",
    "C",
    "STOP",
    "HELP",
    "Thanks!",
    "What time do you open tomorrow?",
    "R",
    "Can I change my delivery address?",
    "ok",
    "Where is my order?",
    "START",
    "👍",
)
ERRORS = (
    (30003, "Unreachable destination handset"),
    (30005, "Unknown destination handset"),
    (30006, "Landline or unreachable carrier"),
    (30007, "Message filtered"),
    (30008, "Unknown error"),
    (21610, "Attempt to send to unsubscribed recipient"),
    (30034, "Message from an unregistered number"),
)


def build(ds) -> None:
    n = ds.sizes["messages"]
    rng = V.rng_for(ds.seed, "messages")
    m = _parties(ds, rng, n)
    _outcome(rng, m)
    bodies = _content(ds, rng, m)
    _prices_and_times(ds, rng, m)
    svc_names = _services(ds, rng, m)
    # order: newest first by date_sent (NULL date_sent sorts by date_created)
    perm = np.argsort(-np.where(m["failed"], m["created"], m["t"]), kind="stable")
    hi, lo = reorder_sids(*make_sids(rng, n), perm)
    m = {k: v[perm] for k, v in m.items()}
    ds.msg_raw = {
        "account": m["acct"],
        "direction": m["direction"],
        "from": m["frm"],
        "to": m["to"],
        "status": m["status"],
        "date_sent": m["sent"],
        "date_created": m["created"],
        "price_e5": np.where(m["has_price"], m["price"], 0),
        "num_media": m["num_media"],
        "segments": m["segs"],
    }
    cols = _columns(ds, m, bodies, svc_names)
    cols["sid"] = Sids(Codes(m["mms"].astype(np.int8), ["SM", "MM"]), hi, lo)
    from_columns(ds, "messages", "api.v2010.account.message", n, cols)
    bind_api(ds, "Messages.json", "messages")


def _parties(ds, rng, n: int) -> dict[str, np.ndarray]:
    """Account, time, direction and the two numbers of each message."""
    acct = traffic.account_codes(rng, n)
    t = traffic.times(ds, rng, n)
    direction = rng.choice(4, size=n, p=[0.3, 0.55, 0.12, 0.03]).astype(np.int8)
    inbound = direction == 0
    mine = traffic.pick_numbers(ds, rng, acct)
    cust = traffic.pick_customers(ds, rng, n)
    frm = np.where(inbound, cust, mine)
    to = np.where(inbound, mine, cust)
    return {
        "acct": acct,
        "t": t,
        "direction": direction,
        "inbound": inbound,
        "cust": cust,
        "frm": frm,
        "to": to,
    }


def _outcome(rng, m: dict) -> None:
    """Status, and an error for undelivered and failed messages."""
    n = len(m["t"])
    status = rng.choice([1, 2, 3, 4], size=n, p=[0.84, 0.06, 0.05, 0.05]).astype(np.int8)
    status[m["inbound"]] = 0
    failed = status == 4
    bad = (status == 3) | failed
    err_idx = rng.integers(0, len(ERRORS), n)
    m["status"], m["failed"] = status, failed
    m["err_codes"] = np.where(bad, err_idx + 1, 0).astype(np.int16)


def _content(ds, rng, m: dict) -> list[str]:
    """Body (an index into the returned list: outbound templates, then inbound texts), segments,
    and media for some outbound-api and inbound messages."""
    n, inbound = len(m["t"]), m["inbound"]
    out_bodies = []
    brng = random.Random(V.seed_int(ds.seed, "bodies"))
    for tmpl in OUT_BODIES:
        for _ in range(4 if "{n}" in tmpl else 1):
            out_bodies.append(tmpl.format(n=brng.randrange(100000, 999999)))
    bodies = out_bodies + list(IN_BODIES)
    body = rng.integers(0, len(out_bodies), n)
    body[inbound] = len(out_bodies) + rng.integers(0, len(IN_BODIES), int(inbound.sum()))
    segs_of_body = np.array([_segments(b) for b in bodies], dtype=np.int64)
    mms = (rng.random(n) < 0.05) & ((m["direction"] == 1) | inbound)
    m["body"], m["segs"], m["mms"] = body, segs_of_body[body], mms
    m["num_media"] = np.where(mms, rng.integers(1, 4, n), 0)
    return bodies


def _prices_and_times(ds, rng, m: dict) -> None:
    """Prices (1e-5 USD, negative: a charge; GB/DE/MX recipients cost more, failed ones nothing)
    and times (failed messages were never sent: ``date_sent`` NULL)."""
    n, t, inbound, failed = len(m["t"]), m["t"], m["inbound"], m["failed"]
    rate = np.where(ds.phone_intl[m["cust"]] & ~inbound, 4000, 790)
    price = np.where(m["mms"], -2000, -(rate * m["segs"]))
    m["price"], m["has_price"] = np.where(failed, 0, price), ~failed
    m["created"] = t - rng.integers(0, 3, n)
    m["sent"] = np.where(failed, V.NULL_TIME, t)
    m["updated"] = np.where(inbound, t, t + rng.integers(1, 40, n))


def _services(ds, rng, m: dict) -> list[Any]:
    """Messaging service codes (into the returned list, 0 = None): 75% of outbound-api messages
    use one of their account's, and inbound ones to a number in a service."""
    n = len(m["t"])
    svc_pick = rng.integers(0, 2, n)
    svc_codes = np.zeros(n, dtype=np.int8)
    svc_names: list[Any] = [None]
    for code, a in enumerate(ds.account_order[:2]):
        base = len(svc_names)
        svc_names.extend(ds.messaging_services[a])
        k = len(ds.messaging_services[a])
        rows = (m["acct"] == code) & (
            ((m["direction"] == 1) & (rng.random(n) < 0.75)) | m["inbound"]
        )
        svc_codes[rows] = base + (svc_pick[rows] % k)
    m["svc_codes"] = svc_codes
    return svc_names


def _columns(ds, m: dict, bodies: list[str], svc_names: list) -> dict[str, Column]:
    n, segs = len(m["acct"]), m["segs"]
    return {
        "body": Codes(m["body"], bodies),
        "num_segments": Codes(segs, [str(i) for i in range(int(segs.max(initial=1)) + 1)]),
        "direction": Codes(m["direction"], DIRECTIONS),
        "from": Codes(m["frm"], ds.phones),
        "to": Codes(m["to"], ds.phones),
        "date_updated": Times(m["updated"]),
        "price": traffic.price_column(m["price"], m["has_price"]),
        "error_message": Codes(m["err_codes"], [None] + [msg for _, msg in ERRORS]),
        "account_sid": traffic.account_column(ds, m["acct"]),
        "num_media": Codes(m["num_media"], ["0", "1", "2", "3"]),
        "status": Codes(m["status"], STATUSES),
        "messaging_service_sid": Codes(m["svc_codes"], svc_names),
        "date_sent": Times(m["sent"]),
        "date_created": Times(m["created"]),
        "error_code": Codes(m["err_codes"], [None] + [code for code, _ in ERRORS]),
        "price_unit": Const("USD", n),
        "api_version": Const("2010-04-01", n),
        "uri": traffic.uri_column("Messages"),
        "subresource_uris": Derived(
            lambda c: [
                f'{{"media": "{API}/Accounts/{a[1:-1]}/Messages/{s[1:-1]}/Media.json", '
                f'"feedback": "{API}/Accounts/{a[1:-1]}/Messages/{s[1:-1]}/Feedback.json"}}'
                for a, s in zip(c["account_sid"], c["sid"])
            ]
        ),
    }


def _segments(body: str) -> int:
    gsm = all(ord(ch) < 128 for ch in body)
    single, multi = (160, 153) if gsm else (70, 67)
    n = len(body)
    return 1 if n <= single else -(-n // multi)
