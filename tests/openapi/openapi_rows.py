"""Rows compared whatever the column order, the null-versus-absent spelling of fields and the
typing (a spec's text ``"1"`` against a typed connector's ``1``)."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")


def _number(text: str) -> str:
    return format(Decimal(text).normalize(), "f")


def plain(value):
    """A value in a canonical spelling: nulls (and empty maps, which a typed connector may
    spell as empty lists of pairs) dropped from mappings, times as UTC ISO text,
    JSON text parsed, ISO 8601 text as a time (a schema says ``date-time``, inference
    may keep text), numbers (and numeric text: the spec says ``"1"``, a typed connector
    says ``1``) as normalised decimal text, a map's ``(key, value)`` pairs as a mapping."""
    if isinstance(value, dict):
        kept = {k: plain(v) for k, v in value.items() if k != "_extra"}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list) and value and all(isinstance(v, tuple) for v in value):
        return plain(dict(value))
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _number(str(value))
    if isinstance(value, str) and _TIME.match(value):
        return plain(dt.datetime.fromisoformat(value))
    if isinstance(value, str) and _NUMERIC.match(value):
        return _number(value)
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return plain(json.loads(value))
        except ValueError:
            return value
    return value


def row_set(result) -> list[str]:
    """A result's rows as sorted canonical JSON texts, each row merged with its ``_extra``."""
    out = []
    for row in result.arrow().to_pylist():
        extra = row.pop("_extra", None)
        if extra:
            row.update(json.loads(extra))
        out.append(json.dumps(plain(row), sort_keys=True, default=str))
    return sorted(out)
