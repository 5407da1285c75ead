"""Recordings and transcriptions: ~30% of the completed calls longer than ten seconds are
recorded (and some conferences: see :mod:`.conferences`); ~30% of the call recordings are
transcribed, 8% of those failing.

Recordings are stored as columns, newest first (there are tens of thousands at ``--scale
large``); ``ds.recording_records`` and ``ds.transcription_records`` keep the fields the usage
records add up.
"""

from __future__ import annotations

import random

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders import calls
from distillr.sandbox.twilio.builders.records import (
    ACCOUNT,
    API,
    api_path,
    api_uri,
    bind_api,
    bind_view,
    from_columns,
    from_records,
)
from distillr.sandbox.twilio.table import Const, Derived, Times, Values

TRANSCRIPTS = (
    "Hi, this is Sam from Acme, returning your call about the invoice. Please call me back.",
    "Hello, I'd like to reschedule my appointment to Thursday afternoon if possible.",
    "This is a reminder that your order is ready for pickup. Thank you.",
    "Hi, my package hasn't arrived yet, the tracking number ends in 4471.",
    "Please call me back at your earliest convenience regarding my account.",
)
_SOURCES = np.array(
    ["RecordVerb", "DialVerb", "OutboundAPI", "StartCallRecordingAPI"], dtype=object
)
#: A recording's fields as built: a list of values per field (see :func:`call_recordings`).
Rows = dict[str, list]


def price(minutes: int) -> str:
    """A recording's price: 0.0025 USD per started minute, as Twilio's negative decimal string."""
    return f"{-0.0025 * minutes:.5f}"


def call_recordings(ds, rng: np.random.Generator) -> Rows:
    """The recorded calls' recordings, in call order (draws two arrays from ``rng``)."""
    craw = ds.call_raw
    done = np.flatnonzero(
        (craw["status"] == calls.COMPLETED) & (craw["duration"] > 10) & ~craw["live"]
    )
    rows = done[rng.random(len(done)) < 0.3]
    nr = len(rows)
    dur = np.maximum(1, craw["duration"][rows] - rng.integers(0, 4, nr))
    mins = -(-dur // 60)
    return {
        "sid": V.sids("RE", nr, ds.seed, "call-recordings"),
        "account_sid": [ds.account_order[c] for c in craw["account"][rows].tolist()],
        "call_sid": ds.tables["calls"].columns["sid"].take(rows),
        "conference_sid": [None] * nr,
        "date_created": craw["end_time"][rows].tolist(),
        "start_time": (craw["start_time"][rows] + 1).tolist(),
        "duration": [str(d) for d in dur.tolist()],
        "price": [price(m) for m in mins.tolist()],
        "channels": [1 + (j % 3 == 0) for j in range(nr)],
        "source": _SOURCES[np.arange(nr) % 4].tolist(),
    }


def build(ds, recs: Rows) -> None:
    """The recordings table of ``recs`` (call and conference recordings), newest first, and the
    lists of a call's and a conference's recordings."""
    created = np.array(recs["date_created"], dtype=np.int64)
    order = np.argsort(-created, kind="stable")
    col = {name: _objects(values)[order] for name, values in recs.items()}
    created = created[order]
    starts = np.array(recs["start_time"], dtype=np.int64)[order]
    cols = _columns(col, created, starts)
    from_columns(ds, "recordings", "api.v2010.account.recording", len(order), cols)
    ds.recording_records = [
        {"sid": s, "account_sid": a, "call_sid": c, "date_created": t, "duration": d, "price": p}
        for s, a, c, t, d, p in zip(
            *(col[k].tolist() for k in ("sid", "account_sid", "call_sid")),
            created.tolist(),
            *(col[k].tolist() for k in ("duration", "price")),
        )
    ]
    bind_api(ds, "Recordings.json", "recordings")
    for parent, param, column in (
        ("Calls/{CallSid}", "CallSid", "call_sid"),
        ("Conferences/{ConferenceSid}", "ConferenceSid", "conference_sid"),
    ):
        path = api_path(f"{parent}/Recordings.json")
        params = {**ACCOUNT, param: column}
        bind_view(ds, "api", path, f"recordings_of_{column}", "recordings", params)


def _objects(values: list) -> np.ndarray:
    arr = np.empty(len(values), dtype=object)
    arr[:] = values
    return arr


def _columns(col: dict[str, np.ndarray], created: np.ndarray, starts: np.ndarray) -> dict:
    n = len(created)
    sids, accts = col["sid"].tolist(), col["account_sid"].tolist()
    return {
        "sid": Values(col["sid"]),
        "account_sid": Values(col["account_sid"]),
        "call_sid": Values(col["call_sid"]),
        "conference_sid": Values(col["conference_sid"]),
        "api_version": Const("2010-04-01", n),
        "date_created": Times(created),
        "date_updated": Times(created + 5),
        "start_time": Times(starts),
        "duration": Values(col["duration"]),
        "price": Values(col["price"]),
        "price_unit": Const("USD", n),
        "status": Const("completed", n),
        "channels": Values(col["channels"]),
        "source": Values(col["source"]),
        "error_code": Const(None, n),
        "encryption_details": Const(None, n),
        "track": Const("both", n),
        "media_url": Values(
            [
                f"https://api.twilio.com{API}/Accounts/{a}/Recordings/{s}"
                for a, s in zip(accts, sids)
            ]
        ),
        "uri": Values([api_uri(a, "Recordings", s) for a, s in zip(accts, sids)]),
        "subresource_uris": Derived(
            lambda c: [
                f'{{"add_on_results": "{API}/Accounts/{a[1:-1]}/Recordings/{s[1:-1]}'
                '/AddOnResults.json", '
                f'"transcriptions": "{API}/Accounts/{a[1:-1]}/Recordings/{s[1:-1]}'
                '/Transcriptions.json"}'
                for a, s in zip(c["account_sid"], c["sid"])
            ]
        ),
    }


def build_transcriptions(ds, prng: random.Random) -> None:
    """Transcriptions of ~30% of the call recordings (draws from ``prng`` per recording)."""
    trs = []
    for r in ds.recording_records:
        if r["call_sid"] is None or prng.random() > 0.3:
            continue
        t = r["date_created"] + prng.randrange(30, 180)
        ok = prng.random() > 0.08
        s = V.sid("TR", ds.seed, r["sid"])
        trs.append(
            {
                "sid": s,
                "account_sid": r["account_sid"],
                "api_version": "2008-08-01",
                "date_created": t,
                "date_updated": t + 2,
                "_when": t,
                "duration": r["duration"],
                "price": "-0.05000" if ok else None,
                "price_unit": "USD",
                "recording_sid": r["sid"],
                "status": "completed" if ok else "failed",
                "transcription_text": prng.choice(TRANSCRIPTS) if ok else None,
                "type": "fast",
                "uri": api_uri(r["account_sid"], "Transcriptions", s),
            }
        )
    ds.transcription_records = trs
    from_records(ds, "transcriptions", "api.v2010.account.transcription", trs)
    bind_api(ds, "Transcriptions.json", "transcriptions")
    path = api_path("Recordings/{RecordingSid}/Transcriptions.json")
    params = {**ACCOUNT, "RecordingSid": "recording_sid"}
    bind_view(ds, "api", path, "transcriptions_of_recording", "transcriptions", params)
