"""Local stand-ins for the APIs distillr reads, for the demo, the tests and the benchmarks.

Each sandbox (``twilio/``, ``jira/``) is an ASGI app over seeded data, served by
:class:`~distillr.sandbox.runner.SandboxServer`. They share fault injection
(:mod:`~distillr.sandbox.faults`), the request log (:mod:`~distillr.sandbox.requestlog`) and
the ASGI plumbing (:mod:`~distillr.sandbox.asgi`). Imports are lazy, so that asking for one
sandbox does not load the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distillr.sandbox.faults import Faults
    from distillr.sandbox.jira import JiraSandbox
    from distillr.sandbox.requestlog import RequestLog
    from distillr.sandbox.twilio import TwilioSandbox

__all__ = ["Faults", "JiraSandbox", "RequestLog", "TwilioSandbox"]

_WHERE = {
    "Faults": "distillr.sandbox.faults",
    "JiraSandbox": "distillr.sandbox.jira",
    "RequestLog": "distillr.sandbox.requestlog",
    "TwilioSandbox": "distillr.sandbox.twilio",
}


def __getattr__(name: str):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'distillr.sandbox' has no attribute {name!r}")
