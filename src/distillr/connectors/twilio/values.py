"""Twilio's record fields as typed Arrow columns.

The specs type most fields well (``format: date-time-rfc-2822`` and so on), but some numbers
travel as strings with no format: API 2010's ``price`` and ``usage`` are decimal strings,
``num_segments``, ``num_media``, ``duration``, ``queue_time`` and ``count`` integer strings,
and usage records' ``as_of`` an ISO 8601 string. Those names are listed here, in one place.
"""

from __future__ import annotations

from typing import Any

from distillr.connectors.arrow import FieldSpec

__all__ = ["DECIMAL_STRINGS", "INT_STRINGS", "TYPED_RECORDS", "field_spec", "typed_strings"]

#: string fields holding decimal amounts
DECIMAL_STRINGS = frozenset({"price", "usage"})
#: string fields holding counts or whole seconds
INT_STRINGS = frozenset({"num_segments", "num_media", "duration", "queue_time", "count"})
#: string fields holding ISO 8601 timestamps without saying so
ISO_STRINGS = frozenset({"as_of"})
#: the record schemas (and their variants, by prefix) whose string fields above are known to
#: hold numbers; elsewhere a field of the same name stays text
TYPED_RECORDS = (
    "api.v2010.account.message",
    "api.v2010.account.call",
    "api.v2010.account.recording",
    "api.v2010.account.conference.conference_recording",
    "api.v2010.account.transcription",
    "api.v2010.account.usage.usage_record",
)

_FORMATS = {
    "date-time-rfc-2822": "timestamp_rfc",
    "date-time": "timestamp_iso",
    "date": "date",
}
_MAX_DEPTH = 2


def typed_strings(record_schema: str) -> bool:
    """Whether the record schema's numeric-looking string fields hold numbers.

    >>> typed_strings("api.v2010.account.call"), typed_strings("api.v2010.account.conference")
    (True, False)
    """
    return any(record_schema == r or record_schema.startswith(r + ".") for r in TYPED_RECORDS)


def field_spec(
    name: str,
    schema: dict[str, Any],
    *,
    key: str | None = None,
    depth: int = 0,
    numbers_in_strings: bool = True,
) -> FieldSpec:
    """The column a record field becomes, from its JSON schema.

    >>> field_spec("date_sent", {"type": "string", "format": "date-time-rfc-2822"}).kind
    'timestamp_rfc'
    >>> field_spec("price", {"type": "string"}).kind
    'decimal'
    >>> field_spec("subresource_uris", {"type": "object", "format": "uri-map"}).kind
    'map'
    """
    kind_of = schema.get("type")
    fmt = schema.get("format")
    if kind_of == "string":
        if fmt in _FORMATS:
            return FieldSpec(name, _FORMATS[fmt], key)
        if depth == 0 and numbers_in_strings and not schema.get("enum"):
            if name in DECIMAL_STRINGS:
                return FieldSpec(name, "decimal", key)
            if name in INT_STRINGS:
                return FieldSpec(name, "int", key)
            if name in ISO_STRINGS:
                return FieldSpec(name, "timestamp_iso", key)
        return FieldSpec(name, "string", key)
    if kind_of == "integer":
        return FieldSpec(name, "int", key)
    if kind_of == "number":
        return FieldSpec(name, "decimal" if name in DECIMAL_STRINGS else "float", key)
    if kind_of == "boolean":
        return FieldSpec(name, "bool", key)
    if kind_of == "array":
        items = schema.get("items") or {}
        if depth < _MAX_DEPTH and items.get("type") in ("string", "integer", "number", "boolean"):
            return FieldSpec(name, "list", key, (field_spec("item", items, depth=depth + 1),))
        return FieldSpec(name, "json", key)
    if kind_of == "object" and fmt == "uri-map":
        return FieldSpec(name, "map", key)
    if kind_of == "object" and depth < _MAX_DEPTH:
        props = schema.get("properties") or {}
        if props and all(isinstance(p, dict) and p.get("type") for p in props.values()):
            children = tuple(
                field_spec(_column_name(k), p, key=k, depth=depth + 1) for k, p in props.items()
            )
            return FieldSpec(name, "struct", key, children)
    return FieldSpec(name, "json", key)


def _column_name(key: str) -> str:
    return key
