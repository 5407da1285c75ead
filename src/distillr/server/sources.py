"""What the data source wizard needs: categories, types and their form fields, and the mapping
of a failed connection test to the form field it concerns."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from distillr.errors import AuthError, ConfigError, DistillrError, SourceError

__all__ = ["CATEGORIES", "NAME_RE", "NAME_RULE", "TYPES", "field_for", "source_dict"]

NAME_RE = re.compile(r"^[a-z0-9_]+$")
NAME_RULE = "Lowercase letters, digits and underscores only (used in queries, e.g. my_twilio)."

CATEGORIES = [
    {"id": "api", "label": "API", "description": "Web APIs such as Twilio.", "available": True},
    {
        "id": "files",
        "label": "Files",
        "description": "CSV, JSON and Parquet uploads.",
        "available": False,
    },
    {
        "id": "custom_api",
        "label": "Custom API",
        "description": "Any REST API described by its endpoints.",
        "available": False,
    },
]

TYPES = [
    {
        "type": "twilio",
        "category": "api",
        "label": "Twilio",
        "description": "Calls, messages, recordings and every other Twilio list endpoint.",
        "auth_modes": [
            {
                "id": "auth_token",
                "label": "Account SID + Auth Token",
                "options": ["account_sid"],
                "secrets": ["auth_token"],
            },
            {
                "id": "api_key",
                "label": "API key + secret",
                "options": ["account_sid", "api_key"],
                "secrets": ["api_secret"],
            },
        ],
        "fields": [
            {
                "name": "account_sid",
                "label": "Account SID",
                "kind": "option",
                "required": True,
                "placeholder": "AC...",
                "help": "Starts with AC; found on the Twilio console.",
            },
            {
                "name": "auth_token",
                "label": "Auth Token",
                "kind": "secret",
                "required": True,
                "secret": True,
                "auth_mode": "auth_token",
                "help": "Next to the Account SID on the Twilio console. Once saved, it is never"
                " sent back to this page.",
            },
            {
                "name": "api_key",
                "label": "API key SID",
                "kind": "option",
                "required": True,
                "placeholder": "SK...",
                "auth_mode": "api_key",
            },
            {
                "name": "api_secret",
                "label": "API secret",
                "kind": "secret",
                "required": True,
                "secret": True,
                "auth_mode": "api_key",
            },
            {
                "name": "base_url",
                "label": "Base URL",
                "kind": "option",
                "required": False,
                "placeholder": "https://api.twilio.com",
                "help": "Leave blank for Twilio; set it to use another server, such as the"
                " local sandbox.",
            },
        ],
    }
]


def source_dict(info: Any) -> dict[str, Any]:
    """A registry ``SourceInfo`` as JSON (its secrets are already masked by the registry)."""
    if dataclasses.is_dataclass(info):
        data = dataclasses.asdict(info)
    elif hasattr(info, "to_dict"):
        data = dict(info.to_dict())
    else:
        data = {k: v for k, v in vars(info).items() if not k.startswith("_")}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[key] = value
    return out


_FIELD_HINTS = [
    (
        "base_url",
        (
            "base url",
            "base_url",
            "connect to",
            "could not reach",
            "connection",
            "resolve",
            "refused",
            "timed out",
            "url",
        ),
    ),
    ("account_sid", ("account sid", "account_sid", "accountsid")),
    ("api_key", ("api key", "api_key")),
    ("name", ("name",)),
]


def field_for(exc: DistillrError, secret_field: str) -> str | None:
    """The form field a failed save concerns, for showing the message next to it."""
    text = str(exc).lower()
    if isinstance(exc, AuthError):
        if "account" in text and "sid" in text and "not found" in text:
            return "account_sid"
        return secret_field
    if isinstance(exc, SourceError):
        if getattr(exc, "status", None) in (401, 403):
            return secret_field
        if getattr(exc, "status", None) == 404 and "account" in text:
            return "account_sid"
        return "base_url"
    if isinstance(exc, ConfigError):
        if "source" in text and ("already exists" in text or "name" in text):
            return "name"
        if "needs the secret" in text or f"secret {secret_field}" in text:
            return secret_field
        for field, words in _FIELD_HINTS:
            if any(w in text for w in words):
                return field
        if "token" in text or "secret" in text:
            return secret_field
    return None
