"""The resources that hang off calls and messages, and the other products' main resources.

Each builder reads the dataset's calls and messages (``call_raw`` / ``msg_raw`` and their tables)
so that the records point at each other: recordings at completed calls, transcriptions at
recordings, participants at calls, media at MMS messages, notifications and alerts at failures.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.schemagen import Ctx, fake_value
from distillr.sandbox.twilio.store import BASE_MARK, Binding
from distillr.sandbox.twilio.table import Column, Const, Derived, Table, Times, Values

API = "/2010-04-01"
_MISSING = object()
_TIME_STYLES = {"date-time-rfc-2822": "rfc2822", "date-time": "iso", "date": "date"}

TRANSCRIPTS = (
    "Hi, this is Sam from Acme, returning your call about the invoice. Please call me back.",
    "Hello, I'd like to reschedule my appointment to Thursday afternoon if possible.",
    "This is a reminder that your order is ready for pickup. Thank you.",
    "Hi, my package hasn't arrived yet, the tracking number ends in 4471.",
    "Please call me back at your earliest convenience regarding my account.",
)
CONTENT_TYPES = (
    "image/jpeg",
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "application/pdf",
)


def table_from(ds, name: str, schema_name: str, recs: list[dict], seed_tag: str = "") -> Table:
    """A table of ``recs``: given values win, epoch ints in date fields become dates, and every
    other field gets a plausible value from its schema."""
    fields = ds.fields(schema_name)
    rng = random.Random(V.seed_int(ds.seed, "fill", name, seed_tag))
    cols: dict[str, Column] = {}
    n = len(recs)
    for f in fields:
        fname, fs = f["name"], f.get("schema") or {}
        vals = [r.get(fname, _MISSING) for r in recs]
        style = _TIME_STYLES.get(fs.get("format"))
        given = [v for v in vals if v is not _MISSING and v is not None]
        if style and given and all(isinstance(v, (int, np.integer)) for v in given):
            secs = np.array(
                [V.NULL_TIME if (v is _MISSING or v is None) else int(v) for v in vals],
                dtype=np.int64,
            )
            cols[fname] = Times(secs, style)
            continue
        if not given and all(v is _MISSING for v in vals) and n > 2000:
            ctx = Ctx(rng=rng, account_sid=ds.main.sid, when=ds.start)
            cols[fname] = Const(None if fs.get("nullable") else fake_value(fname, fs, ctx), n)
            continue
        out = []
        for r, v in zip(recs, vals):
            if v is _MISSING:
                ctx = Ctx(
                    rng=rng,
                    account_sid=r.get("account_sid") or ds.main.sid,
                    sid=r.get("sid"),
                    when=int(r.get("_when", ds.start)),
                )
                v = fake_value(fname, fs, ctx)
            out.append(v)
        typ = fs.get("type")
        if (typ in ("number", "integer") and any(isinstance(v, str) for v in out)) or (
            typ == "string"
            and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in out)
        ):
            out = [coerce(v, fs) for v in out]
        cols[fname] = Values(out)
    table = Table(name, n, cols, [f["name"] for f in fields])
    table.schema_name = schema_name
    ds.tables[name] = table
    return table


def coerce(value: Any, schema: dict) -> Any:
    """``value`` in the JSON type ``schema`` asks for (one resource's ``price`` is a string in one
    schema and a number in another)."""
    if value is None:
        return None
    typ = schema.get("type")
    try:
        if typ == "number" and isinstance(value, str):
            return float(value)
        if typ == "integer" and isinstance(value, str):
            return int(value)
        if typ == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    except ValueError:
        return value
    return value


class Cast(Column):
    """Another column's values coerced to a schema's type."""

    def __init__(self, inner: Column, schema: dict):
        self.inner = inner
        self.schema = schema

    def take(self, idx):
        return [coerce(v, self.schema) for v in self.inner.take(idx)]

    def eq_mask(self, value):
        return self.inner.eq_mask(value)


def view(ds, name: str, base: str, schema_name: str) -> Table:
    """The rows of table ``base`` shown with another schema's fields (e.g. a call's recordings)."""
    src = ds.tables[base]
    fields = ds.fields(schema_name)
    cols = dict(src.columns)
    base_types = {
        f["name"]: (f.get("schema") or {}).get("type") for f in ds.fields(src.schema_name)
    }
    for f in fields:
        fs = f.get("schema") or {}
        if (
            f["name"] in cols
            and fs.get("type") != base_types.get(f["name"])
            and not isinstance(cols[f["name"]], (Times, Derived))
        ):
            cols[f["name"]] = Cast(cols[f["name"]], fs)
    rng = random.Random(V.seed_int(ds.seed, "view", name))
    for f in fields:
        if f["name"] not in cols:
            fs = f.get("schema") or {}
            ctx = Ctx(rng=rng, account_sid=ds.main.sid, when=ds.start)
            cols[f["name"]] = Const(
                None if fs.get("nullable") else fake_value(f["name"], fs, ctx), src.n
            )
    table = Table(name, src.n, cols, [f["name"] for f in fields])
    table.schema_name = schema_name
    ds.tables[name] = table
    return table


def _api_uri(acct: str, *parts: str) -> str:
    return f"{API}/Accounts/{acct}/" + "/".join(parts) + ".json"


def _url(product: str, path: str) -> str:
    return f"{BASE_MARK}/{product}{path}"


def build_all(ds) -> None:
    """Build every related resource and bind the catalog endpoints to them."""
    b = ds.bindings
    acct = {"AccountSid": "account_sid"}
    calls = ds.tables["calls"]
    craw = ds.call_raw
    call_sids = calls.columns["sid"]
    accounts = ds.account_order
    rng = np.random.default_rng(V.seed_int(ds.seed, "related"))
    prng = random.Random(V.seed_int(ds.seed, "related-py"))

    # ------------------------------------------------------------ applications, addresses
    apps: list[dict] = []
    app_of: dict[str, list[str]] = {}
    for a in accounts[:2]:
        names = (
            ("Support IVR", "SMS Autoresponder", "Click-to-call")
            if a == ds.main.sid
            else ("Support line",)
        )
        for i, nm in enumerate(names):
            sid = V.sid("AP", ds.seed, a, nm)
            app_of.setdefault(a, []).append(sid)
            t = ds.accounts[a].created + (i + 1) * 7 * V.DAY
            slug = nm.lower().replace(" ", "-")
            apps.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "friendly_name": nm,
                    "api_version": "2010-04-01",
                    "date_created": t,
                    "date_updated": t + 30 * V.DAY,
                    "_when": t,
                    "voice_url": f"https://demo.example.com/twilio/{slug}/voice",
                    "voice_method": "POST",
                    "sms_url": f"https://demo.example.com/twilio/{slug}/sms",
                    "sms_method": "POST",
                    "uri": _api_uri(a, "Applications", sid),
                }
            )
    table_from(ds, "applications", "api.v2010.account.application", apps)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Applications.json")] = Binding("applications", acct)

    streets = (
        ("548 Market St", "San Francisco", "CA", "94104", "US"),
        ("350 5th Ave", "New York", "NY", "10118", "US"),
        ("1 Canada Square", "London", "London", "E14 5AB", "GB"),
        ("233 S Wacker Dr", "Chicago", "IL", "60606", "US"),
    )
    addrs = []
    for a in accounts[:2]:
        picks = streets[:3] if a == ds.main.sid else streets[3:]
        for i, (street, city, region, postal, country) in enumerate(picks):
            sid = V.sid("AD", ds.seed, a, street)
            t = ds.accounts[a].created + i * 3 * V.DAY
            addrs.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "customer_name": ds.accounts[a].friendly_name,
                    "friendly_name": f"{city} office",
                    "street": street,
                    "street_secondary": None,
                    "city": city,
                    "region": region,
                    "postal_code": postal,
                    "iso_country": country,
                    "emergency_enabled": country == "US",
                    "validated": True,
                    "verified": country == "US",
                    "date_created": t,
                    "date_updated": t,
                    "_when": t,
                    "uri": _api_uri(a, "Addresses", sid),
                }
            )
    table_from(ds, "addresses", "api.v2010.account.address", addrs)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Addresses.json")] = Binding("addresses", acct)

    # ------------------------------------------------------------ API keys (the real ones)
    keys = []
    for i, (ksid, (_, a)) in enumerate(ds.api_keys.items()):
        t = ds.accounts[a].created + (i + 1) * V.DAY
        keys.append(
            {
                "sid": ksid,
                "friendly_name": "distillr sandbox key",
                "date_created": t,
                "date_updated": t,
                "_when": t,
            }
        )
    ep = ds.endpoint("api", f"{API}/Accounts/{{AccountSid}}/Keys.json")
    if ep:
        kt = table_from(ds, "keys", ep["record_schema"], keys)
        kt.columns["account_sid"] = Values([a for _, a in ds.api_keys.values()])
        b[("api", ep["path"])] = Binding("keys", acct)

    # ------------------------------------------------------------ incoming phone numbers
    nums = []
    for i, (num, a, pn) in enumerate(zip(ds.twilio_numbers, ds.number_account, ds.number_sids)):
        kind = "tollfree" if num.startswith("+1888") else "local"
        t = ds.accounts[a].created + i * 2 * V.DAY
        a_apps = app_of.get(a, [None])
        nums.append(
            {
                "sid": pn,
                "account_sid": a,
                "phone_number": num,
                "friendly_name": V.us_formatted(num),
                "capabilities": {
                    "voice": True,
                    "sms": not num.startswith("+44"),
                    "mms": num.startswith("+1") and kind == "local",
                    "fax": False,
                },
                "date_created": t,
                "date_updated": t + 5 * V.DAY,
                "_when": t,
                "origin": "twilio",
                "beta": False,
                "status": "in-use",
                "type": kind,
                "api_version": "2010-04-01",
                "address_requirements": "none" if num.startswith("+1") else "local",
                "emergency_status": "Inactive",
                "voice_receive_mode": "voice",
                "voice_application_sid": a_apps[i % len(a_apps)] if i % 3 == 0 else None,
                "sms_application_sid": None,
                "trunk_sid": None,
                "identity_sid": None,
                "bundle_sid": None,
                "address_sid": None,
                "emergency_address_sid": None,
                "voice_url": "https://demo.example.com/twilio/voice",
                "voice_method": "POST",
                "sms_url": "https://demo.example.com/twilio/sms",
                "sms_method": "POST",
                "status_callback": "",
                "status_callback_method": "POST",
                "voice_fallback_url": None,
                "sms_fallback_url": "",
                "voice_caller_id_lookup": False,
                "uri": _api_uri(a, "IncomingPhoneNumbers", pn),
            }
        )
    ds.number_records = nums
    table_from(ds, "incoming_numbers", "api.v2010.account.incoming_phone_number", nums)
    b[("api", f"{API}/Accounts/{{AccountSid}}/IncomingPhoneNumbers.json")] = Binding(
        "incoming_numbers", acct
    )
    for kind, path in (("local", "Local"), ("tollfree", "TollFree"), ("mobile", "Mobile")):
        for ep in ds.catalog["endpoints"]:
            if ep["path"] == f"{API}/Accounts/{{AccountSid}}/IncomingPhoneNumbers/{path}.json":
                view(ds, f"incoming_numbers_{kind}", "incoming_numbers", ep["record_schema"])
                b[("api", ep["path"])] = Binding(
                    f"incoming_numbers_{kind}", acct, fixed={"type": kind}
                )

    # ------------------------------------------------------------ recordings, transcriptions
    done = np.flatnonzero((craw["status"] == 4) & (craw["duration"] > 10) & ~craw["live"])
    rec_rows = done[rng.random(len(done)) < 0.3]
    nr = len(rec_rows)
    rec_dur = np.maximum(1, craw["duration"][rec_rows] - rng.integers(0, 4, nr))
    rec_start = craw["start_time"][rec_rows] + 1
    rec_created = craw["end_time"][rec_rows]
    rec_acct = craw["account"][rec_rows]
    sources = np.array(
        ["RecordVerb", "DialVerb", "OutboundAPI", "StartCallRecordingAPI"], dtype=object
    )
    rec_sids = V.sids("RE", nr, ds.seed, "call-recordings")
    rec_call = call_sids.take(rec_rows)
    rec_accts = [accounts[c] for c in rec_acct.tolist()]
    mins = -(-rec_dur // 60)
    # call recordings as columns (there are tens of thousands at --scale large)
    recs = {
        "sid": rec_sids,
        "account_sid": rec_accts,
        "call_sid": rec_call,
        "conference_sid": [None] * nr,
        "date_created": rec_created.tolist(),
        "start_time": rec_start.tolist(),
        "duration": [str(d) for d in rec_dur.tolist()],
        "price": [f"{-0.0025 * m:.5f}" for m in mins.tolist()],
        "channels": [1 + (j % 3 == 0) for j in range(nr)],
        "source": sources[np.arange(nr) % 4].tolist(),
    }

    # conferences: a few completed calls of the same account, near in time, joined one room
    conf_recs, part_recs = [], []
    n_conf = max(3, min(len(craw["status"]) // 60, 1500))
    done_by_acct = {
        c: np.flatnonzero((craw["status"] == 4) & (craw["account"] == c) & ~craw["live"])
        for c in (0, 1)
    }
    used = set()
    names = (
        "Team standup",
        "Support escalation",
        "Sales sync",
        "Incident bridge",
        "Customer onboarding",
    )
    for k in range(n_conf):
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
        a = accounts[c]
        sid = V.sid("CF", ds.seed, "conf", k)
        t0 = int(min(craw["start_time"][m] for m in members))
        t1 = int(max(craw["end_time"][m] for m in members))
        msids = call_sids.take(np.array(members))
        conf_recs.append(
            {
                "sid": sid,
                "account_sid": a,
                "friendly_name": f"{names[k % len(names)]} {k + 1}",
                "date_created": t0,
                "date_updated": t1,
                "_when": t0,
                "api_version": "2010-04-01",
                "region": "us1",
                "status": "completed",
                "reason_conference_ended": "last-participant-left"
                if k % 3
                else "conference-ended-via-api",
                "call_sid_ending_conference": msids[-1] if k % 3 else None,
                "uri": _api_uri(a, "Conferences", sid),
                "subresource_uris": {
                    "participants": f"{API}/Accounts/{a}/Conferences/{sid}/Participants.json",
                    "recordings": f"{API}/Accounts/{a}/Conferences/{sid}/Recordings.json",
                },
            }
        )
        for i, (m, cs) in enumerate(zip(members, msids)):
            ts = int(craw["start_time"][m])
            part_recs.append(
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
        if k % 4 == 0:  # a conference recording
            recs["sid"].append(V.sid("RE", ds.seed, "conf-rec", k))
            recs["account_sid"].append(a)
            recs["call_sid"].append(None)
            recs["conference_sid"].append(sid)
            recs["date_created"].append(t1)
            recs["start_time"].append(t0)
            recs["duration"].append(str(t1 - t0))
            recs["price"].append(f"{-0.0025 * -(-(t1 - t0) // 60):.5f}")
            recs["channels"].append(1)
            recs["source"].append("Conference")
    # a couple of conferences are live right now
    conf_recs.sort(key=lambda r: -r["date_created"])
    for r in conf_recs[:1]:
        r["status"] = "in-progress"  # (the spec gives reason_conference_ended no NULL: kept)
        r["call_sid_ending_conference"] = None
    part_recs.sort(key=lambda r: (r["conference_sid"], r["date_created"]))
    _recordings_table(ds, recs)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Recordings.json")] = Binding("recordings", acct)
    for path, param, col in (
        ("Calls/{CallSid}/Recordings.json", "CallSid", "call_sid"),
        ("Conferences/{ConferenceSid}/Recordings.json", "ConferenceSid", "conference_sid"),
    ):
        ep = ds.endpoint("api", f"{API}/Accounts/{{AccountSid}}/{path}")
        if ep:
            name = "recordings_of_" + col
            view(ds, name, "recordings", ep["record_schema"])
            b[("api", ep["path"])] = Binding(name, {**acct, param: col})
    table_from(ds, "conferences", "api.v2010.account.conference", conf_recs)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Conferences.json")] = Binding("conferences", acct)
    table_from(ds, "participants", "api.v2010.account.conference.participant", part_recs)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Conferences/{{ConferenceSid}}/Participants.json")] = (
        Binding(
            "participants", {**acct, "ConferenceSid": "conference_sid"}, fetch_column="call_sid"
        )
    )

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
                "uri": _api_uri(r["account_sid"], "Transcriptions", s),
            }
        )
    ds.transcription_records = trs
    table_from(ds, "transcriptions", "api.v2010.account.transcription", trs)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Transcriptions.json")] = Binding(
        "transcriptions", acct
    )
    ep = ds.endpoint(
        "api", f"{API}/Accounts/{{AccountSid}}/Recordings/{{RecordingSid}}/Transcriptions.json"
    )
    if ep:
        view(ds, "transcriptions_of_recording", "transcriptions", ep["record_schema"])
        b[("api", ep["path"])] = Binding(
            "transcriptions_of_recording", {**acct, "RecordingSid": "recording_sid"}
        )

    # ------------------------------------------------------------ queues and members
    live = np.flatnonzero(craw["live"])
    queues, members = [], []
    for a in accounts[:2]:
        qnames = ("support", "sales", "billing") if a == ds.main.sid else ("support",)
        for qn in qnames:
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
                    "uri": _api_uri(a, "Queues", sid),
                }
            )
    main_queues = [q for q in queues if q["account_sid"] == ds.main.sid]
    live_sids = call_sids.take(live) if len(live) else []
    for i, (row, cs) in enumerate(zip(live.tolist(), live_sids)):
        q = main_queues[i % 2]
        q["current_size"] += 1
        enq = int(craw["date_created"][row]) + 5
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
    table_from(ds, "queues", "api.v2010.account.queue", queues)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Queues.json")] = Binding("queues", acct)
    mt = table_from(ds, "queue_members", "api.v2010.account.queue.member", members)
    mt.columns["account_sid"] = Values([m["account_sid"] for m in members])
    b[("api", f"{API}/Accounts/{{AccountSid}}/Queues/{{QueueSid}}/Members.json")] = Binding(
        "queue_members", {**acct, "QueueSid": "queue_sid"}, fetch_column="call_sid"
    )

    # ------------------------------------------------------------ media
    mraw = ds.msg_raw
    msgs = ds.tables["messages"]
    mms_rows = np.flatnonzero(mraw["num_media"] > 0)
    counts = mraw["num_media"][mms_rows]
    parent_rows = np.repeat(mms_rows, counts)
    k = len(parent_rows)
    parent_sids = msgs.columns["sid"].take(parent_rows)
    p_acct = [accounts[c] for c in mraw["account"][parent_rows].tolist()]
    created = mraw["date_created"][parent_rows]
    ctype = rng.integers(0, len(CONTENT_TYPES), k)
    media_sids = V.sids("ME", k, ds.seed, "media")
    media = {
        "sid": Values(media_sids),
        "account_sid": Values(p_acct),
        "parent_sid": Values(parent_sids),
        "content_type": Values([CONTENT_TYPES[c] for c in ctype.tolist()]),
        "date_created": Times(created),
        "date_updated": Times(created + 1),
        "uri": Values(
            [
                f"{API}/Accounts/{a}/Messages/{p}/Media/{s}.json"
                for a, p, s in zip(p_acct, parent_sids, media_sids)
            ]
        ),
    }
    ds.finish("media", "api.v2010.account.message.media", k, media)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Messages/{{MessageSid}}/Media.json")] = Binding(
        "media", {**acct, "MessageSid": "parent_sid"}
    )

    # ------------------------------------------------------------ notifications, alerts
    failed_calls = np.flatnonzero(craw["status"] == 5)
    notes = []
    fsids = call_sids.take(failed_calls) if len(failed_calls) else []
    for row, cs in zip(failed_calls.tolist(), fsids):
        code, text = _CALL_ERRORS[row % len(_CALL_ERRORS)]
        a = accounts[int(craw["account"][row])]
        t = int(craw["date_created"][row]) + 1
        s = V.sid("NO", ds.seed, "note", cs)
        notes.append(
            {
                "sid": s,
                "account_sid": a,
                "call_sid": cs,
                "api_version": "2010-04-01",
                "date_created": t,
                "date_updated": t,
                "message_date": t,
                "_when": t,
                "error_code": str(code),
                "log": "0",
                "message_text": f"Msg={text.replace(' ', '+')}",
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "request_method": "POST",
                "request_url": "https://demo.example.com/twilio/voice",
                "uri": _api_uri(a, "Notifications", s),
            }
        )
    table_from(ds, "notifications", "api.v2010.account.notification", notes)
    b[("api", f"{API}/Accounts/{{AccountSid}}/Notifications.json")] = Binding("notifications", acct)
    ep = ds.endpoint("api", f"{API}/Accounts/{{AccountSid}}/Calls/{{CallSid}}/Notifications.json")
    if ep:
        view(ds, "call_notifications", "notifications", ep["record_schema"])
        b[("api", ep["path"])] = Binding("call_notifications", {**acct, "CallSid": "call_sid"})

    # Monitor keeps 30 days of alerts: failed messages and calls of the last 30 days
    since = ds.anchor - 30 * V.DAY
    alerts = []
    bad_msgs = np.flatnonzero((mraw["status"] >= 3) & (mraw["date_created"] >= since))[:20000]
    bad_msg_sids = msgs.columns["sid"].take(bad_msgs) if len(bad_msgs) else []
    err_col = msgs.columns["error_code"]
    codes = err_col.take(bad_msgs) if len(bad_msgs) else []
    for row, ms, code in zip(bad_msgs.tolist(), bad_msg_sids, codes):
        a = accounts[int(mraw["account"][row])]
        t = int(mraw["date_created"][row]) + 20
        alerts.append(
            _alert(
                ds,
                a,
                t,
                str(code),
                ms,
                "warning" if code in (30003, 30005, 30006) else "error",
                "https://demo.example.com/twilio/sms/status",
            )
        )
    for row, cs in zip(failed_calls.tolist(), fsids):
        t = int(craw["date_created"][row]) + 1
        if t < since:
            continue
        code, _ = _CALL_ERRORS[row % len(_CALL_ERRORS)]
        alerts.append(
            _alert(
                ds,
                accounts[int(craw["account"][row])],
                t,
                str(code),
                cs,
                "error",
                "https://demo.example.com/twilio/voice",
            )
        )
    alerts.sort(key=lambda r: -r["date_generated"])
    table_from(ds, "alerts", "monitor.v1.alert", alerts)
    b[("monitor", "/v1/Alerts")] = Binding("alerts", {})

    _build_products(ds, prng)


_CALL_ERRORS = (
    (13227, "Geo Permission configuration is not permitting call"),
    (11200, "HTTP retrieval failure"),
    (13224, "Dial: Twilio does not support calling this number or the number is invalid"),
    (31005, "Connection error"),
)


def _recordings_table(ds, recs: dict[str, list]) -> None:
    """Call and conference recordings, newest first, as columns."""
    created = np.array(recs["date_created"], dtype=np.int64)
    order = np.argsort(-created, kind="stable")
    n = len(order)

    def col(name):
        arr = np.empty(n, dtype=object)
        arr[:] = recs[name]
        return arr[order]

    sid, acct = col("sid"), col("account_sid")
    created = created[order]
    starts = np.array(recs["start_time"], dtype=np.int64)[order]
    cols = {
        "sid": Values(sid),
        "account_sid": Values(acct),
        "call_sid": Values(col("call_sid")),
        "conference_sid": Values(col("conference_sid")),
        "api_version": Const("2010-04-01", n),
        "date_created": Times(created),
        "date_updated": Times(created + 5),
        "start_time": Times(starts),
        "duration": Values(col("duration")),
        "price": Values(col("price")),
        "price_unit": Const("USD", n),
        "status": Const("completed", n),
        "channels": Values(col("channels")),
        "source": Values(col("source")),
        "error_code": Const(None, n),
        "encryption_details": Const(None, n),
        "track": Const("both", n),
        "media_url": Values(
            [
                f"https://api.twilio.com{API}/Accounts/{a}/Recordings/{s}"
                for a, s in zip(acct.tolist(), sid.tolist())
            ]
        ),
        "uri": Values([_api_uri(a, "Recordings", s) for a, s in zip(acct.tolist(), sid.tolist())]),
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
    ds.finish("recordings", "api.v2010.account.recording", n, cols)
    # the few fields other code needs, as plain records
    ds.recording_records = [
        {
            "sid": s,
            "account_sid": a,
            "call_sid": c,
            "date_created": int(t),
            "duration": d,
            "price": p,
        }
        for s, a, c, t, d, p in zip(
            sid.tolist(),
            acct.tolist(),
            col("call_sid").tolist(),
            created.tolist(),
            col("duration").tolist(),
            col("price").tolist(),
        )
    ]


def _alert(ds, a: str, t: int, code: str, resource: str, level: str, url: str) -> dict:
    s = V.sid("NO", ds.seed, "alert", resource)
    return {
        "sid": s,
        "account_sid": a,
        "api_version": "2010-04-01",
        "date_created": t + 2,
        "date_generated": t,
        "date_updated": t + 2,
        "_when": t,
        "error_code": code,
        "log_level": level,
        "alert_text": f"Msg=Error+{code}&sourceComponent=14100&httpResponse=502",
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "request_method": "POST",
        "request_url": url,
        "resource_sid": resource,
        "service_sid": None,
        "url": _url("monitor", f"/v1/Alerts/{s}"),
    }


def _build_products(ds, prng: random.Random) -> None:
    b = ds.bindings
    accounts = ds.account_order[:2]
    # ------------------------------------------------------------ messaging services
    svcs, svc_numbers = [], []
    uses = ("notifications", "marketing", "mixed")
    for a in accounts:
        for i, sid in enumerate(ds.messaging_services[a]):
            t = ds.accounts[a].created + (i + 2) * V.DAY
            nm = ("Notifications", "Marketing")[i] if a == ds.main.sid else "Support"
            base = f"/v1/Services/{sid}"
            svcs.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "friendly_name": nm,
                    "date_created": t,
                    "date_updated": t + 40 * V.DAY,
                    "_when": t,
                    "usecase": uses[i % 3],
                    "sticky_sender": True,
                    "validity_period": 14400,
                    "smart_encoding": True,
                    "fallback_to_long_code": True,
                    "area_code_geomatch": True,
                    "mms_converter": True,
                    "scan_message_content": "inherit",
                    "synchronous_validation": False,
                    "us_app_to_person_registered": i == 0,
                    "use_inbound_webhook_on_number": True,
                    "inbound_request_url": "https://demo.example.com/twilio/sms",
                    "inbound_method": "POST",
                    "status_callback": None,
                    "fallback_url": None,
                    "url": _url("messaging", base),
                    "links": {
                        k: _url("messaging", f"{base}/{v}")
                        for k, v in (
                            ("phone_numbers", "PhoneNumbers"),
                            ("short_codes", "ShortCodes"),
                            ("alpha_senders", "AlphaSenders"),
                            ("channel_senders", "ChannelSenders"),
                            ("us_app_to_person", "Compliance/Usa2p"),
                        )
                    },
                }
            )
            mine = [r for r in ds.number_records if r["account_sid"] == a]
            for j, r in enumerate(mine):
                if j % len(ds.messaging_services[a]) != i:
                    continue
                svc_numbers.append(
                    {
                        "sid": r["sid"],
                        "account_sid": a,
                        "service_sid": sid,
                        "date_created": t + V.DAY,
                        "date_updated": t + V.DAY,
                        "_when": t,
                        "phone_number": r["phone_number"],
                        "country_code": "US" if r["phone_number"].startswith("+1") else "GB",
                        "capabilities": ["SMS", "MMS", "Voice"],
                        "url": _url("messaging", f"{base}/PhoneNumbers/{r['sid']}"),
                    }
                )
    table_from(ds, "messaging_services", "messaging.v1.service", svcs)
    b[("messaging", "/v1/Services")] = Binding("messaging_services", {})
    table_from(ds, "messaging_service_numbers", "messaging.v1.service.phone_number", svc_numbers)
    b[("messaging", "/v1/Services/{ServiceSid}/PhoneNumbers")] = Binding(
        "messaging_service_numbers", {"ServiceSid": "service_sid"}
    )

    # ------------------------------------------------------------ conversations
    n_conv = max(6, min(2000, ds.sizes["messages"] // 150))
    conv_services = {a: V.sid("IS", ds.seed, a, "conv-service") for a in accounts}
    csvc = []
    for a, s in conv_services.items():
        t = ds.accounts[a].created + 20 * V.DAY
        csvc.append(
            {
                "sid": s,
                "account_sid": a,
                "friendly_name": "Default Conversations Service",
                "date_created": t,
                "date_updated": t,
                "_when": t,
                "url": _url("conversations", f"/v1/Services/{s}"),
                "links": {
                    "conversations": _url("conversations", f"/v1/Services/{s}/Conversations")
                },
            }
        )
    table_from(ds, "conversation_services", "conversations.v1.service", csvc)
    b[("conversations", "/v1/Services")] = Binding("conversation_services", {})
    convs, cmsgs, cparts = [], [], []
    topics = ("Order question", "Delivery issue", "Billing", "Appointment", "Returns", "Feedback")
    states = ("active", "active", "inactive", "closed", "closed")
    agent_lines = (
        "Hi! How can I help you today?",
        "Let me check that for you.",
        "Your order is on its way.",
        "Is there anything else I can help with?",
    )
    customer_lines = (
        "Hi, I have a question about my order.",
        "It hasn't arrived yet.",
        "Thanks, that's great!",
        "No, that's all. Bye!",
        "Can I change the address?",
    )
    for k in range(n_conv):
        a = accounts[1] if k % 8 == 7 else accounts[0]
        t = ds.start + prng.randrange(0, ds.anchor - ds.start - V.DAY)
        sid = V.sid("CH", ds.seed, "conv", k)
        svc = conv_services[a]
        base = f"/v1/Conversations/{sid}"
        state = states[k % len(states)]
        convs.append(
            {
                "sid": sid,
                "account_sid": a,
                "chat_service_sid": svc,
                "messaging_service_sid": ds.messaging_services[a][0],
                "friendly_name": f"{topics[k % len(topics)]} #{1000 + k}",
                "unique_name": None,
                "attributes": json.dumps({"topic": topics[k % len(topics)]}),
                "state": state,
                "date_created": t,
                "date_updated": t + 3600,
                "_when": t,
                "timers": {},
                "bindings": None,
                "url": _url("conversations", base),
                "links": {
                    "participants": _url("conversations", f"{base}/Participants"),
                    "messages": _url("conversations", f"{base}/Messages"),
                    "webhooks": _url("conversations", f"{base}/Webhooks"),
                },
            }
        )
        customer = ds.customers[prng.randrange(len(ds.customers))]
        proxy = next(r["phone_number"] for r in ds.number_records if r["account_sid"] == a)
        agent = f"agent_{prng.randrange(1, 12)}"
        parts = [
            (
                V.sid("MB", ds.seed, sid, "c"),
                None,
                {"type": "sms", "address": customer, "proxy_address": proxy},
            ),
            (V.sid("MB", ds.seed, sid, "a"), agent, None),
        ]
        for ps, ident, binding in parts:
            cparts.append(
                {
                    "sid": ps,
                    "account_sid": a,
                    "conversation_sid": sid,
                    "chat_service_sid": svc,
                    "identity": ident,
                    "messaging_binding": binding,
                    "attributes": "{}",
                    "role_sid": V.sid("RL", ds.seed, a, "participant"),
                    "date_created": t,
                    "date_updated": t,
                    "_when": t,
                    "last_read_message_index": None,
                    "last_read_timestamp": None,
                    "url": _url("conversations", f"{base}/Participants/{ps}"),
                }
            )
        for i in range(prng.randrange(2, 9)):
            by_agent = i % 2 == 1
            ms = V.sid("IM", ds.seed, sid, i)
            mt = t + 60 * i + prng.randrange(0, 50)
            cmsgs.append(
                {
                    "sid": ms,
                    "account_sid": a,
                    "conversation_sid": sid,
                    "chat_service_sid": svc,
                    "index": i,
                    "author": agent if by_agent else customer,
                    "participant_sid": parts[1 if by_agent else 0][0],
                    "body": (agent_lines if by_agent else customer_lines)[(i // 2) % 4],
                    "media": None,
                    "attributes": "{}",
                    "date_created": mt,
                    "date_updated": mt,
                    "_when": mt,
                    "delivery": None,
                    "content_sid": None,
                    "url": _url("conversations", f"{base}/Messages/{ms}"),
                    "links": {
                        "delivery_receipts": _url(
                            "conversations", f"{base}/Messages/{ms}/Receipts"
                        ),
                        "channel_metadata": _url(
                            "conversations", f"{base}/Messages/{ms}/ChannelMetadata"
                        ),
                    },
                }
            )
    convs.sort(key=lambda r: r["date_created"])
    table_from(ds, "conversations", "conversations.v1.conversation", convs)
    table_from(
        ds, "conversation_messages", "conversations.v1.conversation.conversation_message", cmsgs
    )
    table_from(
        ds,
        "conversation_participants",
        "conversations.v1.conversation.conversation_participant",
        cparts,
    )
    b[("conversations", "/v1/Conversations")] = Binding("conversations", {})
    b[("conversations", "/v1/Conversations/{ConversationSid}/Messages")] = Binding(
        "conversation_messages", {"ConversationSid": "conversation_sid"}
    )
    b[("conversations", "/v1/Conversations/{ConversationSid}/Participants")] = Binding(
        "conversation_participants", {"ConversationSid": "conversation_sid"}
    )
    for path, base_table, params in (
        ("/v1/Services/{ChatServiceSid}/Conversations", "conversations", {}),
        (
            "/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Messages",
            "conversation_messages",
            {"ConversationSid": "conversation_sid"},
        ),
        (
            "/v1/Services/{ChatServiceSid}/Conversations/{ConversationSid}/Participants",
            "conversation_participants",
            {"ConversationSid": "conversation_sid"},
        ),
    ):
        ep = ds.endpoint("conversations", path)
        if ep:
            name = "svc_" + base_table
            view(ds, name, base_table, ep["record_schema"])
            b[("conversations", path)] = Binding(
                name, {"ChatServiceSid": "chat_service_sid", **params}
            )

    # ------------------------------------------------------------ studio
    flows, execs = [], []
    flow_names = ("Inbound SMS autoresponder", "Appointment reminders", "Support IVR", "Survey")
    for a in accounts:
        for i, nm in enumerate(flow_names if a == ds.main.sid else flow_names[:1]):
            sid = V.sid("FW", ds.seed, a, nm)
            t = ds.accounts[a].created + (i + 5) * V.DAY
            base = f"/v2/Flows/{sid}"
            rev = 3 + i
            flows.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "friendly_name": nm,
                    "status": "published" if i < 3 else "draft",
                    "revision": rev,
                    "commit_message": f"Revision {rev}",
                    "valid": True,
                    "errors": [],
                    "warnings": [],
                    "definition": {
                        "description": nm,
                        "initial_state": "Trigger",
                        "states": [
                            {
                                "name": "Trigger",
                                "type": "trigger",
                                "transitions": [],
                                "properties": {},
                            }
                        ],
                        "flags": {"allow_concurrent_calls": True},
                    },
                    "date_created": t,
                    "date_updated": t + 60 * V.DAY,
                    "_when": t,
                    "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{a}/Flows/{sid}",
                    "url": _url("studio", base),
                    "links": {
                        "test_users": _url("studio", f"{base}/TestUsers"),
                        "revisions": _url("studio", f"{base}/Revisions"),
                        "executions": _url("studio", f"{base}/Executions"),
                    },
                }
            )
    n_exec = max(10, min(5000, ds.sizes["messages"] // 12))
    pub = [f for f in flows if f["status"] == "published"]
    for k in range(n_exec):
        f = pub[k % len(pub)] if k % 9 else pub[-1]
        a = f["account_sid"]
        t = max(f["date_created"], ds.start) + prng.randrange(
            0, ds.anchor - max(f["date_created"], ds.start)
        )
        sid = V.sid("FN", ds.seed, "exec", k)
        base = f"/v2/Flows/{f['sid']}/Executions/{sid}"
        active = t > ds.anchor - 3600
        execs.append(
            {
                "sid": sid,
                "account_sid": a,
                "flow_sid": f["sid"],
                "contact_channel_address": ds.customers[prng.randrange(len(ds.customers))],
                "context": {},
                "status": "active" if active else "ended",
                "date_created": t,
                "date_updated": t + prng.randrange(5, 600),
                "_when": t,
                "url": _url("studio", base),
                "links": {
                    "steps": _url("studio", f"{base}/Steps"),
                    "execution_context": _url("studio", f"{base}/Context"),
                },
            }
        )
    execs.sort(key=lambda r: -r["date_created"])
    table_from(ds, "flows", "studio.v2.flow", flows)
    table_from(ds, "executions", "studio.v2.flow.execution", execs)
    b[("studio", "/v2/Flows")] = Binding("flows", {})
    b[("studio", "/v2/Flows/{FlowSid}/Executions")] = Binding("executions", {"FlowSid": "flow_sid"})

    # ------------------------------------------------------------ verify
    vsvc = []
    for a in accounts:
        for i, nm in enumerate(
            ("Acme Login", "Acme Payments") if a == ds.main.sid else ("Support Login",)
        ):
            sid = V.sid("VA", ds.seed, a, nm)
            t = ds.accounts[a].created + (i + 9) * V.DAY
            vsvc.append(
                {
                    "sid": sid,
                    "account_sid": a,
                    "friendly_name": nm,
                    "code_length": 6,
                    "lookup_enabled": True,
                    "psd2_enabled": False,
                    "skip_sms_to_landlines": False,
                    "dtmf_input_required": True,
                    "tts_name": None,
                    "do_not_share_warning_enabled": False,
                    "custom_code_enabled": False,
                    "default_template_sid": None,
                    "date_created": t,
                    "date_updated": t,
                    "_when": t,
                    "url": _url("verify", f"/v2/Services/{sid}"),
                    "links": {
                        "verifications": _url("verify", f"/v2/Services/{sid}/Verifications"),
                        "rate_limits": _url("verify", f"/v2/Services/{sid}/RateLimits"),
                        "entities": _url("verify", f"/v2/Services/{sid}/Entities"),
                    },
                }
            )
    table_from(ds, "verify_services", "verify.v2.service", vsvc)
    b[("verify", "/v2/Services")] = Binding("verify_services", {})
