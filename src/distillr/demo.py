"""The demo: a local Twilio sandbox, a fresh data source pointing at it, sample queries.

>>> with demo_environment() as env:                     # doctest: +SKIP
...     env.session.sql("SELECT * FROM demo_twilio.calls LIMIT 5").df()

The registry lives in a temporary folder unless ``home`` is given, so a user's own data
sources are never touched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE = "demo_twilio"


@dataclass
class DemoEnvironment:
    sandbox: Any
    home: Path
    source: str
    session: Any
    temporary: bool


@contextmanager
def demo_environment(
    home: str | Path | None = None,
    *,
    seed: int = 42,
    scale: str = "small",
    source: str = SOURCE,
) -> Iterator[DemoEnvironment]:
    """Start the sandbox, save ``source`` against it (credentials checked), open a session."""
    import distillr
    from distillr.registry import Registry
    from distillr.sandbox import TwilioSandbox

    with ExitStack() as stack:
        sandbox = stack.enter_context(TwilioSandbox(seed=seed, scale=scale))
        temporary = home is None
        if temporary:
            home = stack.enter_context(tempfile.TemporaryDirectory(prefix="distillr-demo-"))
        home = Path(home)
        reg = Registry(home)
        if source in reg.sources():
            reg.remove(source)  # an earlier demo's source points at a sandbox that is gone
        reg.add(
            "twilio",
            source,
            {"account_sid": sandbox.account_sid, "base_url": sandbox.base_url},
            {"auth_token": sandbox.auth_token},
            verify=True,
        )
        session = distillr.connect(str(home))
        stack.callback(getattr(session, "close", lambda: None))
        yield DemoEnvironment(sandbox, home, source, session, temporary)
