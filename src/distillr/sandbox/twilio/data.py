"""The sandbox's data: deterministic from the seed, realistic, related.

Everything hangs off a few accounts (a main account and its subaccounts). Calls and messages are
generated with numpy straight into columns (a million messages in a couple of seconds); the other
resources are small and built as records. Related resources point at each other: recordings at
calls, media at MMS messages, participants at calls, usage records add up call and message prices,
alerts and notifications come from failed calls and messages.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.schemagen import Ctx, fake_value
from distillr.sandbox.twilio.store import Binding
from distillr.sandbox.twilio.table import (
    Codes,
    Column,
    Const,
    Derived,
    Sids,
    Table,
    Times,
    make_sids,
    reorder_sids,
)

API = "/2010-04-01"

#: messages, calls, Twilio numbers per account, customer numbers.
SCALES: dict[str, dict[str, int]] = {
    "tiny": {"messages": 300, "calls": 120, "numbers": 4, "customers": 60},
    "small": {"messages": 5_000, "calls": 2_000, "numbers": 10, "customers": 800},
    "medium": {"messages": 100_000, "calls": 30_000, "numbers": 30, "customers": 20_000},
    "large": {"messages": 1_000_000, "calls": 300_000, "numbers": 100, "customers": 200_000},
}

HISTORY_DAYS = 396  # about 13 months
SUB_SHARE = 0.12  # share of calls and messages that belong to the first subaccount

US_AREA_CODES = (212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 720, 206, 214, 303, 718)
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
MSG_ERRORS = (
    (30003, "Unreachable destination handset"),
    (30005, "Unknown destination handset"),
    (30006, "Landline or unreachable carrier"),
    (30007, "Message filtered"),
    (30008, "Unknown error"),
    (21610, "Attempt to send to unsubscribed recipient"),
    (30034, "Message from an unregistered number"),
)
CALL_ERRORS = (
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


@dataclass
class Account:
    sid: str
    auth_token: str
    friendly_name: str
    owner_sid: str  # itself for the main account
    status: str
    type: str
    created: int
    numbers: list[dict] = field(default_factory=list)  # incoming phone numbers (records)


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
        self.tables: dict[str, Table] = {}
        self._make_accounts(account_sid, auth_token)
        self._make_phone_pools()
        self._make_messages()
        self._make_calls()
        self.bindings: dict[tuple[str, str], Binding] = {}
        self._bind()
        self._special: dict[tuple, Table] = {}
        self._endpoints = {(e["product"], e["path"]): e for e in catalog["endpoints"]}
        from distillr.sandbox.twilio import related, usage

        related.build_all(self)
        self.usage = usage.Usage(self)
        # encode the dictionaries of the big tables now, not on the first request
        for name in ("messages", "calls"):
            for col in self.tables[name].columns.values():
                if isinstance(col, Codes):
                    col.take_json(np.empty(0, dtype=np.int64))
                    col.code_of(None)

    def endpoint(self, product: str, path: str) -> dict | None:
        return self._endpoints.get((product, path))

    # ------------------------------------------------------------------ wiring
    def _bind(self) -> None:
        acct = {"AccountSid": "account_sid"}
        b = self.bindings
        b[("api", f"{API}/Accounts/{{AccountSid}}/Messages.json")] = Binding("messages", acct)
        b[("api", f"{API}/Accounts/{{AccountSid}}/Calls.json")] = Binding("calls", acct)

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
                self._special[key] = self._accounts_table(caller)
            return self._special[key]
        return None

    def _accounts_table(self, caller: str) -> Table:
        visible = [
            a
            for a in self.accounts.values()
            if a.sid == caller or (caller == self.main.sid and a.owner_sid == caller)
        ]
        records = []
        for a in visible:
            records.append(
                {
                    "auth_token": a.auth_token,
                    "date_created": V.rfc2822(a.created),
                    "date_updated": V.rfc2822(a.created + 3 * V.DAY),
                    "friendly_name": a.friendly_name,
                    "owner_account_sid": a.owner_sid,
                    "sid": a.sid,
                    "status": a.status,
                    "subresource_uris": {
                        k: f"{API}/Accounts/{a.sid}/{v}.json"
                        for k, v in (
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
                    },
                    "type": a.type,
                    "uri": f"{API}/Accounts/{a.sid}.json",
                }
            )
        records.sort(key=lambda r: r["sid"] != caller)
        fields = [f["name"] for f in self.fields("api.v2010.account")]
        return Table.from_records(f"accounts:{caller}", records, fields)

    def balance(self, account: str) -> dict:
        rng = random.Random(V.seed_int(self.seed, "balance", account))
        return {"account_sid": account, "balance": f"{rng.uniform(20, 500):.2f}", "currency": "USD"}

    # ------------------------------------------------------------------ helpers
    def fields(self, schema_name: str) -> list[dict]:
        return self.schemas[schema_name]

    def finish(self, name: str, schema_name: str, n: int, cols: dict[str, Column]) -> Table:
        """Fill the schema's remaining fields (NULL where nullable) and store the table."""
        fields = self.fields(schema_name)
        rng = random.Random(V.seed_int(self.seed, name))
        ctx = Ctx(rng=rng, account_sid=self.main.sid, when=self.start)
        ordered: dict[str, Column] = {}
        for f in fields:
            fname = f["name"]
            if fname in cols:
                ordered[fname] = cols[fname]
            elif (f.get("schema") or {}).get("nullable"):
                ordered[fname] = Const(None, n)
            else:
                ordered[fname] = Const(fake_value(fname, f.get("schema") or {}, ctx), n)
        for k, c in cols.items():  # helper columns used by filters only stay reachable
            ordered.setdefault(k, c)
        table = Table(name, n, ordered, [f["name"] for f in fields])
        table.schema_name = schema_name
        self.tables[name] = table
        return table

    def account(self, sid: str) -> Account | None:
        return self.accounts.get(sid)

    # ------------------------------------------------------------------ accounts
    def _make_accounts(self, account_sid: str | None, auth_token: str | None) -> None:
        s = self.seed
        main_sid = account_sid or V.sid("AC", s, "main")
        main = Account(
            sid=main_sid,
            auth_token=auth_token or V.secret(s, "main"),
            friendly_name="Acme Corp",
            owner_sid=main_sid,
            status="active",
            type="Full",
            created=self.start - 30 * V.DAY,
        )
        sub = Account(
            sid=V.sid("AC", s, "sub1"),
            auth_token=V.secret(s, "sub1"),
            friendly_name="Acme Support (subaccount)",
            owner_sid=main_sid,
            status="active",
            type="Full",
            created=self.start - 10 * V.DAY,
        )
        sub2 = Account(
            sid=V.sid("AC", s, "sub2"),
            auth_token=V.secret(s, "sub2"),
            friendly_name="Acme Legacy Campaigns (subaccount)",
            owner_sid=main_sid,
            status="suspended",
            type="Full",
            created=self.start - 5 * V.DAY,
        )
        self.main, self.sub = main, sub
        self.accounts: dict[str, Account] = {a.sid: a for a in (main, sub, sub2)}
        #: API keys: key sid -> (secret, account sid)
        self.api_keys: dict[str, tuple[str, str]] = {
            V.sid("SK", s, "key-main"): (V.secret(s, "key-main"), main.sid),
            V.sid("SK", s, "key-sub1"): (V.secret(s, "key-sub1"), sub.sid),
        }
        self.account_order = [main.sid, sub.sid, sub2.sid]

    # ------------------------------------------------------------------ numbers
    def _make_phone_pools(self) -> None:
        rng = V.rng_for(self.seed, "phones")
        n_cust = self.sizes["customers"]
        # customers: 80% US/CA, 12% GB mobiles, 5% German mobiles, 3% Mexico; all distinct
        region = rng.choice(4, size=n_cust, p=[0.8, 0.12, 0.05, 0.03])
        area = np.array(US_AREA_CODES, dtype=np.int64)[rng.integers(0, len(US_AREA_CODES), n_cust)]
        us = (
            10_000_000_000
            + area * 10**7
            + rng.integers(201, 555, n_cust) * 10**4
            + rng.integers(0, 10**4, n_cust)
        )
        gb = 447_000_000_000 + rng.integers(0, 10**9, n_cust)
        de = 4_915_000_000_000 + rng.integers(10**8, 10**9, n_cust)
        mx = 520_000_000_000 + rng.integers(10**9, 10**10, n_cust) % 10**10
        nums = np.select([region == 0, region == 1, region == 2], [us, gb, de], mx)
        _, first = np.unique(nums, return_index=True)
        keep = np.sort(first)  # drop the rare duplicates, keep the random order
        while len(keep) < n_cust:  # top up with fresh US numbers
            extra = (
                10_000_000_000
                + 415 * 10**7
                + rng.integers(2_000_000, 9_999_999, n_cust - len(keep))
            )
            nums = np.concatenate([nums[keep], extra])
            _, first = np.unique(nums, return_index=True)
            keep = np.sort(first)
        chosen = nums[keep][:n_cust]
        customers = [f"+{v}" for v in chosen.tolist()]
        cust_intl = (chosen < 10**10) | (chosen >= 2 * 10**10)  # not +1 (NANP)
        self.customers = customers
        # Twilio numbers per account
        per = self.sizes["numbers"]
        counts = {self.main.sid: per, self.sub.sid: max(2, per // 4), self.account_order[2]: 1}
        self.twilio_numbers: list[str] = []
        self.number_account: list[str] = []
        k = 0
        for acct_sid in self.account_order:
            for j in range(counts[acct_sid]):
                if j == 1:
                    num = f"+1888{(5550100 + k) % 10**7:07d}"  # toll-free
                elif j == 2 and acct_sid == self.main.sid:
                    num = f"+4420{(37180000 + k) % 10**8:08d}"  # London landline
                else:
                    num = f"+1{US_AREA_CODES[k % len(US_AREA_CODES)]}555{(100 + k) % 10000:04d}"
                self.twilio_numbers.append(num)
                self.number_account.append(acct_sid)
                k += 1
        # one category list for every phone-number column: Twilio numbers first
        phones = self.twilio_numbers + customers
        self.phone_intl = np.concatenate(
            [np.array([not p.startswith("+1") for p in self.twilio_numbers], dtype=bool), cust_intl]
        )
        self.phones = np.empty(len(phones), dtype=object)
        self.phones[:] = phones
        self.phone_formatted = np.empty(len(phones), dtype=object)
        self.phone_formatted[:] = [
            f"({p[2:5]}) {p[5:8]}-{p[8:]}" if len(p) == 12 and p[1] == "1" else p for p in phones
        ]
        self.number_sids = [V.sid("PN", self.seed, p) for p in self.twilio_numbers]
        self.phone_pn_sid = np.empty(len(phones), dtype=object)
        self.phone_pn_sid[: len(self.number_sids)] = self.number_sids
        self.messaging_services = {
            a: [V.sid("MG", self.seed, a, i) for i in range(2 if a == self.main.sid else 1)]
            for a in self.account_order[:2]
        }

    def _numbers_of(self, acct_sid: str) -> np.ndarray:
        return np.array(
            [i for i, a in enumerate(self.number_account) if a == acct_sid], dtype=np.int64
        )

    def _times(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Epoch seconds over the history: growing volume, busier in (US) business hours."""
        # day weight grows linearly (1x -> 2x) over the history
        u = rng.random(n)
        day = np.floor(HISTORY_DAYS * (np.sqrt(1 + 3 * u) - 1)).astype(np.int64)
        day = np.clip(day, 0, HISTORY_DAYS - 1)
        hour_w = np.array(
            [1, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 7, 6, 5, 4, 3, 2, 1.0]
        )
        hour_w /= hour_w.sum()
        hour = (rng.choice(24, size=n, p=hour_w) + 5) % 24  # shift to UTC from US time zones
        sec = hour * 3600 + rng.integers(0, 3600, n)
        return self.start + day * V.DAY + sec

    def _account_codes(self, rng, n) -> np.ndarray:
        """Account index per row: 0 = main, 1 = first subaccount."""
        return (rng.random(n) < SUB_SHARE).astype(np.int8)

    def _pick_numbers(self, rng, acct_codes) -> np.ndarray:
        """A Twilio number of each row's account (index into ``self.phones``)."""
        out = np.empty(len(acct_codes), dtype=np.int64)
        for code, sid in enumerate(self.account_order[:2]):
            mine = self._numbers_of(sid)
            rows = acct_codes == code
            # the first numbers of an account carry most of the traffic
            w = 1.0 / np.arange(1, len(mine) + 1)
            out[rows] = mine[rng.choice(len(mine), size=int(rows.sum()), p=w / w.sum())]
        return out

    def _pick_customers(self, rng, n) -> np.ndarray:
        nc = len(self.customers)
        return len(self.twilio_numbers) + np.minimum(
            (rng.random(n) ** 2.2 * nc).astype(np.int64), nc - 1
        )

    def _acct_column(self, codes: np.ndarray) -> Codes:
        return Codes(codes, self.account_order)

    # ------------------------------------------------------------------ messages
    def _make_messages(self) -> None:
        n = self.sizes["messages"]
        rng = V.rng_for(self.seed, "messages")
        acct = self._account_codes(rng, n)
        t = self._times(rng, n)
        directions = ["inbound", "outbound-api", "outbound-reply", "outbound-call"]
        direction = rng.choice(4, size=n, p=[0.3, 0.55, 0.12, 0.03]).astype(np.int8)
        inbound = direction == 0
        mine = self._pick_numbers(rng, acct)
        cust = self._pick_customers(rng, n)
        frm = np.where(inbound, cust, mine)
        to = np.where(inbound, mine, cust)
        # statuses
        statuses = ["received", "delivered", "sent", "undelivered", "failed", "read"]
        status = rng.choice([1, 2, 3, 4], size=n, p=[0.84, 0.06, 0.05, 0.05]).astype(np.int8)
        status[inbound] = 0
        failed = status == 4
        bad = (status == 3) | failed
        err_idx = rng.integers(0, len(MSG_ERRORS), n)
        err_codes = np.where(bad, err_idx + 1, 0).astype(np.int16)
        # bodies: outbound templates, then inbound ones
        out_bodies = []
        brng = random.Random(V.seed_int(self.seed, "bodies"))
        for tmpl in OUT_BODIES:
            for _ in range(4 if "{n}" in tmpl else 1):
                out_bodies.append(tmpl.format(n=brng.randrange(100000, 999999)))
        bodies = out_bodies + list(IN_BODIES)
        body = rng.integers(0, len(out_bodies), n)
        body[inbound] = len(out_bodies) + rng.integers(0, len(IN_BODIES), int(inbound.sum()))
        segs_of_body = np.array([_segments(b) for b in bodies], dtype=np.int64)
        segs = segs_of_body[body]
        # MMS: some outbound-api and inbound messages carry media
        mms = (rng.random(n) < 0.05) & ((direction == 1) | inbound)
        num_media = np.where(mms, rng.integers(1, 4, n), 0)
        # prices (1e-5 USD, negative = charge); GB/DE/MX recipients cost more
        intl = self.phone_intl[cust]
        rate = np.where(intl & ~inbound, 4000, 790)
        price = -(rate * segs)
        price = np.where(mms, -2000, price)
        price = np.where(failed, 0, price)
        has_price = ~failed
        # times: failed messages were never sent (date_sent NULL)
        created = t - rng.integers(0, 3, n)
        sent = np.where(failed, V.NULL_TIME, t)
        updated = np.where(inbound, t, t + rng.integers(1, 40, n))
        # messaging services: 75% of outbound-api use one; inbound to numbers in a service
        svc_pick = rng.integers(0, 2, n)
        svc_codes = np.zeros(n, dtype=np.int8)  # 0 = None
        svc_names: list[Any] = [None]
        for code, a in enumerate(self.account_order[:2]):
            base = len(svc_names)
            svc_names.extend(self.messaging_services[a])
            k = len(self.messaging_services[a])
            rows = (acct == code) & (((direction == 1) & (rng.random(n) < 0.75)) | inbound)
            svc_codes[rows] = base + (svc_pick[rows] % k)
        # order: newest first by date_sent (NULL date_sent sorts by date_created)
        key = np.where(failed, created, t)
        perm = np.argsort(-key, kind="stable")
        hi, lo = make_sids(rng, n)
        hi, lo = reorder_sids(hi, lo, perm)
        P = lambda a: a[perm]  # noqa: E731
        acct, direction, frm, to, status, err_codes = map(
            P, (acct, direction, frm, to, status, err_codes)
        )
        body, segs, num_media, price, has_price = map(P, (body, segs, num_media, price, has_price))
        created, sent, updated, svc_codes, mms = map(P, (created, sent, updated, svc_codes, mms))
        prefix = Codes(mms.astype(np.int8), ["SM", "MM"])
        price_col = _price_codes(price, has_price)
        self.msg_raw = {
            "account": acct,
            "direction": direction,
            "from": frm,
            "to": to,
            "status": status,
            "date_sent": sent,
            "date_created": created,
            "price_e5": np.where(has_price, price, 0),
            "num_media": num_media,
            "segments": segs,
        }
        err_cats: list[Any] = [None] + [c for c, _ in MSG_ERRORS]
        errmsg_cats: list[Any] = [None] + [m for _, m in MSG_ERRORS]
        cols: dict[str, Column] = {
            "body": Codes(body, bodies),
            "num_segments": Codes(segs, [str(i) for i in range(int(segs.max(initial=1)) + 1)]),
            "direction": Codes(direction, directions),
            "from": Codes(frm, self.phones),
            "to": Codes(to, self.phones),
            "date_updated": Times(updated),
            "price": price_col,
            "error_message": Codes(err_codes, errmsg_cats),
            "account_sid": self._acct_column(acct),
            "num_media": Codes(num_media, ["0", "1", "2", "3"]),
            "status": Codes(status, statuses),
            "messaging_service_sid": Codes(svc_codes, svc_names),
            "sid": Sids(prefix, hi, lo),
            "date_sent": Times(sent),
            "date_created": Times(created),
            "error_code": Codes(err_codes, err_cats),
            "price_unit": Const("USD", n),
            "api_version": Const("2010-04-01", n),
            "uri": uri_column("Messages"),
            "subresource_uris": Derived(
                lambda c: [
                    f'{{"media": "{API}/Accounts/{a[1:-1]}/Messages/{s[1:-1]}/Media.json", '
                    f'"feedback": "{API}/Accounts/{a[1:-1]}/Messages/{s[1:-1]}/Feedback.json"}}'
                    for a, s in zip(c["account_sid"], c["sid"])
                ]
            ),
        }
        self.finish("messages", "api.v2010.account.message", n, cols)

    # ------------------------------------------------------------------ calls
    def _make_calls(self) -> None:
        n = self.sizes["calls"]
        rng = V.rng_for(self.seed, "calls")
        acct = self._account_codes(rng, n)
        t = self._times(rng, n)
        directions = ["inbound", "outbound-api", "outbound-dial"]
        direction = rng.choice(3, size=n, p=[0.42, 0.43, 0.15]).astype(np.int8)
        inbound = direction == 0
        mine = self._pick_numbers(rng, acct)
        cust = self._pick_customers(rng, n)
        frm = np.where(inbound, cust, mine)
        to = np.where(inbound, mine, cust)
        statuses = [
            "queued",
            "ringing",
            "in-progress",
            "canceled",
            "completed",
            "failed",
            "busy",
            "no-answer",
        ]
        # completed, no-answer, busy, failed, canceled
        choices = np.array([4, 7, 6, 5, 3])
        p_in = [0.85, 0.06, 0.04, 0.02, 0.03]
        p_out = [0.70, 0.14, 0.08, 0.05, 0.03]
        status = np.where(
            inbound, choices[rng.choice(5, size=n, p=p_in)], choices[rng.choice(5, size=n, p=p_out)]
        ).astype(np.int8)
        # child legs (outbound-dial) hang off an inbound call: same account, just after it
        parent = np.full(n, -1, dtype=np.int64)
        dial = np.flatnonzero(direction == 2)
        inb = np.flatnonzero(inbound)
        if len(inb) and len(dial):
            par = inb[rng.integers(0, len(inb), len(dial))]
            parent[dial] = par
            acct[dial] = acct[par]
            t[dial] = t[par] + rng.integers(2, 15, len(dial))
            frm[dial] = to[par]
        elif len(dial):
            direction[dial] = 1
        completed = status == 4
        ring = rng.integers(3, 25, n)
        dur = np.where(completed, np.maximum(1, rng.lognormal(4.6, 1.0, n)).astype(np.int64), 0)
        dur = np.minimum(dur, 4 * 3600)
        started = np.isin(status, (4, 6, 7))
        start = np.where(started, t + np.where(completed, ring, 0), V.NULL_TIME)
        end = np.where(started, start + np.where(completed, dur, ring), V.NULL_TIME)
        # a few calls are still live at the anchor: the queue members
        live = np.array([], dtype=np.int64)
        main_inb = np.flatnonzero(inbound & (acct == 0) & (parent == -1))
        if len(main_inb):
            live = main_inb[np.argsort(-t[main_inb])][:5]
            t[live] = self.anchor - 60 * (np.arange(len(live)) + 1) - 30
            status[live] = 2
            start[live] = t[live] + 2
            end[live] = V.NULL_TIME
        is_live = np.zeros(n, dtype=bool)
        is_live[live] = True
        mins = -(-dur // 60)
        rate = np.where(inbound, 850, 1400)
        price = -(mins * rate)
        has_price = completed & ~is_live
        answered = np.zeros(n, dtype=np.int8)  # None
        amd = (direction == 1) & completed & (rng.random(n) < 0.2)
        answered[amd] = rng.choice([1, 2, 3], size=int(amd.sum()), p=[0.7, 0.25, 0.05])
        cname = np.zeros(n, dtype=np.int8)
        has_name = inbound & (rng.random(n) < 0.15)
        cname[has_name] = 1 + rng.integers(0, len(CALLER_NAMES), int(has_name.sum()))
        fwd = inbound & (rng.random(n) < 0.03)
        fwd_codes = np.where(fwd, 1 + rng.integers(0, len(self.twilio_numbers), n), 0)
        queue_time = np.where(
            inbound & completed & (rng.random(n) < 0.1), rng.integers(1, 300, n), 0
        )
        duration = np.where(completed | started, dur, 0)
        dur_null = is_live  # in-progress calls have no duration yet
        # order: newest first by date_created
        perm = np.argsort(-t, kind="stable")
        inv = np.empty(n, dtype=np.int64)
        inv[perm] = np.arange(n)
        hi, lo = make_sids(rng, n)
        hi, lo = reorder_sids(hi, lo, perm)
        P = lambda a: a[perm]  # noqa: E731
        parent = P(parent)
        parent = np.where(parent >= 0, inv[np.maximum(parent, 0)], -1)
        acct, direction, frm, to, status, t, start, end = map(
            P, (acct, direction, frm, to, status, t, start, end)
        )
        duration, dur_null, price, has_price, answered, cname, fwd_codes, queue_time = map(
            P, (duration, dur_null, price, has_price, answered, cname, fwd_codes, queue_time)
        )
        is_live = P(is_live)
        updated = np.where(end != V.NULL_TIME, end + 1, t + 30)
        sids = Sids("CA", hi, lo)
        self.call_raw = {
            "account": acct,
            "direction": direction,
            "from": frm,
            "to": to,
            "status": status,
            "date_created": t,
            "start_time": start,
            "end_time": end,
            "duration": duration,
            "price_e5": np.where(has_price, price, 0),
            "parent": parent,
            "live": is_live,
        }
        max_d = int(duration.max(initial=0))
        dur_codes = np.where(dur_null, 0, duration + 1)
        queue_cats = [str(i) for i in range(int(queue_time.max(initial=0)) + 1)]
        pn_of_phone = self.phone_pn_sid
        pn_idx = np.where(direction == 0, to, frm)
        cols: dict[str, Column] = {
            "sid": sids,
            "date_created": Times(t),
            "date_updated": Times(updated),
            "parent_call_sid": _ParentSids(sids, parent),
            "account_sid": self._acct_column(acct),
            "to": Codes(to, self.phones),
            "to_formatted": Codes(to, self.phone_formatted),
            "from": Codes(frm, self.phones),
            "from_formatted": Codes(frm, self.phone_formatted),
            "phone_number_sid": Codes(pn_idx, pn_of_phone),
            "status": Codes(status, statuses),
            "start_time": Times(start),
            "end_time": Times(end),
            "duration": _IntStrings(dur_codes, max_d),
            "price": _price_codes(price, has_price),
            "price_unit": Const("USD", n),
            "direction": Codes(direction, directions),
            "answered_by": Codes(answered, [None, "human", "machine_start", "unknown"]),
            "api_version": Const("2010-04-01", n),
            "forwarded_from": Codes(fwd_codes, [None] + self.twilio_numbers),
            "group_sid": Const(None, n),
            "caller_name": Codes(cname, [None] + list(CALLER_NAMES)),
            "queue_time": Codes(queue_time, queue_cats),
            "trunk_sid": Const(None, n),
            "uri": uri_column("Calls"),
            "subresource_uris": Derived(
                lambda c: [
                    _call_subresources(a[1:-1], s[1:-1]) for a, s in zip(c["account_sid"], c["sid"])
                ]
            ),
        }
        self.finish("calls", "api.v2010.account.call", n, cols)


def uri_column(resource: str, parent: tuple[str, str] | None = None) -> Derived:
    """``uri``: ``/2010-04-01/Accounts/{account_sid}[/{Parent}/{parent_sid}]/{resource}/{sid}.json``
    (the parent part only for nested resources)."""
    if parent is None:
        return Derived(
            lambda c: [
                f'"{API}/Accounts/{a[1:-1]}/{resource}/{s[1:-1]}.json"'
                for a, s in zip(c["account_sid"], c["sid"])
            ]
        )
    pname, pfield = parent
    return Derived(
        lambda c: [
            f'"{API}/Accounts/{a[1:-1]}/{pname}/{p[1:-1]}/{resource}/{s[1:-1]}.json"'
            for a, p, s in zip(c["account_sid"], c[pfield], c["sid"])
        ]
    )


def _call_subresources(a: str, s: str) -> str:
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


def _as_datetime(value) -> dt.datetime:
    """``now`` given as a datetime, a date or an ISO string (tests pin the data's dates)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value))


class _ParentSids(Column):
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


class _IntStrings(Codes):
    """Non-negative integers as strings; code 0 is NULL, code k is str(k - 1)."""

    def __init__(self, codes: np.ndarray, max_value: int):
        super().__init__(codes, [None] + [str(i) for i in range(max_value + 1)])


def _price_codes(price_e5: np.ndarray, present: np.ndarray) -> Codes:
    vals = np.where(present, price_e5, 1)  # 1 is never a price: marks NULL
    uniq, codes = np.unique(vals, return_inverse=True)
    cats = [None if u == 1 else f"{u / 1e5:.5f}" for u in uniq.tolist()]
    return Codes(codes.astype(np.int32), cats)


def _segments(body: str) -> int:
    gsm = all(ord(ch) < 128 for ch in body)
    single, multi = (160, 153) if gsm else (70, 67)
    n = len(body)
    return 1 if n <= single else -(-n // multi)
