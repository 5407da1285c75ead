"""Bounds on what one query may ask of the engine, checked before any work is done.

- ``check_timeout``: a timeout is a positive, finite number of seconds, at most a week
  (``MAX_TIMEOUT``): ``inf``, ``1e308`` or ``-1`` would otherwise do nothing or fail deep in
  a timer thread.

Each raises ``UsageError`` (exit code 2 on the command line, HTTP 422 on the web API) saying
what was given and what is allowed.
"""

from __future__ import annotations

import math

from distillr.errors import UsageError

__all__ = ["MAX_TIMEOUT", "check_timeout"]

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
