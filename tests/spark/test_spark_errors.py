"""Reading distillr's error out of the text of a Spark error (no Spark needed): its class and
message, never the Python traceback or the Java stack around it."""

from __future__ import annotations

import pytest

from distillr.errors import CatalogError, ConfigError, DistillrError, SourceError
from distillr.spark.errors import from_text

ANALYSIS = (
    "[PYTHON_DATA_SOURCE_ERROR] Failed to create Python data source instance: Traceback (most"
    ' recent call last):\n  File "/x/source.py", line 72, in __init__\n    raise CatalogError(\n'
    "distillr.errors.CatalogError: Unknown source 'nope'. Add one with `distillr source add`.\n"
    " SQLSTATE: 38000"
)
EXECUTOR = (
    "An exception was thrown from the Python worker. Please see the stack trace below.\n"
    "Traceback (most recent call last):\n"
    '  File "/x/definition.py", line 78, in secrets\n'
    "distillr.errors.ConfigError: Source 's' needs its secret 'auth_token' here: set X.\n"
    "\n\tat org.apache.spark.api.python.BasePythonRunner.handlePythonException(Runner.scala:1)"
)


@pytest.mark.parametrize(
    ("text", "cls", "message"),
    [
        (ANALYSIS, CatalogError, "Unknown source 'nope'. Add one with `distillr source add`."),
        (EXECUTOR, ConfigError, "Source 's' needs its secret 'auth_token' here: set X."),
        ("\ndistillr.errors.SourceError: HTTP 503 from /x.\n", SourceError, "HTTP 503 from /x."),
        ("\ndistillr.errors.NoSuchError: odd.\n", DistillrError, "odd."),
    ],
)
def test_the_error_and_its_message_only(text, cls, message):
    err = from_text(text)
    assert type(err) is cls and str(err) == message


def test_the_innermost_error_wins_and_other_text_is_none():
    text = "distillr.errors.SqlError: outer\nduring it:\ndistillr.errors.CatalogError: inner\n"
    assert isinstance(from_text(text), CatalogError)
    assert from_text("java.lang.OutOfMemoryError: Java heap space") is None
