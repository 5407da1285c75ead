"""Conferences and their participants: a few completed calls of one account, near in time, that
joined one room (each call in at most one conference). Every fourth conference is recorded; the
latest one is still in progress.
"""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders import calls, recordings
from distillr.sandbox.twilio.builders.records import API, api_uri, bind_api, from_records

NAMES = (
    "Team standup",
    "Support escalation",
    "Sales sync",
    "Incident bridge",
    "Customer onboarding",
)


def build(ds, rng: np.random.Generator) -> recordings.Rows:
    """Store the conferences and participants; return the conferences' recordings (draws from
    ``rng`` per conference and per participant)."""
    craw = ds.call_raw
    done_by_acct = {
        c: np.flatnonzero(
            (craw["status"] == calls.COMPLETED) & (craw["account"] == c) & ~craw["live"]
        )
        for c in (0, 1)
    }
    confs, parts = [], []
    recs: recordings.Rows = {k: [] for k in _RECORDING_FIELDS}
    used: set[int] = set()
    for k in range(max(3, min(len(craw["status"]) // 60, 1500))):
        c = 0 if k % 5 else 1
        pool = done_by_acct[c]
        if len(pool) < 4:
            continue
        start = int(rng.integers(0, len(pool) - 4))
        members = [
            int(x) for x in pool[start : start + int(rng.integers(2, 5))] if int(x) not in used
        ]
        if len(members) < 2:
            continue
        used.update(members)
        member_sids = ds.tables["calls"].columns["sid"].take(np.array(members))
        conf = _conference(ds, k, ds.account_order[c], members, member_sids)
        confs.append(conf)
        parts.extend(_participants(ds, rng, conf, members, member_sids))
        if k % 4 == 0:
            _add_recording(ds, recs, k, conf)
    confs.sort(key=lambda r: -r["date_created"])
    for r in confs[:1]:  # the latest is live
        r["status"] = "in-progress"  # (the spec gives reason_conference_ended no NULL: kept)
        r["call_sid_ending_conference"] = None
    parts.sort(key=lambda r: (r["conference_sid"], r["date_created"]))
    from_records(ds, "conferences", "api.v2010.account.conference", confs)
    bind_api(ds, "Conferences.json", "conferences")
    from_records(ds, "participants", "api.v2010.account.conference.participant", parts)
    bind_api(
        ds,
        "Conferences/{ConferenceSid}/Participants.json",
        "participants",
        fetch_column="call_sid",
        ConferenceSid="conference_sid",
    )
    return recs


_RECORDING_FIELDS = [
    "sid",
    "account_sid",
    "call_sid",
    "conference_sid",
    "date_created",
    "start_time",
    "duration",
    "price",
    "channels",
    "source",
]


def _conference(ds, k: int, a: str, members: list[int], member_sids: list[str]) -> dict:
    craw = ds.call_raw
    sid = V.sid("CF", ds.seed, "conf", k)
    t0 = int(min(craw["start_time"][m] for m in members))
    t1 = int(max(craw["end_time"][m] for m in members))
    return {
        "sid": sid,
        "account_sid": a,
        "friendly_name": f"{NAMES[k % len(NAMES)]} {k + 1}",
        "date_created": t0,
        "date_updated": t1,
        "_when": t0,
        "api_version": "2010-04-01",
        "region": "us1",
        "status": "completed",
        "reason_conference_ended": "last-participant-left" if k % 3 else "conference-ended-via-api",
        "call_sid_ending_conference": member_sids[-1] if k % 3 else None,
        "uri": api_uri(a, "Conferences", sid),
        "subresource_uris": {
            "participants": f"{API}/Accounts/{a}/Conferences/{sid}/Participants.json",
            "recordings": f"{API}/Accounts/{a}/Conferences/{sid}/Recordings.json",
        },
    }


def _participants(ds, rng, conf: dict, members: list[int], member_sids: list[str]) -> list[dict]:
    """One participant per member call; the first ends the conference on exit, others may be
    muted."""
    craw, a, sid = ds.call_raw, conf["account_sid"], conf["sid"]
    out = []
    for i, (m, cs) in enumerate(zip(members, member_sids)):
        ts = int(craw["start_time"][m])
        out.append(
            {
                "account_sid": a,
                "call_sid": cs,
                "conference_sid": sid,
                "label": f"participant-{i + 1}",
                "call_sid_to_coach": None,
                "coaching": False,
                "muted": bool(i and rng.random() < 0.3),
                "hold": False,
                "start_conference_on_enter": True,
                "end_conference_on_exit": i == 0,
                "status": "complete",
                "queue_time": "0",
                "date_created": ts,
                "date_updated": int(craw["end_time"][m]),
                "_when": ts,
                "uri": f"{API}/Accounts/{a}/Conferences/{sid}/Participants/{cs}.json",
            }
        )
    return out


def _add_recording(ds, recs: recordings.Rows, k: int, conf: dict) -> None:
    t0, t1 = conf["date_created"], conf["date_updated"]
    row = {
        "sid": V.sid("RE", ds.seed, "conf-rec", k),
        "account_sid": conf["account_sid"],
        "call_sid": None,
        "conference_sid": conf["sid"],
        "date_created": t1,
        "start_time": t0,
        "duration": str(t1 - t0),
        "price": recordings.price(-(-(t1 - t0) // 60)),
        "channels": 1,
        "source": "Conference",
    }
    for name, value in row.items():
        recs[name].append(value)
