"""Phone numbers: the customers' E.164 numbers, each account's Twilio numbers, and the incoming
phone numbers that list the latter.

Every phone-number column of calls and messages is an index into one list, ``ds.phones``: the
Twilio numbers first (``ds.twilio_numbers``, owned by ``ds.number_account``), then the customers
(``ds.customers``: 80% US, 12% UK mobiles, 5% German mobiles, 3% Mexican; all distinct).
"""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import (
    ACCOUNT,
    api_path,
    api_uri,
    bind_api,
    bind_view,
    from_records,
)

US_AREA_CODES = (212, 213, 305, 312, 404, 415, 503, 512, 617, 646, 702, 720, 206, 214, 303, 718)


def make_pools(ds) -> None:
    """``ds.customers``, ``ds.twilio_numbers`` and the per-phone lists of ``ds.phones``:
    ``phone_intl`` (not +1), ``phone_formatted`` (``(415) 555-0100``), ``phone_pn_sid`` (the
    incoming number's SID, None for customers); ``ds.number_sids`` by Twilio number."""
    rng = V.rng_for(ds.seed, "phones")
    chosen = _customer_numbers(rng, ds.sizes["customers"])
    ds.customers = [f"+{v}" for v in chosen.tolist()]
    cust_intl = (chosen < 10**10) | (chosen >= 2 * 10**10)  # not +1 (NANP)
    _twilio_numbers(ds)
    phones = ds.twilio_numbers + ds.customers
    ds.phone_intl = np.concatenate(
        [np.array([not p.startswith("+1") for p in ds.twilio_numbers], dtype=bool), cust_intl]
    )
    ds.phones = np.empty(len(phones), dtype=object)
    ds.phones[:] = phones
    ds.phone_formatted = np.empty(len(phones), dtype=object)
    ds.phone_formatted[:] = [V.us_formatted(p) for p in phones]
    ds.number_sids = [V.sid("PN", ds.seed, p) for p in ds.twilio_numbers]
    ds.phone_pn_sid = np.empty(len(phones), dtype=object)
    ds.phone_pn_sid[: len(ds.number_sids)] = ds.number_sids


def _customer_numbers(rng: np.random.Generator, n_cust: int) -> np.ndarray:
    """``n_cust`` distinct numbers (E.164 digits as integers), in random order."""
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
            10_000_000_000 + 415 * 10**7 + rng.integers(2_000_000, 9_999_999, n_cust - len(keep))
        )
        nums = np.concatenate([nums[keep], extra])
        _, first = np.unique(nums, return_index=True)
        keep = np.sort(first)
    return nums[keep][:n_cust]


def _twilio_numbers(ds) -> None:
    """Each account's numbers: local US ones, its second toll-free, the main account's third in
    London; the suspended account has one."""
    per = ds.sizes["numbers"]
    counts = {ds.main.sid: per, ds.sub.sid: max(2, per // 4), ds.account_order[2]: 1}
    ds.twilio_numbers, ds.number_account = [], []
    k = 0
    for acct_sid in ds.account_order:
        for j in range(counts[acct_sid]):
            if j == 1:
                num = f"+1888{(5550100 + k) % 10**7:07d}"  # toll-free
            elif j == 2 and acct_sid == ds.main.sid:
                num = f"+4420{(37180000 + k) % 10**8:08d}"  # London landline
            else:
                num = f"+1{US_AREA_CODES[k % len(US_AREA_CODES)]}555{(100 + k) % 10000:04d}"
            ds.twilio_numbers.append(num)
            ds.number_account.append(acct_sid)
            k += 1


def build_incoming_numbers(ds, applications: dict[str, list[str]]) -> None:
    """The incoming phone numbers (every third one's voice handled by one of the account's
    ``applications``), and their Local, TollFree and Mobile lists."""
    nums = [
        _incoming_number(ds, i, num, a, pn, applications.get(a, [None]))
        for i, (num, a, pn) in enumerate(zip(ds.twilio_numbers, ds.number_account, ds.number_sids))
    ]
    ds.number_records = nums
    from_records(ds, "incoming_numbers", "api.v2010.account.incoming_phone_number", nums)
    bind_api(ds, "IncomingPhoneNumbers.json", "incoming_numbers")
    for kind, segment in (("local", "Local"), ("tollfree", "TollFree"), ("mobile", "Mobile")):
        path = api_path(f"IncomingPhoneNumbers/{segment}.json")
        name = f"incoming_numbers_{kind}"
        bind_view(ds, "api", path, name, "incoming_numbers", ACCOUNT, fixed={"type": kind})


def _incoming_number(ds, i: int, num: str, a: str, pn: str, apps: list) -> dict:
    kind = "tollfree" if num.startswith("+1888") else "local"
    t = ds.accounts[a].created + i * 2 * V.DAY
    return {
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
        "voice_application_sid": apps[i % len(apps)] if i % 3 == 0 else None,
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
        "uri": api_uri(a, "IncomingPhoneNumbers", pn),
    }
