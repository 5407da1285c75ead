"""Studio flows and their executions: four flows of the main account (the last a draft), one of
the subaccount; executions of the published flows over the history, the last hour's still
active.
"""

from __future__ import annotations

import random

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import from_records, product_url
from distillr.sandbox.twilio.store import Binding

FLOW_NAMES = ("Inbound SMS autoresponder", "Appointment reminders", "Support IVR", "Survey")


def build(ds, prng: random.Random) -> None:
    """Draws each execution's time, contact and duration from ``prng``, in turn."""
    flows = [
        _flow(ds, a, i, nm)
        for a in ds.account_order[:2]
        for i, nm in enumerate(FLOW_NAMES if a == ds.main.sid else FLOW_NAMES[:1])
    ]
    published = [f for f in flows if f["status"] == "published"]
    execs = [
        _execution(ds, prng, k, published[k % len(published)] if k % 9 else published[-1])
        for k in range(max(10, min(5000, ds.sizes["messages"] // 12)))
    ]
    execs.sort(key=lambda r: -r["date_created"])
    from_records(ds, "flows", "studio.v2.flow", flows)
    from_records(ds, "executions", "studio.v2.flow.execution", execs)
    ds.bindings[("studio", "/v2/Flows")] = Binding("flows", {})
    ds.bindings[("studio", "/v2/Flows/{FlowSid}/Executions")] = Binding(
        "executions", {"FlowSid": "flow_sid"}
    )


def _flow(ds, a: str, i: int, name: str) -> dict:
    sid = V.sid("FW", ds.seed, a, name)
    t = ds.accounts[a].created + (i + 5) * V.DAY
    base = f"/v2/Flows/{sid}"
    rev = 3 + i
    return {
        "sid": sid,
        "account_sid": a,
        "friendly_name": name,
        "status": "published" if i < 3 else "draft",
        "revision": rev,
        "commit_message": f"Revision {rev}",
        "valid": True,
        "errors": [],
        "warnings": [],
        "definition": {
            "description": name,
            "initial_state": "Trigger",
            "states": [{"name": "Trigger", "type": "trigger", "transitions": [], "properties": {}}],
            "flags": {"allow_concurrent_calls": True},
        },
        "date_created": t,
        "date_updated": t + 60 * V.DAY,
        "_when": t,
        "webhook_url": f"https://webhooks.twilio.com/v1/Accounts/{a}/Flows/{sid}",
        "url": product_url("studio", base),
        "links": {
            "test_users": product_url("studio", f"{base}/TestUsers"),
            "revisions": product_url("studio", f"{base}/Revisions"),
            "executions": product_url("studio", f"{base}/Executions"),
        },
    }


def _execution(ds, prng: random.Random, k: int, flow: dict) -> dict:
    first = max(flow["date_created"], ds.start)
    t = first + prng.randrange(0, ds.anchor - first)
    sid = V.sid("FN", ds.seed, "exec", k)
    base = f"/v2/Flows/{flow['sid']}/Executions/{sid}"
    return {
        "sid": sid,
        "account_sid": flow["account_sid"],
        "flow_sid": flow["sid"],
        "contact_channel_address": ds.customers[prng.randrange(len(ds.customers))],
        "context": {},
        "status": "active" if t > ds.anchor - 3600 else "ended",
        "date_created": t,
        "date_updated": t + prng.randrange(5, 600),
        "_when": t,
        "url": product_url("studio", base),
        "links": {
            "steps": product_url("studio", f"{base}/Steps"),
            "execution_context": product_url("studio", f"{base}/Context"),
        },
    }
