"""How Twilio's list endpoints are named as SQL tables.

Rules, in order:

1. The *short path* drops API 2010's ``/2010-04-01/Accounts/{AccountSid}`` and ``.json``, and
   other products' version (``/v1``, ``/v2``): ``/Calls/{CallSid}/Recordings``.
2. The *plain name* is the short path's fixed segments in snake_case, a segment followed by a
   parameter made singular: ``call_recordings``, ``conference_participants``,
   ``message_media``, ``usage_records_daily``, ``sip_domains``.
3. Outside API 2010, ``Services`` is always the product's own: ``messaging_services``,
   ``verify_service_entities``.
4. A plain name two products both produce keeps API 2010's spelling and gives the others their
   product as prefix (``conferences`` vs ``insights_conferences``).
5. Path aliases use ``:Param``: ``/Calls/:CallSid/Recordings``; other products' paths also
   answer with their product first (``/conversations/Conversations/:ConversationSid/Messages``),
   and without it only when no other product has the same path.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

__all__ = ["param_column", "short_path", "snake", "table_names"]

_V2010_PREFIX = re.compile(r"^/2010-04-01(/Accounts/\{AccountSid\})?")
_VERSION = re.compile(r"^/v\d+(?=/)")
#: names the rules would get wrong (API 2010 short path -> table name)
OVERRIDES = {"/AvailablePhoneNumbers": "available_phone_number_countries"}
#: parameters that do not name one of the preceding resource (no singular before them)
_NOT_A_KEY = {"{CountryCode}"}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake(name: str) -> str:
    """``IncomingPhoneNumbers`` -> ``incoming_phone_numbers``; ``SIP`` -> ``sip``.

    >>> snake("AddOnResults"), snake("CallSid"), snake("DateSent<")
    ('add_on_results', 'call_sid', 'date_sent')
    """
    cleaned = re.sub(r"[^0-9A-Za-z_]", "", name.replace(".", "_"))
    return _CAMEL.sub("_", cleaned).lower()


def param_column(param: str) -> str:
    """The column a path or query parameter binds: ``CallSid`` -> ``call_sid``."""
    return snake(param)


def singular(word: str) -> str:
    """Naive English singular, enough for Twilio's resource names.

    >>> [singular(w) for w in ("calls", "addresses", "entities", "services", "media", "sip")]
    ['call', 'address', 'entity', 'service', 'media', 'sip']
    """
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def short_path(endpoint: dict[str, Any]) -> str:
    """``/2010-04-01/Accounts/{AccountSid}/Calls.json`` -> ``/Calls``."""
    path = endpoint["path"]
    if endpoint["product"] == "api":
        path = _V2010_PREFIX.sub("", path)
        if path.endswith(".json"):
            path = path[: -len(".json")]
        return path or "/Accounts"
    return _VERSION.sub("", path)


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _plain_name(endpoint: dict[str, Any]) -> str:
    if endpoint["product"] == "api" and short_path(endpoint) in OVERRIDES:
        return OVERRIDES[short_path(endpoint)]
    segs = _segments(short_path(endpoint))
    words: list[str] = []
    for i, seg in enumerate(segs):
        if seg.startswith("{"):
            continue
        word = snake(seg)
        followed_by_param = (
            i + 1 < len(segs) and segs[i + 1].startswith("{") and segs[i + 1] not in _NOT_A_KEY
        )
        if followed_by_param:
            word = singular(word)
        if endpoint["product"] != "api" and seg == "Services":
            word = f"{endpoint['product']}_{word}"
        words.append(word)
    return "_".join(words)


def colon_path(path: str) -> str:
    """``/Calls/{CallSid}/Recordings`` -> ``/Calls/:CallSid/Recordings``."""
    return re.sub(r"\{([^}]+)\}", r":\1", path)


def table_names(endpoints: Sequence[dict[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
    """Per endpoint (same order): its table name and its path aliases."""
    plains = [_plain_name(e) for e in endpoints]
    counts = Counter(plains)
    products_by_plain: dict[str, set[str]] = defaultdict(set)
    for e, p in zip(endpoints, plains, strict=True):
        products_by_plain[p].add(e["product"])
    names: list[str] = []
    for e, p in zip(endpoints, plains, strict=True):
        if counts[p] > 1 and not (
            e["product"] == "api"
            and "api" in products_by_plain[p]
            and _api_count(endpoints, plains, p) == 1
        ):
            prefix = "" if e["product"] == "api" else f"{e['product']}_"
            name = prefix + p if not p.startswith(prefix) else p
        else:
            name = p
        names.append(name)
    # anything still clashing (the same product twice) gets a numeric suffix, deterministically
    seen: Counter[str] = Counter()
    final: list[str] = []
    for n in names:
        seen[n] += 1
        final.append(n if seen[n] == 1 else f"{n}_{seen[n]}")

    shorts = [short_path(e) for e in endpoints]
    short_counts = Counter(shorts)
    out: list[tuple[str, tuple[str, ...]]] = []
    for e, name, short in zip(endpoints, final, shorts, strict=True):
        aliases: list[str] = []
        colon = colon_path(short)
        if e["product"] == "api":
            aliases.append(colon)
        else:
            aliases.append(f"/{e['product']}{colon}")
            if short_counts[short] == 1:
                aliases.append(colon)
        out.append((name, tuple(a for a in aliases if a.lower() != name.lower())))
    # a path alias must not shadow another table's path (API 2010 wins)
    taken: dict[str, int] = {}
    for i, (_, aliases) in enumerate(out):
        for a in aliases:
            taken.setdefault(a.lower(), i)
    return [
        (name, tuple(a for a in aliases if taken[a.lower()] == i))
        for i, (name, aliases) in enumerate(out)
    ]


def _api_count(endpoints: Sequence[dict[str, Any]], plains: list[str], plain: str) -> int:
    return sum(
        1 for e, p in zip(endpoints, plains, strict=True) if p == plain and e["product"] == "api"
    )
