"""Column types as a definition writes them, and as the connector converts them.

A type is written as a name, a mapping (a struct of named fields) or a one-item list (a list of
that type), so a definition reads like the data::

    columns:
      id: int
      created: timestamp
      fields: {summary: string, status: {name: string}, labels: [string]}

Names: ``string`` (``text``), ``int`` (``integer``, ``bigint``), ``float`` (``double``,
``number``), ``bool`` (``boolean``), ``decimal``, ``timestamp`` (ISO 8601, UTC), ``date``,
``timestamp_rfc2822`` (``Thu, 26 Nov 2026 23:30:22 +0000``), ``json`` (any value, kept as
its JSON text). Each becomes a
:class:`~distillr.connectors.arrow.FieldSpec` of the shared Arrow builder.

>>> to_notation(parse_type({"a": "int", "b": ["string"]}, "x"))
{'a': 'int', 'b': ['string']}
"""

from __future__ import annotations

from typing import Any

from distillr.connectors.arrow import FieldSpec

__all__ = ["TYPE_NAMES", "parse_type", "spec_for", "to_notation"]

_NAMES = {
    "string": "string",
    "text": "string",
    "varchar": "string",
    "int": "int",
    "integer": "int",
    "bigint": "int",
    "float": "float",
    "double": "float",
    "number": "float",
    "bool": "bool",
    "boolean": "bool",
    "decimal": "decimal",
    "timestamp": "timestamp_iso",
    "timestamp_rfc2822": "timestamp_rfc",
    "date": "date",
    "json": "json",
}
TYPE_NAMES = (
    "string",
    "int",
    "float",
    "bool",
    "decimal",
    "timestamp",
    "timestamp_rfc2822",
    "date",
    "json",
)
_WRITTEN = {
    "string": "string",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "decimal": "decimal",
    "timestamp_iso": "timestamp",
    "timestamp_rfc": "timestamp_rfc2822",
    "date": "date",
    "json": "json",
}


def parse_type(notation: Any, name: str) -> FieldSpec:
    """The field spec of a written type; ``ValueError`` saying what is wrong."""
    if isinstance(notation, str):
        kind = _NAMES.get(notation.strip().lower())
        if kind is None:
            raise ValueError(
                f"unknown type '{notation}' for column '{name}'; types: {', '.join(TYPE_NAMES)},"
                " a mapping of fields (a struct) or a one-item list (a list)"
            )
        return FieldSpec(name, kind)
    if isinstance(notation, dict):
        if not notation:
            raise ValueError(f"column '{name}' is an empty struct: give its fields")
        children = tuple(parse_type(t, str(k)) for k, t in notation.items())
        return FieldSpec(name, "struct", children=children)
    if isinstance(notation, list):
        if len(notation) != 1:
            raise ValueError(f"a list type is written as one item, e.g. [string], for '{name}'")
        return FieldSpec(name, "list", children=(parse_type(notation[0], "item"),))
    raise ValueError(f"column '{name}' has type {notation!r}; write a type name such as string")


def to_notation(spec: FieldSpec) -> Any:
    """A field spec as it is written in a definition."""
    if spec.kind == "struct":
        # an object only ever seen empty has no fields to write: it is kept as JSON
        return {c.name: to_notation(c) for c in spec.children} if spec.children else "json"
    if spec.kind == "list":
        return [to_notation(spec.children[0])]
    return _WRITTEN.get(spec.kind, "json")


def spec_for(type_name: str, name: str) -> FieldSpec:
    """The spec of a parameter's value type (``integer`` and friends) for its column."""
    return parse_type(
        {"integer": "int", "number": "float", "boolean": "bool"}.get(type_name, type_name), name
    )
