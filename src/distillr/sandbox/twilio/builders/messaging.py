"""Messaging services and their phone numbers: two services of the main account
(Notifications, Marketing), one of the subaccount (Support); an account's numbers are shared out
among its services in turn.
"""

from __future__ import annotations

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import from_records, product_url
from distillr.sandbox.twilio.store import Binding

_USECASES = ("notifications", "marketing", "mixed")
_LINKS = (
    ("phone_numbers", "PhoneNumbers"),
    ("short_codes", "ShortCodes"),
    ("alpha_senders", "AlphaSenders"),
    ("channel_senders", "ChannelSenders"),
    ("us_app_to_person", "Compliance/Usa2p"),
)


def service_sids(ds) -> dict[str, list[str]]:
    """The services' SIDs by account (the messages use them before the services are built)."""
    return {
        a: [V.sid("MG", ds.seed, a, i) for i in range(2 if a == ds.main.sid else 1)]
        for a in ds.account_order[:2]
    }


def build(ds) -> None:
    svcs, svc_numbers = [], []
    for a in ds.account_order[:2]:
        mine = [r for r in ds.number_records if r["account_sid"] == a]
        for i, sid in enumerate(ds.messaging_services[a]):
            t = ds.accounts[a].created + (i + 2) * V.DAY
            nm = ("Notifications", "Marketing")[i] if a == ds.main.sid else "Support"
            svcs.append(_service(a, i, sid, nm, t))
            svc_numbers.extend(
                _service_number(a, sid, t, r)
                for j, r in enumerate(mine)
                if j % len(ds.messaging_services[a]) == i
            )
    from_records(ds, "messaging_services", "messaging.v1.service", svcs)
    ds.bindings[("messaging", "/v1/Services")] = Binding("messaging_services", {})
    from_records(ds, "messaging_service_numbers", "messaging.v1.service.phone_number", svc_numbers)
    ds.bindings[("messaging", "/v1/Services/{ServiceSid}/PhoneNumbers")] = Binding(
        "messaging_service_numbers", {"ServiceSid": "service_sid"}
    )


def _service(a: str, i: int, sid: str, name: str, t: int) -> dict:
    base = f"/v1/Services/{sid}"
    return {
        "sid": sid,
        "account_sid": a,
        "friendly_name": name,
        "date_created": t,
        "date_updated": t + 40 * V.DAY,
        "_when": t,
        "usecase": _USECASES[i % 3],
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
        "url": product_url("messaging", base),
        "links": {k: product_url("messaging", f"{base}/{v}") for k, v in _LINKS},
    }


def _service_number(a: str, sid: str, t: int, r: dict) -> dict:
    return {
        "sid": r["sid"],
        "account_sid": a,
        "service_sid": sid,
        "date_created": t + V.DAY,
        "date_updated": t + V.DAY,
        "_when": t,
        "phone_number": r["phone_number"],
        "country_code": "US" if r["phone_number"].startswith("+1") else "GB",
        "capabilities": ["SMS", "MMS", "Voice"],
        "url": product_url("messaging", f"/v1/Services/{sid}/PhoneNumbers/{r['sid']}"),
    }
