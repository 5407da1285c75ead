"""Plausible records built from a JSON schema, for endpoints without a hand-made generator.

Values follow the schema (type, format, enum, SID pattern) and a few name conventions
(``sid``, ``account_sid``, ``url``, ``uri``, ``*_sid`` of a path parameter), so that they validate
against the spec and still look like Twilio's.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from distillr.sandbox.twilio import values as V

_SID_PATTERN = re.compile(r"^\^\(?([A-Z]{2})")
_WORDS = ("alpha", "blue", "north", "support", "sales", "billing", "alerts", "ops", "team", "main")


def sid_prefix(schema: dict) -> str | None:
    pat = schema.get("pattern")
    if not pat or "{32}" not in pat:
        return None
    m = _SID_PATTERN.match(pat)
    return m.group(1) if m else None


def snake(name: str) -> str:
    """``ConversationSid`` -> ``conversation_sid``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass
class Ctx:
    rng: random.Random
    account_sid: str
    sid: str | None = None
    when: int = 0
    uri: str | None = None  # host-relative (API 2010)
    url: str | None = None  # absolute (newer products); filled per request
    given: dict[str, Any] = field(default_factory=dict)  # field name -> fixed value


def fake_value(name: str, schema: dict, ctx: Ctx, depth: int = 0) -> Any:
    if name in ctx.given:
        return ctx.given[name]
    rng = ctx.rng
    typ = schema.get("type")
    fmt = schema.get("format")
    if schema.get("enum"):
        return rng.choice(schema["enum"])
    if typ == "string":
        prefix = sid_prefix(schema)
        if prefix:
            if name == "sid" and ctx.sid and ctx.sid.startswith(prefix):
                return ctx.sid
            if name == "account_sid" or prefix == "AC":
                return ctx.account_sid
            if schema.get("nullable") and name != "sid":
                return None  # an unrelated link Twilio leaves empty (trunk_sid, ...)
            return V.sid(prefix, name, ctx.sid, ctx.when)
        if fmt == "date-time-rfc-2822":
            return V.rfc2822(ctx.when + _offset(name, rng))
        if fmt == "date-time":
            return V.iso8601(ctx.when + _offset(name, rng))
        if fmt == "date":
            return V.date_only(ctx.when)
        if fmt == "phone-number":
            return f"+1{rng.choice((415, 212, 312, 646, 720, 617))}555{rng.randrange(100, 200):04d}"
        if fmt == "currency":
            return "USD"
        if fmt == "iso-country-code":
            return rng.choice(("US", "US", "US", "GB", "CA"))
        if fmt == "uri":
            if name == "url" and ctx.url:
                return ctx.url
            if name == "uri" and ctx.uri:
                return ctx.uri
            return f"https://demo.example.com/twilio/{name.replace('_', '-')}"
        if name == "uri" and ctx.uri:
            return ctx.uri
        if name == "url" and ctx.url:
            return ctx.url
        if name in ("api_version",):
            return "2010-04-01"
        if name in ("price", "amount"):
            return f"-{rng.choice((0.0025, 0.0079, 0.0085, 0.05)):.5f}"
        if name in ("friendly_name", "unique_name", "name"):
            return f"{rng.choice(_WORDS).title()} {rng.randrange(1, 100)}"
        if name in ("identity",):
            return f"user_{rng.randrange(1, 500)}"
        if name == "domain_name":
            return f"{rng.choice(_WORDS)}-{rng.randrange(1, 100)}.sip.twilio.com"
        if name.endswith("_name"):
            return f"{rng.choice(_WORDS)}-{rng.randrange(1, 100)}"
        if name in ("attributes", "metadata", "configuration"):
            return "{}"
        if name.endswith(("_status", "_type", "_state")) or name in ("status", "type", "state"):
            return rng.choice(("active", "active", "pending", "inactive"))
        if name.endswith("_sid"):
            return None if schema.get("nullable") else V.sid("XX", name, ctx.sid)
        return f"{name.replace('_', ' ')} {rng.randrange(1, 1000)}"
    if typ == "integer":
        return rng.randrange(0, 120)
    if typ == "number":
        return round(rng.uniform(0, 100), 2)
    if typ == "boolean":
        return rng.random() < 0.5
    if typ == "array":
        items = schema.get("items") or {}
        if not items.get("type") or depth > 1:
            return []
        return [fake_value(name, items, ctx, depth + 1) for _ in range(rng.randrange(0, 3))]
    if typ == "object":
        if fmt == "uri-map":
            return {}
        if fmt == "phone-number-capabilities":
            return {"voice": True, "sms": True, "mms": rng.random() < 0.7, "fax": False}
        props = schema.get("properties") or {}
        return {k: fake_value(k, v, ctx, depth + 1) for k, v in props.items()} if depth < 2 else {}
    # untyped ("any"): Twilio sends JSON objects or NULL here
    return None if schema.get("nullable", True) else {}


def _offset(name: str, rng: random.Random) -> int:
    if "updated" in name or "end" in name:
        return rng.randrange(0, 3600)
    return 0


def fake_record(fields: list[dict], ctx: Ctx) -> dict:
    """One record with every field of the schema (``fields``: the catalog's field list)."""
    return {f["name"]: fake_value(f["name"], f.get("schema") or {}, ctx) for f in fields}
