"""URL routing: every catalog list endpoint and its fetch endpoint, on one port.

API 2010 paths are served as they are (``/2010-04-01/...``); every other product under its prefix
(``/messaging/v1/...``). A literal path segment wins over a parameter, so
``/Usage/Records/Daily.json`` never reads as a fetch of record ``Daily``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r"\{([A-Za-z0-9_]+)\}")


@dataclass
class Route:
    kind: str  # "list" | "fetch" | "balance"
    endpoint: dict | None
    template: str
    segments: list
    score: tuple


def compile_template(template: str) -> list[tuple[str, str | None, str]]:
    """Per path segment: (prefix, parameter name or None, suffix); a literal has no parameter."""
    out = []
    for seg in template.strip("/").split("/"):
        m = _PARAM.search(seg)
        if m is None:
            out.append((seg, None, ""))
        else:
            out.append((seg[: m.start()], m.group(1), seg[m.end() :]))
    return out


def _match(segs: list[tuple[str, str | None, str]], parts: list[str]) -> dict[str, str] | None:
    if len(segs) != len(parts):
        return None
    got: dict[str, str] = {}
    for (pre, name, suf), part in zip(segs, parts):
        if name is None:
            if part != pre:
                return None
            continue
        if len(part) <= len(pre) + len(suf) or not part.startswith(pre) or not part.endswith(suf):
            return None
        got[name] = part[len(pre) : len(part) - len(suf)]
    return got


def _score(template: str) -> tuple:
    segs = template.strip("/").split("/")
    literal = sum(1 for s in segs if "{" not in s)
    return (-len(segs), -literal)


class Router:
    def __init__(self, catalog: dict):
        products = catalog.get("products", {})
        self.routes: list[Route] = []
        seen: set[str] = set()

        def add(kind: str, endpoint: dict | None, template: str) -> None:
            if template in seen:
                return
            seen.add(template)
            self.routes.append(
                Route(kind, endpoint, template, compile_template(template), _score(template))
            )

        for ep in catalog["endpoints"]:
            prefix = products.get(ep["product"], {}).get("prefix", "")
            add("list", ep, prefix + ep["path"])
        for ep in catalog["endpoints"]:
            if ep.get("fetch_path"):
                prefix = products.get(ep["product"], {}).get("prefix", "")
                add("fetch", ep, prefix + ep["fetch_path"])
        add("balance", None, "/2010-04-01/Accounts/{AccountSid}/Balance.json")
        self.routes.sort(key=lambda r: r.score)
        # first segment -> candidate routes, to keep matching cheap
        self._by_head: dict[str, list[Route]] = {}
        for r in self.routes:
            head = r.template.strip("/").split("/")[0]
            self._by_head.setdefault(head, []).append(r)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = path.strip("/").split("/")
        for r in self._by_head.get(parts[0], ()):
            got = _match(r.segments, parts)
            if got is not None:
                return r, got
        return None
