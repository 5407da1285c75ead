"""Bounds on what one query may ask of the engine, checked before any work is done.

- ``check_sql``: the SQL text is at most ``MAX_SQL_BYTES`` (1 MiB) of UTF-8 and nests
  parentheses (subqueries, function calls, grouping) and ``CASE`` at most ``MAX_DEPTH`` (32)
  deep. It runs before sqlglot parses: parsing costs about 4 s per MiB of CPU, and a deeply
  nested text costs far more. A ``SqlError``.
- ``check_timeout``: a timeout is a positive, finite number of seconds, at most a week
  (``MAX_TIMEOUT``): ``inf``, ``1e308`` or ``-1`` would otherwise do nothing or fail deep in
  a timer thread.

``check_timeout`` raises ``UsageError`` (exit code 2 on the command line, HTTP 422 on the
web API) saying what was given and what is allowed.
"""

from __future__ import annotations

import math
import re

from distillr.errors import SqlError, UsageError

__all__ = ["MAX_DEPTH", "MAX_SQL_BYTES", "MAX_TIMEOUT", "check_sql", "check_timeout"]

#: the longest SQL text, in bytes of UTF-8
MAX_SQL_BYTES = 1024 * 1024
#: the deepest nesting of parentheses and CASE in a SQL text
MAX_DEPTH = 32

# what may hold parentheses that do not nest: strings, quoted names, comments
_TOKENS = re.compile(
    r"'(?:[^'\\]|\\.|'')*'?|`[^`]*`?|\"[^\"]*\"?|--[^\n]*|/\*.*?(?:\*/|\Z)"
    r"|[()]|\b(?:case|end)\b",
    re.S | re.I,
)


def check_sql(sql: str) -> None:
    """Refuse a SQL text longer than ``MAX_SQL_BYTES`` or nested deeper than ``MAX_DEPTH``.

    >>> check_sql("SELECT (((1)))")
    >>> check_sql("SELECT " + "(" * 40 + "1" + ")" * 40)
    Traceback (most recent call last):
    ...
    distillr.errors.SqlError: The query nests parentheses or CASE 33 deep; ...
    """
    if len(sql) * 4 > MAX_SQL_BYTES and len(sql.encode("utf-8")) > MAX_SQL_BYTES:
        size = len(sql.encode("utf-8"))
        raise SqlError(
            f"The query is {size:,} bytes long; distillr takes at most {MAX_SQL_BYTES:,} bytes"
            " (1 MiB) of SQL. Filter with fewer literal values, or join a table that holds them."
        )
    if "(" not in sql and "case" not in sql.lower():
        return
    depth = 0
    for m in _TOKENS.finditer(sql):
        token = m.group()
        first = token[0]
        if first == "(" or first in "cC":
            depth += 1
            if depth > MAX_DEPTH:
                raise SqlError(
                    f"The query nests parentheses or CASE {depth} deep; distillr takes at most"
                    f" {MAX_DEPTH} levels. Write it flatter: a CTE (WITH name AS (...)) for a"
                    " nested subquery, IN (...) for a list of values."
                )
        elif first == ")" or first in "eE":
            depth = max(depth - 1, 0)


#: the longest query timeout, in seconds (one week)
MAX_TIMEOUT = 7 * 24 * 3600.0


def check_timeout(value: object, name: str = "timeout") -> float | None:
    """``value`` as a timeout in seconds (None: no timeout), or ``UsageError``.

    >>> check_timeout(30)
    30.0
    >>> check_timeout(float("inf"))
    Traceback (most recent call last):
    ...
    distillr.errors.UsageError: timeout must be a finite number of seconds, not inf.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{name} must be a number of seconds, not {value!r}.")
    seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise UsageError(f"{name} must be a finite number of seconds, not {value!r}.")
    if seconds <= 0:
        raise UsageError(f"{name} must be a positive number of seconds, not {value!r}.")
    if seconds > MAX_TIMEOUT:
        raise UsageError(
            f"{name} is at most {MAX_TIMEOUT:g} seconds (one week), not {value!r}."
            " Leave it out for no timeout."
        )
    return seconds
