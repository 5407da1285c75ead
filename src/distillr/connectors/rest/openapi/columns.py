"""A response schema as columns: the types a definition writes (``int``, structs, lists).

Rules, for one JSON schema (``$ref`` followed):

- ``type`` ``integer`` is ``int``, ``number`` ``float``, ``boolean`` ``bool``; ``string`` is
  ``string``, or ``timestamp`` for ``format: date-time``, ``date`` for ``format: date``,
  ``timestamp_rfc2822`` for ``format: date-time-rfc-2822`` (Twilio's);
- an object with properties is a struct of them; one without (a free-form map) is ``json``;
  an array is a list of its items' type;
- ``allOf`` merges its parts; ``oneOf``/``anyOf`` and a list of types (``[string, integer]``)
  widen to their common type the way inference does (``int`` and ``float`` to ``float``,
  other scalars to ``string``, an object and a scalar to ``json``); ``null`` and
  ``nullable`` change nothing (every column takes nulls);
- anything else (no type, a schema inside itself, deeper than :data:`MAX_DEPTH`) is ``json``:
  its JSON text.

:func:`record_columns` gives a record schema's columns with their descriptions (enums added as
"One of: ..."); a value that does not fit its column later still reaches ``_extra``.
"""

from __future__ import annotations

from typing import Any

from distillr.connectors.arrow import FieldSpec
from distillr.connectors.rest.openapi.spec import Spec
from distillr.connectors.rest.schema import widen
from distillr.connectors.rest.types import to_notation

__all__ = ["MAX_DEPTH", "describe", "field_spec", "properties", "record_columns"]

MAX_DEPTH = 12
_SCALARS = {"integer": "int", "number": "float", "boolean": "bool"}
_FORMATS = {
    "date-time": "timestamp_iso",
    "date": "date",
    "date-time-rfc-2822": "timestamp_rfc",
}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind if k != "null"]
    if isinstance(kind, str) and kind != "null":
        return [kind]
    if "properties" in schema or "additionalProperties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return []


def properties(spec: Spec, schema: Any, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object schema's properties, ``allOf`` parts merged (later parts win), resolved."""
    schema, seen = spec.resolve(schema, seen)
    if not isinstance(schema, dict):
        return {}
    out: dict[str, Any] = {}
    for part in schema.get("allOf") or ():
        out.update(properties(spec, part, seen))
    for name, prop in (schema.get("properties") or {}).items():
        out[str(name)] = (prop, seen)
    return out


def field_spec(spec: Spec, schema: Any, name: str = "", depth: int = 0, seen=()) -> FieldSpec:
    """The column type of one schema."""
    spec.visit()
    schema, seen = spec.resolve(schema, seen)
    if not isinstance(schema, dict) or depth > MAX_DEPTH or "x-distillr-cycle" in schema:
        return FieldSpec(name, "json")
    alternatives = [*(schema.get("oneOf") or ()), *(schema.get("anyOf") or ())]
    if alternatives:
        found: FieldSpec | None = None
        for alt in alternatives:
            resolved, alt_seen = spec.resolve(alt, seen)
            if isinstance(resolved, dict) and _types(resolved) == [] and "type" in resolved:
                continue  # {type: null}: nullable, decides nothing
            found = widen(found, field_spec(spec, resolved, name, depth + 1, alt_seen))
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf")}
        if _types(rest) or rest.get("allOf"):
            found = widen(found, field_spec(spec, rest, name, depth + 1, seen))
        return _renamed(found, name) if found else FieldSpec(name, "json")
    if schema.get("allOf"):
        parts = schema["allOf"]
        props = properties(spec, schema, seen)
        if props:
            return _struct(spec, props, name, depth)
        found = None
        for part in parts:
            found = widen(found, field_spec(spec, part, name, depth + 1, seen))
        return _renamed(found, name) if found else FieldSpec(name, "json")
    kinds = _types(schema)
    if not kinds:
        return FieldSpec(name, "json")
    out: FieldSpec | None = None
    for kind in kinds:
        out = widen(out, _one(spec, schema, kind, name, depth, seen))
    return _renamed(out, name) if out else FieldSpec(name, "json")


def _one(spec: Spec, schema: dict[str, Any], kind: str, name: str, depth: int, seen) -> FieldSpec:
    if kind in _SCALARS:
        return FieldSpec(name, _SCALARS[kind])
    if kind == "string":
        return FieldSpec(name, _FORMATS.get(str(schema.get("format", "")), "string"))
    if kind == "array":
        items = schema.get("items")
        item = field_spec(spec, items, "item", depth + 1, seen) if items else FieldSpec("", "json")
        return FieldSpec(name, "list", children=(_renamed(item, "item"),))
    if kind == "object":
        props = properties(spec, schema, seen)
        return _struct(spec, props, name, depth) if props else FieldSpec(name, "json")
    return FieldSpec(name, "json")


def _struct(spec: Spec, props: dict[str, Any], name: str, depth: int) -> FieldSpec:
    children = tuple(
        field_spec(spec, prop, key, depth + 1, seen) for key, (prop, seen) in props.items()
    )
    return FieldSpec(name, "struct", children=children)


def _renamed(spec: FieldSpec, name: str) -> FieldSpec:
    return FieldSpec(name, spec.kind, None, spec.children)


def describe(spec: Spec, schema: Any) -> str:
    """A schema's description, with its enum as "One of: a, b."."""
    schema = spec.deref(schema)
    if not isinstance(schema, dict):
        return ""
    text = str(schema.get("description") or schema.get("title") or "").strip()
    enum = schema.get("enum")
    if not enum and isinstance(schema.get("items"), dict):
        enum = spec.deref(schema["items"]).get("enum")
    if enum:
        values = ", ".join(str(v) for v in enum if v is not None)
        text = f"{text} One of: {values}.".strip() if values else text
    return " ".join(text.split())


def record_columns(spec: Spec, schema: Any) -> tuple[dict[str, Any], dict[str, str]] | None:
    """A record schema's columns as written in a definition, and their descriptions; ``None``
    when the records are not objects."""
    top = field_spec(spec, schema)
    if top.kind != "struct":
        return None
    types = {c.name: to_notation(c) for c in top.children}
    notes: dict[str, str] = {}
    for key, (prop, _) in properties(spec, schema).items():
        text = describe(spec, prop)
        if text:
            notes[key] = text
    return types, notes
