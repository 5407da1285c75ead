"""What failures leave behind: a notification per failed call, and Monitor's alerts (kept 30
days) for the failed and undelivered messages and the failed calls of the last 30 days.

A failed call's error is ``calls.ERRORS[row % 4]`` (its raw row); a message's is its own
``error_code``. Undelivered-handset errors (30003, 30005, 30006) are warnings, the rest errors.
"""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders import calls
from distillr.sandbox.twilio.builders.records import (
    ACCOUNT,
    api_path,
    api_uri,
    bind_api,
    bind_view,
    from_records,
    product_url,
)
from distillr.sandbox.twilio.store import Binding

ALERT_DAYS = 30
MAX_MESSAGE_ALERTS = 20_000
_WARNINGS = (30003, 30005, 30006)


def _failed_calls(ds) -> tuple[list[int], list[str]]:
    failed = np.flatnonzero(ds.call_raw["status"] == calls.FAILED)
    sids = ds.tables["calls"].columns["sid"].take(failed) if len(failed) else []
    return failed.tolist(), sids


def build_notifications(ds) -> None:
    craw = ds.call_raw
    notes = []
    for row, cs in zip(*_failed_calls(ds)):
        code, text = calls.ERRORS[row % len(calls.ERRORS)]
        a = ds.account_order[int(craw["account"][row])]
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
                "uri": api_uri(a, "Notifications", s),
            }
        )
    from_records(ds, "notifications", "api.v2010.account.notification", notes)
    bind_api(ds, "Notifications.json", "notifications")
    path = api_path("Calls/{CallSid}/Notifications.json")
    params = {**ACCOUNT, "CallSid": "call_sid"}
    bind_view(ds, "api", path, "call_notifications", "notifications", params)


def build_alerts(ds) -> None:
    since = ds.anchor - ALERT_DAYS * V.DAY
    mraw, craw = ds.msg_raw, ds.call_raw
    msgs = ds.tables["messages"]
    alerts = []
    bad = np.flatnonzero((mraw["status"] >= 3) & (mraw["date_created"] >= since))
    bad = bad[:MAX_MESSAGE_ALERTS]
    bad_sids = msgs.columns["sid"].take(bad) if len(bad) else []
    codes = msgs.columns["error_code"].take(bad) if len(bad) else []
    for row, ms, code in zip(bad.tolist(), bad_sids, codes):
        a = ds.account_order[int(mraw["account"][row])]
        level = "warning" if code in _WARNINGS else "error"
        t = int(mraw["date_created"][row]) + 20
        alerts.append(
            _alert(ds, a, t, str(code), ms, level, "https://demo.example.com/twilio/sms/status")
        )
    for row, cs in zip(*_failed_calls(ds)):
        t = int(craw["date_created"][row]) + 1
        if t < since:
            continue
        code, _ = calls.ERRORS[row % len(calls.ERRORS)]
        a = ds.account_order[int(craw["account"][row])]
        alerts.append(
            _alert(ds, a, t, str(code), cs, "error", "https://demo.example.com/twilio/voice")
        )
    alerts.sort(key=lambda r: -r["date_generated"])
    from_records(ds, "alerts", "monitor.v1.alert", alerts)
    ds.bindings[("monitor", "/v1/Alerts")] = Binding("alerts", {})


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
        "url": product_url("monitor", f"/v1/Alerts/{s}"),
    }
