"""The sandbox's data: deterministic from the seed, realistic, related.

Everything hangs off a few accounts (a main account and its subaccounts). A :class:`Dataset`
runs the builders of :mod:`distillr.sandbox.twilio.builders`, one per resource, in a fixed order
(the order is part of the data: see that package's rules), and answers the tables computed per
request: the account list (it depends on the caller) and the usage records.
"""

from __future__ import annotations

import datetime as dt
import random

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders import (
    account_setup,
    accounts,
    calls,
    conferences,
    conversations,
    failures,
    media,
    messages,
    messaging,
    numbers,
    queues,
    recordings,
    studio,
    verify,
)
from distillr.sandbox.twilio.builders.records import API
from distillr.sandbox.twilio.builders.traffic import HISTORY_DAYS
from distillr.sandbox.twilio.store import Binding
from distillr.sandbox.twilio.table import Codes, Table

__all__ = ["SCALES", "Dataset"]

#: messages, calls, Twilio numbers per account, customer numbers.
SCALES: dict[str, dict[str, int]] = {
    "tiny": {"messages": 300, "calls": 120, "numbers": 4, "customers": 60},
    "small": {"messages": 5_000, "calls": 2_000, "numbers": 10, "customers": 800},
    "medium": {"messages": 100_000, "calls": 30_000, "numbers": 30, "customers": 20_000},
    "large": {"messages": 1_000_000, "calls": 300_000, "numbers": 100, "customers": 200_000},
}


class Dataset:
    """All records of one sandbox, as :class:`Table` objects keyed by resource name."""

    def __init__(
        self,
        catalog: dict,
        *,
        seed: int = 42,
        scale: str = "small",
        messages: int | None = None,
        calls: int | None = None,
        account_sid: str | None = None,
        auth_token: str | None = None,
        now: dt.datetime | dt.date | str | None = None,
    ) -> None:
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
        self.catalog = catalog
        self.seed = seed
        self.scale = scale
        sizes = dict(SCALES[scale])
        if messages is not None:
            sizes["messages"] = int(messages)
        if calls is not None:
            sizes["calls"] = int(calls)
        if sizes["messages"] < 0 or sizes["calls"] < 0:
            raise ValueError("messages and calls must be >= 0")
        self.sizes = sizes
        now = _as_datetime(now) if now is not None else dt.datetime.now(dt.UTC)
        #: Every timestamp is before this instant (the start of the current UTC day).
        self.anchor = int(dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC).timestamp())
        self.start = self.anchor - HISTORY_DAYS * V.DAY
        self.schemas = {e["record_schema"]: e["fields"] for e in catalog["endpoints"]}
        self._endpoints = {(e["product"], e["path"]): e for e in catalog["endpoints"]}
        self.tables: dict[str, Table] = {}
        self.bindings: dict[tuple[str, str], Binding] = {}
        self._special: dict[tuple, Table] = {}
        self._build(account_sid, auth_token)
        from distillr.sandbox.twilio import usage

        self.usage = usage.Usage(self)
        # encode the dictionaries of the big tables now, not on the first request
        for name in ("messages", "calls"):
            for col in self.tables[name].columns.values():
                if isinstance(col, Codes):
                    col.take_json(np.empty(0, dtype=np.int64))
                    col.code_of(None)

    def _build(self, account_sid: str | None, auth_token: str | None) -> None:
        """Every builder, in the order that makes the data (see the builders' rules)."""
        accounts.make_accounts(self, account_sid, auth_token)
        numbers.make_pools(self)
        self.messaging_services = messaging.service_sids(self)
        messages.build(self)
        calls.build(self)
        # the streams the related resources share, drawn in this order
        rng = np.random.default_rng(V.seed_int(self.seed, "related"))
        prng = random.Random(V.seed_int(self.seed, "related-py"))
        applications = account_setup.build_applications(self)
        account_setup.build_addresses(self)
        accounts.build_keys(self)
        numbers.build_incoming_numbers(self, applications)
        call_recordings = recordings.call_recordings(self, rng)
        conference_recordings = conferences.build(self, rng)
        recordings.build(
            self, {k: v + conference_recordings[k] for k, v in call_recordings.items()}
        )
        recordings.build_transcriptions(self, prng)
        queues.build(self)
        media.build(self, rng)
        failures.build_notifications(self)
        failures.build_alerts(self)
        messaging.build(self)
        conversations.build(self, prng)
        studio.build(self, prng)
        verify.build(self)

    def endpoint(self, product: str, path: str) -> dict | None:
        return self._endpoints.get((product, path))

    def fields(self, schema_name: str) -> list[dict]:
        return self.schemas[schema_name]

    def special_table(
        self, ep: dict, account: str, params: dict[str, str], query: dict[str, str] | None = None
    ) -> Table | None:
        """Tables computed per request: the account list (depends on the caller), usage records."""
        if "/Usage/Records" in ep["path"]:
            return self.usage.table(ep, account, query or {})
        if ep["path"] == f"{API}/Accounts.json":
            caller = params.get("__caller", account)
            key = ("accounts", caller)
            if key not in self._special:
                self._special[key] = accounts.accounts_table(self, caller)
            return self._special[key]
        return None

    def balance(self, account: str) -> dict:
        return accounts.balance(self, account)


def _as_datetime(value) -> dt.datetime:
    """``now`` given as a datetime, a date or an ISO string (tests pin the data's dates)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value))
