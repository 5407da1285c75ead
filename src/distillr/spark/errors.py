"""distillr's own errors out of Spark's: a failure inside the data source (planned in a Python
worker, read on the executors) reaches the driver as a ``PySparkException`` whose text holds the
Python traceback of the distillr error it started as. :func:`unwrapped` raises that error again,
with its class and message and without the traceback or the Java stack.

>>> text = (
...     "[PYTHON_DATA_SOURCE_ERROR] Failed: Traceback (most recent call last):\\n"
...     '  File "x.py", line 1, in f\\n'
...     "distillr.errors.CatalogError: Unknown source 'nope'. Add one.\\n SQLSTATE: 38000"
... )
>>> err = from_text(text)
>>> type(err).__name__, str(err)
('CatalogError', "Unknown source 'nope'. Add one.")
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from distillr import errors
from distillr.errors import DistillrError, QueryCancelled

__all__ = ["from_text", "unwrapped"]

#: ``distillr.errors.Name: message``, the last line of a Python traceback
_RAISED = re.compile(r"distillr\.errors\.(\w+): (.*?)(?:\n(?! )|\n? SQLSTATE|\Z)", re.S)
#: how Spark says a job was cancelled (a job group cancelled, a task killed)
_CANCELLED = re.compile(r"cancelled|TaskKilled|interrupted", re.I)


def from_text(text: str) -> DistillrError | None:
    """The distillr error a Spark error's text reports (the innermost), or ``None``."""
    found = _RAISED.findall(text)
    if not found:
        return None
    name, message = found[-1]
    message = message.strip()
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, DistillrError)):
        cls = DistillrError
    try:
        return cls(message)  # only the message: its details (status, table...) stay unknown
    except TypeError:  # a class that needs more than a message
        return DistillrError(message)


@contextmanager
def unwrapped(cancelled: str | None = None) -> Iterator[None]:
    """Raise a Spark error that started as a distillr error as that error. Any other Spark
    error becomes a ``DistillrError`` with Spark's first line (``QueryCancelled`` with the
    reason ``cancelled`` gives, when Spark reports a cancelled job)."""
    try:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException
    except ModuleNotFoundError:  # no PySpark: nothing of Spark's to unwrap
        yield
        return
    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        text = str(exc)
        err = from_text(text)
        if err is not None:
            raise err from None
        if cancelled is not None and _CANCELLED.search(text):
            raise QueryCancelled(cancelled) from None
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise DistillrError(f"Spark failed: {first}") from None
