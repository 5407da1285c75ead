"""Named data sources, kept in SQLite under ``DISTILLR_HOME`` with their secrets encrypted.

>>> from distillr.registry import Registry
>>> reg = Registry("/tmp/home")                                    # doctest: +SKIP
>>> reg.add("twilio", "my_twilio", {"account_sid": "AC..."},
...         {"auth_token": "..."})                               # doctest: +SKIP
SourceInfo(name='my_twilio', type='twilio', ..., secrets={'auth_token': '****a1b2'}, ...)
"""

from __future__ import annotations

from distillr.registry.store import (
    NAME_HELP,
    NAME_RULE,
    Registry,
    SourceInfo,
    check_name,
    default_home,
    mask,
    scrub,
)

__all__ = [
    "NAME_HELP",
    "NAME_RULE",
    "Registry",
    "SourceInfo",
    "check_name",
    "default_home",
    "mask",
    "scrub",
]
