"""PEP 249 type objects and constructors.

A column's ``type_code`` in ``cursor.description`` is its DuckDB type name (``VARCHAR``,
``BIGINT``, ``TIMESTAMP WITH TIME ZONE`` ...), the names ``DESCRIBE`` shows. The type objects
compare equal to the codes of their kind: ``description[0][1] == NUMBER``.
"""

from __future__ import annotations

import datetime as dt
import time

import pyarrow as pa

__all__ = [
    "BINARY",
    "DATETIME",
    "NUMBER",
    "ROWID",
    "STRING",
    "Binary",
    "Date",
    "DateFromTicks",
    "Time",
    "TimeFromTicks",
    "Timestamp",
    "TimestampFromTicks",
    "type_codes",
]


class TypeObject:
    """Equal to every ``type_code`` of one kind (PEP 249's type objects)."""

    def __init__(self, name: str, test) -> None:
        self.name, self._test = name, test

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TypeObject):
            return other is self
        return isinstance(other, str) and self._test(other.upper())

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"<distillr.dbapi.{self.name}>"


_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
STRING = TypeObject("STRING", lambda code: code in ("VARCHAR", "JSON", "UUID"))
BINARY = TypeObject("BINARY", lambda code: code == "BLOB")
NUMBER = TypeObject(
    "NUMBER", lambda code: code.startswith(_NUMBERS) or (code.startswith("U") and "INT" in code)
)
DATETIME = TypeObject(
    "DATETIME", lambda code: code.startswith(("TIMESTAMP", "DATE", "TIME", "INTERVAL"))
)
ROWID = TypeObject("ROWID", lambda code: False)

Date = dt.date
Time = dt.time
Timestamp = dt.datetime
Binary = bytes


def DateFromTicks(ticks: float) -> dt.date:
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks: float) -> dt.time:
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks: float) -> dt.datetime:
    return Timestamp(*time.localtime(ticks)[:6])


def type_codes(schema: pa.Schema) -> list[str]:
    """The DuckDB type name of each field of ``schema``."""
    from distillr.session import duckdb_type_names

    return duckdb_type_names([f.type for f in schema])
