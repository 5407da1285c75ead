"""URL routing: every catalog list endpoint and its fetch endpoint, on one port.

API 2010 paths are served as they are (``/2010-04-01/...``); every other product under its prefix
(``/messaging/v1/...``). A literal path segment wins over a parameter, so ``/Usage/Records/Daily.json``
never reads as a fetch of record ``Daily``.
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
    regex: re.Pattern
    params: list[str]
    score: tuple


def compile_template(template: str) -> tuple[re.Pattern, list[str]]:
    names: list[str] = []
    out = []
    pos = 0
    for m in _PARAM.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        out.append(r"([^/]+?)")
        names.append(m.group(1))
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("^" + "".join(out) + "$"), names


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
            regex, names = compile_template(template)
            self.routes.append(Route(kind, endpoint, template, regex, names, _score(template)))

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
        head = path.strip("/").split("/")[0]
        for r in self._by_head.get(head, ()):
            m = r.regex.match(path)
            if m:
                return r, dict(zip(r.params, m.groups()))
        return None
