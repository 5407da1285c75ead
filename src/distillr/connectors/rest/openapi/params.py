"""An operation's path and query parameters as a definition's ``params``.

- A path parameter stays a path parameter; a query parameter is optional or required as the
  spec says, typed (``integer``, ``number``, ``boolean``, ``string``; ``format: date-time`` a
  ``timestamp`` sent as ISO 8601, ``format: date`` a ``date`` sent as ``YYYY-MM-DD``; an array
  its items' type), its description and enum (``One of: ...``) shown in the nav tree.
- A parameter filters the column of its name when the records have one (``To`` -> ``to``,
  ``CallSid`` -> ``call_sid``, a trailing ``{boardId}`` -> ``id``) of a matching type; a
  path parameter with a plain name (``id``, ``sid``, ``key`` ...) only where it ends the path
  (``/users/{id}/repos``: that ``id`` is the user's, not a repo's). Path parameters apply
  exactly. One whose name the records use for another thing (``created`` of another type,
  that ``id``) gets a column of its own (``user_id``, ``created_param``). A query parameter
  over a column is marked inexact: the spec does
  not say whether ``name=x`` means "equals" or "contains", so results stay right (DuckDB
  re-applies the filter) and only a LIMIT stays local. One that matches no column has a
  column of its own, filled with the value sent (``jql``).
- Left out: parameters of the paging vocabulary once a paginator is found, names that are not
  plain (``DateSent<``, ``created[gte]``: the comparison they make is not in the spec), and
  header and cookie parameters (an operation that requires one is skipped).
"""

from __future__ import annotations

import re
from typing import Any

from distillr.connectors.rest.openapi.columns import describe
from distillr.connectors.rest.openapi.naming import singular, snake
from distillr.connectors.rest.openapi.spec import SkipOperation, Spec

__all__ = ["SkipOperation", "convert", "value_type"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TYPES = {"integer": "integer", "number": "number", "boolean": "boolean"}
#: a parameter's type -> the column types it may filter
_FITS = {
    "integer": {"int", "float", "string"},
    "number": {"float", "int"},
    "boolean": {"bool"},
    "timestamp": {"timestamp"},
    "date": {"date"},
    "string": {"string", "int"},
}


#: names that say which record only where they end the path
_GENERIC = frozenset({"id", "sid", "key", "uuid", "name", "slug", "code"})


def value_type(spec: Spec, schema: dict[str, Any]) -> tuple[str, str | None]:
    """A parameter schema's ``(type, format)`` as a definition writes them."""
    schema = spec.deref(schema) or {}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "array":
        return value_type(spec, schema.get("items") or {})
    if kind in _TYPES:
        return _TYPES[kind], None
    fmt = schema.get("format")
    if fmt == "date-time":
        return "timestamp", "iso8601"
    if fmt == "date":
        return "date", "date"
    return "string", None


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _column_for(
    name: str, kind: str, columns: dict[str, Any], last: bool, path: bool
) -> str | None:
    """The records' column a parameter filters, if one of a matching type."""
    by_lower = {c.lower(): c for c in columns}
    by_norm = {_norm(c): c for c in columns}
    if path and not last and _norm(name) in _GENERIC:
        return None  # /users/{id}/repos: the user's id, not a repo's
    found = by_lower.get(name.lower()) or by_norm.get(_norm(name))
    if found is None and last and _norm(name).endswith("id") and "id" in by_lower:
        found = by_lower["id"]  # /board/{boardId}: the board's id
    if found is None:
        return None
    written = columns[found]
    return found if isinstance(written, str) and written in _FITS[kind] else None


def _own_column(name: str, path: str, where: str, columns: dict[str, Any]) -> str:
    """A column for a parameter whose name the records use for something else:
    ``/users/{id}/repos`` -> ``user_id``; a query parameter ``created`` -> ``created_param``."""
    parts = [p for p in path.split("/") if p]
    at = parts.index("{" + name + "}") if "{" + name + "}" in parts else -1
    before = snake(singular(parts[at - 1])) if where == "path" and at > 0 else ""
    taken = {c.lower() for c in columns}
    out = f"{before}_{name}" if before and not before.startswith("{") else f"{name}_param"
    while out.lower() in taken:
        out += "_param"
    return out


def convert(
    spec: Spec,
    path: str,
    raw: list[dict[str, Any]],
    columns: dict[str, Any],
    paging: set[str],
    defaults: dict[str, str],
) -> tuple[list[dict[str, Any]], list[str]]:
    """``params`` of an endpoint, and each as the report shows it."""
    out: list[dict[str, Any]] = []
    shown: list[str] = []
    last = path.rstrip("/").rsplit("/", 1)[-1]
    for p in raw:
        name, where = str(p["name"]), str(p.get("in", "query"))
        if where in ("header", "cookie") and p.get("required"):
            raise SkipOperation(f"it needs the {where} parameter {name}, which a query cannot set")
        if where not in ("path", "query") or name.lower() in paging:
            continue
        if not _PLAIN.match(name):
            if where == "path":
                raise SkipOperation(f"its path parameter {name!r} is not a plain name")
            continue
        schema = spec.param_schema(p)
        kind, fmt = value_type(spec, schema)
        item: dict[str, Any] = {"name": name}
        column = _column_for(name, kind, columns, last == "{" + name + "}", where == "path")
        if column and column != name:
            item["column"] = column
        elif column is None and name.lower() in {c.lower() for c in columns}:
            item["column"] = _own_column(name, path, where, columns)  # not the records' own
        if where == "path":
            item["location"] = "path"
        elif column:
            item["exact"] = False
        if p.get("required") and where == "query":
            item["required"] = True
        if kind != "string":
            item["type"] = kind
        if fmt and fmt != "iso8601":
            item["format"] = fmt
        if name in defaults and where == "query":
            item["default"] = defaults[name]
        text = " ".join(str(p.get("description") or "").split())
        enum = describe(spec, {**schema, "description": ""})
        text = f"{text} {enum}".strip()
        if text:
            item["description"] = text
        out.append(item)
        flags = [where, kind] + (["required"] if item.get("required") else [])
        if name in defaults:
            flags.append(f"= {defaults[name]}")
        if column:
            flags.append(f"filters {column}")
        shown.append(f"{name} ({', '.join(flags)})")
    return out, shown
