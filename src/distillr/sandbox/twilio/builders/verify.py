"""Verify services: two of the main account (login, payments), one of the subaccount."""

from __future__ import annotations

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import from_records, product_url
from distillr.sandbox.twilio.store import Binding


def build(ds) -> None:
    services = []
    for a in ds.account_order[:2]:
        names = ("Acme Login", "Acme Payments") if a == ds.main.sid else ("Support Login",)
        for i, nm in enumerate(names):
            sid = V.sid("VA", ds.seed, a, nm)
            t = ds.accounts[a].created + (i + 9) * V.DAY
            base = f"/v2/Services/{sid}"
            services.append(
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
                    "url": product_url("verify", base),
                    "links": {
                        "verifications": product_url("verify", f"{base}/Verifications"),
                        "rate_limits": product_url("verify", f"{base}/RateLimits"),
                        "entities": product_url("verify", f"{base}/Entities"),
                    },
                }
            )
    from_records(ds, "verify_services", "verify.v2.service", services)
    ds.bindings[("verify", "/v2/Services")] = Binding("verify_services", {})
