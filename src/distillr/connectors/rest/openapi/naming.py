"""Table names for imported operations, the same every time.

1. The *short path* drops the leading segments up to the last version-like one (``v1``,
   ``1.0``, ``3``, ``2010-04-01``, ``latest``), a file extension (``.json``) and leading
   ``Collection/{param}`` pairs whose parameter has a value for the whole source (Twilio's
   ``Accounts/{AccountSid}`` once ``AccountSid`` is given):
   ``/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json`` is
   ``/Calls/{CallSid}/Recordings``; its ``:param`` form is the table's alias.
2. The *plain name* is the short path's fixed segments in snake_case, a segment followed by
   a parameter made singular, and ``_by_<param>`` for a path ending in a parameter (the
   segment's own name dropped from it): ``call_recordings``, ``board_epic``, ``board_by_id``,
   ``call_by_sid``.
3. Clashes go by path order: the operation whose path sorts first keeps the name (or alias),
   the next ones get ``_2``, ``_3`` (and answer to their whole path).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["EXT", "assign", "plain_name", "short_path", "singular", "snake"]

_VERSION = re.compile(r"^(v\d+(\.\d+)*|\d+(\.\d+)*|\d{4}-\d{2}-\d{2}|latest)$", re.IGNORECASE)
EXT = re.compile(r"\.(json|xml|csv|yaml)$", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PARAM = re.compile(r"^\{([^{}]+)\}$")


def snake(name: str) -> str:
    """``IncomingPhoneNumbers`` -> ``incoming_phone_numbers``.

    >>> snake("AddOnResults"), snake("boardId"), snake("project-search")
    ('add_on_results', 'board_id', 'project_search')
    """
    cleaned = re.sub(r"[^0-9A-Za-z]+", "_", _CAMEL.sub("_", name))
    return re.sub(r"_+", "_", cleaned).strip("_").lower()


def singular(word: str) -> str:
    """A naive English singular.

    >>> [singular(w) for w in ("calls", "addresses", "entities", "media", "status")]
    ['call', 'address', 'entity', 'media', 'status']
    """
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def short_path(path: str, fixed: Iterable[str] = ()) -> str:
    """The path a user would write (see the module's rules).

    >>> short_path("/2010-04-01/Accounts/{AccountSid}/Calls.json", {"AccountSid"})
    '/Calls'
    >>> short_path("/rest/agile/1.0/board/{boardId}")
    '/board/{boardId}'
    """
    fixed = set(fixed)
    parts = [p for p in path.split("/") if p]
    if parts:
        parts[-1] = EXT.sub("", parts[-1])
    last_version = -1
    for i, part in enumerate(parts):
        if _PARAM.match(part):
            break
        if _VERSION.match(part):
            last_version = i
    parts = parts[last_version + 1 :]
    while len(parts) > 2 and _fixed_param(parts[1], fixed) and not _PARAM.match(parts[0]):
        parts = parts[2:]
    return "/" + "/".join(parts) if parts else path


def _fixed_param(part: str, fixed: set[str]) -> bool:
    m = _PARAM.match(part)
    return bool(m) and m.group(1) in fixed


def plain_name(short: str) -> str:
    """The snake_case table name of a short path.

    >>> plain_name("/Calls/{CallSid}/Recordings"), plain_name("/board/{boardId}")
    ('call_recordings', 'board_by_id')
    """
    parts = [p for p in short.split("/") if p]
    words: list[str] = []
    for i, part in enumerate(parts):
        m = _PARAM.match(part)
        if m:
            if i == len(parts) - 1:
                param = snake(m.group(1))
                before = words[-1] if words else ""
                if before and param.startswith(before + "_"):
                    param = param[len(before) + 1 :]
                words.append("by_" + param)
            continue
        word = snake(part)
        if not word:
            continue
        nxt = parts[i + 1] if i + 1 < len(parts) else ""
        words.append(singular(word) if _PARAM.match(nxt) else word)
    name = "_".join(w for w in words if w) or "root"
    return name if not name[0].isdigit() else "t_" + name


def assign(wanted: Sequence[tuple[str, str, str, str]]) -> dict[str, tuple[str, str | None]]:
    """``(key, full, short, name)`` per table (``full`` and ``short``: its whole and short
    ``:param`` paths; ``name``: the name it wants) -> key: (the name it gets, the short alias
    it keeps or ``None``). ``key`` breaks ties (``GET /path``)."""
    out: dict[str, tuple[str, str | None]] = {}
    taken: set[str] = set()
    aliases = {w[1].lower() for w in wanted}
    for key, full, short, name in sorted(wanted, key=lambda w: (w[2].lower(), w[0])):
        final, n = name, 2
        while final.lower() in taken:
            final, n = f"{name}_{n}", n + 1
        taken.add(final.lower())
        alias = None
        if short.lower() == full.lower() or short.lower() not in aliases:
            alias = short
            aliases.add(short.lower())
        out[key] = (final, alias)
    return out
