"""What the data source wizard needs: categories, types and their form fields, the mapping of a
failed connection test to the form field it concerns, and sources as JSON (masked for analysts).

The name rule (regex and words) is the registry's: ``distillr.registry.NAME_RULE``/``NAME_HELP``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from distillr.errors import AuthError, ConfigError, DistillrError, SourceError

__all__ = ["CATEGORIES", "TYPES", "field_for", "masked", "source_dict"]

CATEGORIES = [
    {"id": "api", "label": "API", "description": "Web APIs such as Twilio.", "available": True},
    {
        "id": "files",
        "label": "Files",
        "description": "CSV, TSV, Parquet, JSON and Excel files: a folder or uploads.",
        "available": True,
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


def _files_type() -> dict[str, Any]:
    """The wizard's entry for sources of files: its fields from the type's own settings."""
    from distillr.registry.types import connector_class

    settings = connector_class("files").settings
    return {
        "type": "files",
        "category": "files",
        "label": "Files",
        "description": "A folder of CSV/TSV, Parquet, JSON/NDJSON and Excel files, each a table;"
        " drop files or folders to upload them.",
        "form": "files",
        "auth_modes": [],
        "fields": [{**s.to_dict(), "kind": "option"} for s in settings],
    }


TYPES.append(_files_type())


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


def masked(data: dict[str, Any]) -> dict[str, Any]:
    """A source as analysts see it: the options that say whose data it is (the type's
    ``identity_options``; every option when it declares none) masked, secrets as ``****``."""
    from distillr.registry import mask
    from distillr.registry.types import connector_class

    try:
        declared = connector_class(data.get("type", "")).identity_options
    except DistillrError:
        declared = None
    options = dict(data.get("options") or {})
    for key in options if declared is None else declared:
        if key in options and options[key] is not None:
            options[key] = mask(str(options[key]))
    secrets = {key: "****" for key in data.get("secrets") or {}}
    return {**data, "options": options, "secrets": secrets}


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
        if "needs its secret" in text:  # a change of base URL, account or key id
            return secret_field
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
