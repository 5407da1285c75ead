"""Accounts and API keys: a main account ("Acme Corp"), an active subaccount with its own share
of the traffic, a suspended one with none; an API key for each of the first two.

SIDs and secrets derive from the seed (the main account's can be given). The account list is
computed per caller: an account sees itself, and the main account its subaccounts too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import API, bind_api, from_records
from distillr.sandbox.twilio.table import Table, Values

#: Subresource name -> path segment of each account's ``subresource_uris``.
_SUBRESOURCES = (
    ("available_phone_numbers", "AvailablePhoneNumbers"),
    ("calls", "Calls"),
    ("conferences", "Conferences"),
    ("incoming_phone_numbers", "IncomingPhoneNumbers"),
    ("notifications", "Notifications"),
    ("outgoing_caller_ids", "OutgoingCallerIds"),
    ("recordings", "Recordings"),
    ("transcriptions", "Transcriptions"),
    ("addresses", "Addresses"),
    ("messages", "Messages"),
    ("applications", "Applications"),
    ("usage", "Usage"),
    ("queues", "Queues"),
    ("balance", "Balance"),
)


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_sid: str  # itself for the main account
    status: str
    type: str
    created: int


#: Seed tag, friendly name, status and days before the history starts it was created.
_ACCOUNTS = (
    ("main", "Acme Corp", "active", 30),
    ("sub1", "Acme Support (subaccount)", "active", 10),
    ("sub2", "Acme Legacy Campaigns (subaccount)", "suspended", 5),
)


def make_accounts(ds, account_sid: str | None, auth_token: str | None) -> None:
    """``ds.main``, ``ds.sub``, ``ds.accounts`` (by SID), ``ds.account_order`` (main, sub,
    suspended: an account's code in the raw columns is its index here) and ``ds.api_keys``."""
    s = ds.seed
    made: list[Account] = []
    for tag, name, status, days in _ACCOUNTS:
        sid, token = V.sid("AC", s, tag), V.secret(s, tag)
        if not made:  # the main account: its credentials can be given
            sid, token = account_sid or sid, auth_token or token
        owner = made[0].sid if made else sid
        made.append(Account(sid, token, name, owner, status, "Full", ds.start - days * V.DAY))
    ds.main, ds.sub = made[0], made[1]
    ds.accounts = {a.sid: a for a in made}
    ds.account_order = [a.sid for a in made]
    #: API keys: key sid -> (secret, account sid)
    ds.api_keys = {
        V.sid("SK", s, "key-main"): (V.secret(s, "key-main"), ds.main.sid),
        V.sid("SK", s, "key-sub1"): (V.secret(s, "key-sub1"), ds.sub.sid),
    }


def build_keys(ds) -> None:
    """The API keys as the Keys endpoint lists them (when the catalog has it)."""
    ep = ds.endpoint("api", f"{API}/Accounts/{{AccountSid}}/Keys.json")
    if not ep:
        return
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
    table = from_records(ds, "keys", ep["record_schema"], keys)
    table.columns["account_sid"] = Values([a for _, a in ds.api_keys.values()])  # not a field
    bind_api(ds, "Keys.json", "keys")


def accounts_table(ds, caller: str) -> Table:
    """The account list ``caller`` sees: itself first, then (for the main account) the rest."""
    visible = [
        a
        for a in ds.accounts.values()
        if a.sid == caller or (caller == ds.main.sid and a.owner_sid == caller)
    ]
    records = [
        {
            "auth_token": a.auth_token,
            "date_created": V.rfc2822(a.created),
            "date_updated": V.rfc2822(a.created + 3 * V.DAY),
            "friendly_name": a.friendly_name,
            "owner_account_sid": a.owner_sid,
            "sid": a.sid,
            "status": a.status,
            "subresource_uris": {k: f"{API}/Accounts/{a.sid}/{v}.json" for k, v in _SUBRESOURCES},
            "type": a.type,
            "uri": f"{API}/Accounts/{a.sid}.json",
        }
        for a in visible
    ]
    records.sort(key=lambda r: r["sid"] != caller)
    fields = [f["name"] for f in ds.fields("api.v2010.account")]
    return Table.from_records(f"accounts:{caller}", records, fields)


def balance(ds, account: str) -> dict:
    rng = random.Random(V.seed_int(ds.seed, "balance", account))
    return {"account_sid": account, "balance": f"{rng.uniform(20, 500):.2f}", "currency": "USD"}
