"""What an account sets up once: applications (TwiML apps its numbers' calls may use) and the
addresses it registered. The suspended account has neither.
"""

from __future__ import annotations

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import api_uri, bind_api, from_records

#: Street, city, region, postal code, country: the main account's first three, the subaccount's
#: the last.
STREETS = (
    ("548 Market St", "San Francisco", "CA", "94104", "US"),
    ("350 5th Ave", "New York", "NY", "10118", "US"),
    ("1 Canada Square", "London", "London", "E14 5AB", "GB"),
    ("233 S Wacker Dr", "Chicago", "IL", "60606", "US"),
)


def build_applications(ds) -> dict[str, list[str]]:
    """Three applications of the main account, one of the subaccount; their SIDs by account."""
    apps: list[dict] = []
    app_of: dict[str, list[str]] = {}
    for a in ds.account_order[:2]:
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
                    "uri": api_uri(a, "Applications", sid),
                }
            )
    from_records(ds, "applications", "api.v2010.account.application", apps)
    bind_api(ds, "Applications.json", "applications")
    return app_of


def build_addresses(ds) -> None:
    addrs = []
    for a in ds.account_order[:2]:
        picks = STREETS[:3] if a == ds.main.sid else STREETS[3:]
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
                    "uri": api_uri(a, "Addresses", sid),
                }
            )
    from_records(ds, "addresses", "api.v2010.account.address", addrs)
    bind_api(ds, "Addresses.json", "addresses")
