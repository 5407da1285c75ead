"""The shipped Twilio catalog: present, complete for the endpoints distillr promises, licensed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from distillr import catalogs

ROOT = Path(__file__).resolve().parent.parent


def endpoint(path):
    return next(e for e in catalogs.load("twilio")["endpoints"] if e["path"] == path)


def test_every_product_is_covered():
    cat = catalogs.load("twilio")
    assert set(cat["products"]) == {
        "api",
        "messaging",
        "conversations",
        "monitor",
        "studio",
        "verify",
        "insights",
    }
    assert {e["product"] for e in cat["endpoints"]} == set(cat["products"])
    assert "MIT License" in cat["notice"]
    assert (ROOT / "src/distillr/catalogs/LICENSE-twilio-specs").read_text().startswith("MIT")


def test_messages_endpoint_facts():
    e = endpoint("/2010-04-01/Accounts/{AccountSid}/Messages.json")
    assert e["envelope"] == "v2010"
    assert e["list_key"] == "messages"
    assert e["fetch_path"] == "/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json"
    assert [p["name"] for p in e["query_params"]] == [
        "To",
        "From",
        "DateSent",
        "DateSent<",
        "DateSent>",
    ]
    fields = {f["name"]: f["schema"] for f in e["fields"]}
    assert fields["date_sent"]["format"] == "date-time-rfc-2822"
    assert "enum" in fields["status"]  # $refs to enum schemas are resolved


def test_meta_envelope_products():
    e = endpoint("/v1/Alerts")
    assert e["product"] == "monitor" and e["envelope"] == "meta" and e["list_key"] == "alerts"


def test_schemas_are_built_from_fields():
    cat = catalogs.load("twilio")
    e = endpoint("/2010-04-01/Accounts/{AccountSid}/Calls.json")
    schema = cat["schemas"][e["record_schema"]]
    assert list(schema["properties"]) == [f["name"] for f in e["fields"]]


def test_unknown_catalog():
    with pytest.raises(LookupError):
        catalogs.load("nope")


@pytest.mark.skipif(
    not os.environ.get("TWILIO_SPEC_DIR"), reason="set TWILIO_SPEC_DIR to the specs"
)
def test_catalog_is_regenerated_byte_for_byte(tmp_path):
    shipped = (ROOT / "src/distillr/catalogs/twilio.json").read_bytes()
    subprocess.run([sys.executable, str(ROOT / "scripts/generate_twilio_catalog.py")], check=True)
    assert (ROOT / "src/distillr/catalogs/twilio.json").read_bytes() == shipped
