"""Catalogs of the APIs distillr knows, generated from their specs and shipped as data.

``load("twilio")`` returns Twilio's catalog (see docs/architecture.md for its format), parsed
once and cached. Besides the stored keys it carries ``schemas``: each record schema name mapped
to a JSON schema of the record, built from the endpoint's ``fields``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["load"]


@cache
def load(name: str) -> dict[str, Any]:
    try:
        text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LookupError(f"no catalog named {name!r} ships with distillr") from None
    catalog = json.loads(text)
    schemas: dict[str, Any] = {}
    for endpoint in catalog["endpoints"]:
        schemas.setdefault(
            endpoint["record_schema"],
            {
                "type": "object",
                "properties": {f["name"]: f["schema"] for f in endpoint["fields"]},
            },
        )
    catalog["schemas"] = schemas
    return catalog
