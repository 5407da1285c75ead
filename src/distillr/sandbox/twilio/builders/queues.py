"""Queues and their members: the live calls (see :mod:`.calls`) wait in the main account's
support and sales queues, alternately; the other queues are empty.
"""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import API, api_uri, bind_api, from_records
from distillr.sandbox.twilio.table import Values


def build(ds) -> None:
    queues = []
    for a in ds.account_order[:2]:
        for qn in ("support", "sales", "billing") if a == ds.main.sid else ("support",):
            sid = V.sid("QU", ds.seed, a, qn)
            t = ds.accounts[a].created + 3 * V.DAY
            queues.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "friendly_name": qn,
                    "max_size": 100,
                    "current_size": 0,
                    "average_wait_time": 0,
                    "date_created": t,
                    "date_updated": t,
                    "_when": t,
                    "uri": api_uri(a, "Queues", sid),
                }
            )
    members = _enqueue(ds, [q for q in queues if q["account_sid"] == ds.main.sid])
    from_records(ds, "queues", "api.v2010.account.queue", queues)
    bind_api(ds, "Queues.json", "queues")
    table = from_records(ds, "queue_members", "api.v2010.account.queue.member", members)
    table.columns["account_sid"] = Values([m["account_sid"] for m in members])  # not a field
    bind_api(
        ds,
        "Queues/{QueueSid}/Members.json",
        "queue_members",
        fetch_column="call_sid",
        QueueSid="queue_sid",
    )


def _enqueue(ds, queues: list[dict]) -> list[dict]:
    """The live calls as members of the first two ``queues`` (whose sizes and waits they set)."""
    live = np.flatnonzero(ds.call_raw["live"])
    live_sids = ds.tables["calls"].columns["sid"].take(live) if len(live) else []
    members = []
    for i, (row, cs) in enumerate(zip(live.tolist(), live_sids)):
        q = queues[i % 2]
        q["current_size"] += 1
        enq = int(ds.call_raw["date_created"][row]) + 5
        wait = max(0, ds.anchor - enq)
        q["average_wait_time"] = wait
        members.append(
            {
                "call_sid": cs,
                "queue_sid": q["sid"],
                "date_enqueued": enq,
                "position": q["current_size"],
                "wait_time": wait,
                "account_sid": q["account_sid"],
                "uri": f"{API}/Accounts/{q['account_sid']}/Queues/{q['sid']}/Members/{cs}.json",
            }
        )
    return members
