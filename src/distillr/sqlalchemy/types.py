"""DuckDB type names (as ``DESCRIBE`` shows them) as SQLAlchemy types.

>>> type_of("DECIMAL(38,10)")
Numeric(precision=38, scale=10)
>>> type_of("TIMESTAMP WITH TIME ZONE")
DateTime(timezone=True)
"""

from __future__ import annotations

import re

from sqlalchemy import types as sat

__all__ = ["type_of"]

_SIMPLE: dict[str, sat.TypeEngine] = {
    "VARCHAR": sat.String(),
    "BOOLEAN": sat.Boolean(),
    "TINYINT": sat.SmallInteger(),
    "SMALLINT": sat.SmallInteger(),
    "INTEGER": sat.Integer(),
    "BIGINT": sat.BigInteger(),
    "UTINYINT": sat.SmallInteger(),
    "USMALLINT": sat.Integer(),
    "UINTEGER": sat.BigInteger(),
    "UBIGINT": sat.Numeric(20, 0),
    "HUGEINT": sat.Numeric(38, 0),
    "FLOAT": sat.Float(),
    "DOUBLE": sat.Float(),
    "DATE": sat.Date(),
    "TIME": sat.Time(),
    "TIMESTAMP": sat.DateTime(),
    "TIMESTAMP WITH TIME ZONE": sat.DateTime(timezone=True),
    "INTERVAL": sat.Interval(),
    "BLOB": sat.LargeBinary(),
    "UUID": sat.Uuid(),
    "JSON": sat.JSON(),
}

_DECIMAL = re.compile(r"DECIMAL\((\d+),\s*(\d+)\)")


def type_of(name: str) -> sat.TypeEngine:
    """The SQLAlchemy type of a DuckDB type name; nested types (structs, lists, maps) are
    JSON, anything unknown is ``NullType``."""
    upper = name.strip().upper()
    if upper in _SIMPLE:
        return _SIMPLE[upper]
    m = _DECIMAL.fullmatch(upper)
    if m:
        return sat.Numeric(int(m.group(1)), int(m.group(2)))
    if upper.startswith(("STRUCT", "MAP", "UNION")) or upper.endswith("]"):
        return sat.JSON()
    if upper.startswith("TIMESTAMP"):
        return sat.DateTime(timezone="TIME ZONE" in upper)
    return sat.NullType()
