"""Helpers for the Twilio tests: a session with the connector pointed at a sandbox."""

from __future__ import annotations

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.connectors.twilio import TwilioConnector

#: retries in tests wait a millisecond at most, whatever Retry-After says
FAST_RETRY = RetryPolicy(
    max_retries=8, backoff_base=0.001, backoff_max=0.005, retry_after_max=0.005
)


def twilio_source(sb, **kw):
    kw.setdefault("retry", FAST_RETRY)
    return TwilioConnector(
        "src", account_sid=sb.account_sid, auth_token=sb.auth_token, base_url=sb.base_url, **kw
    )


def session_for(sb, tmp_path, **kw):
    con = distillr.connect(home=str(tmp_path))
    con.register("src", twilio_source(sb, **kw))
    return con


def queries(sb, path_end=None):
    """The query dicts of the logged requests (optionally only paths ending with path_end)."""
    return [
        dict(r["query"]) for r in sb.requests if path_end is None or r["path"].endswith(path_end)
    ]
