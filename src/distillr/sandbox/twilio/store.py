"""From an endpoint and its path parameters to the rows it lists.

Hand-made resources (calls, messages, ...) are :class:`Binding` s of a dataset table: path
parameters select rows by column. Every other endpoint gets plausible records built from its
schema, generated on first use for each (account, path parameters) and kept.
"""

from __future__ import annotations

import random
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.errors import not_found
from distillr.sandbox.twilio.filters import PAGING, Filter, build_filters
from distillr.sandbox.twilio.schemagen import Ctx, fake_record, sid_prefix, snake
from distillr.sandbox.twilio.table import Table

#: Placeholder for the request's base URL inside stored absolute URLs (meta products).
BASE_MARK = "https://sandbox-base.invalid"


@dataclass
class Binding:
    table: str
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> column
    fetch_column: str = "sid"
    fixed: dict[str, object] = field(default_factory=dict)  # column -> value every row must have


def fill(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


class Store:
    def __init__(self, dataset, catalog: dict, cache_size: int = 256):
        self.data = dataset
        self.catalog = catalog
        self.products = catalog.get("products", {})
        self._filters: dict[str, dict[str, Filter]] = {}
        self._generic: dict[tuple, Table] = {}
        self._rows: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ filters
    def filters(self, ep: dict) -> dict[str, Filter]:
        key = ep["path"] + "|" + ep["product"]
        if key not in self._filters:
            names = {f["name"] for f in ep.get("fields", [])}
            self._filters[key] = build_filters(ep, names)
        return self._filters[key]

    def filters_declared(self, ep: dict) -> set[str]:
        return {q["name"] for q in ep.get("query_params", [])}

    # ------------------------------------------------------------------ tables
    def table_for(
        self, ep: dict, account: str, params: dict[str, str], query: dict[str, str] | None = None
    ) -> tuple[Table, np.ndarray]:
        """The table behind ``ep`` and the mask of rows its path parameters (and account) select."""
        special = self.data.special_table(ep, account, params, query or {})
        if special is not None:
            return special, np.ones(special.n, dtype=bool)
        binding = self.data.bindings.get((ep["product"], ep["path"]))
        if binding is None:
            table = self._generic_table(ep, account, params)
            return table, np.ones(table.n, dtype=bool)
        table = self.data.tables[binding.table]
        mask = np.ones(table.n, dtype=bool)
        if "account_sid" in table.columns:
            mask &= table.columns["account_sid"].eq_mask(account)
        for p, col in binding.params.items():
            if p == "AccountSid":
                continue
            if p in params:
                mask &= table.columns[col].eq_mask(params[p])
        for col, value in binding.fixed.items():
            mask &= table.columns[col].eq_mask(value)
        return table, mask

    def rows(
        self, ep: dict, account: str, params: dict[str, str], query: list[tuple[str, str]]
    ) -> tuple[Table, np.ndarray, list[tuple[str, str]]]:
        """Selected row numbers (in the API's order) and the filters that applied."""
        with self._lock:  # the app may be driven from several threads (in-process tests)
            return self._rows_unlocked(ep, account, params, query)

    def _rows_unlocked(self, ep, account, params, query):
        filters = self.filters(ep)
        key = (
            ep["product"],
            ep["path"],
            account,
            tuple(sorted(params.items())),
            tuple((k, v) for k, v in query if k not in PAGING),
        )
        hit = self._rows.get(key)
        if hit is not None:
            self._rows.move_to_end(key)
            return hit
        table, base = self.table_for(ep, account, params, dict(query))
        handled = getattr(table, "handled", frozenset())
        echoed = {"Order"} & self.filters_declared(ep)  # not a filter, but the next page needs it
        used = [(k, v) for k, v in query if k in filters or k in handled or k in echoed]
        mask = base
        for k, v in used:
            if k in handled or k not in filters:
                continue
            m = filters[k].mask(table, v)
            if m is not None and len(m) == table.n:
                mask = mask & m
        rows = np.flatnonzero(mask)
        self._rows[key] = (table, rows, used)
        if len(self._rows) > self._cache_size:
            self._rows.popitem(last=False)
        return table, rows, used

    def fetch(self, ep: dict, account: str, params: dict[str, str], path: str) -> tuple[Table, int]:
        with self._lock:
            return self._fetch_unlocked(ep, account, params, path)

    def _fetch_unlocked(self, ep, account, params, path):
        fetch_param = ep.get("fetch_param") or "Sid"
        key = params.get(fetch_param)
        list_params = {k: v for k, v in params.items() if k != fetch_param}
        # in a few paths the fetch parameter also names the parent (``/Flows/{Sid}/Revisions``)
        table, mask = self.table_for(ep, account, list_params)
        binding = self.data.bindings.get((ep["product"], ep["path"]))
        column = binding.fetch_column if binding else self._fetch_column(ep)
        row = table.find(key, column) if key is not None else None
        if row is None or not mask[row]:
            if row is not None or column not in table.columns:
                raise not_found(path)
            hits = np.flatnonzero(mask & (table.columns[column].eq_mask(key)))
            if not len(hits):
                raise not_found(path)
            row = int(hits[0])
        return table, row

    def _fetch_column(self, ep: dict) -> str:
        names = {f["name"] for f in ep.get("fields", [])}
        col = snake(ep.get("fetch_param") or "Sid")
        return col if col in names else "sid"

    # ------------------------------------------------------------------ generic
    def _generic_table(self, ep: dict, account: str, params: dict[str, str]) -> Table:
        key = (ep["product"], ep["path"], account, tuple(sorted(params.items())))
        table = self._generic.get(key)
        if table is None:
            table = self._make_generic(ep, account, params)
            self._generic[key] = table
        return table

    def _parents_exist(self, ep: dict, account: str, params: dict[str, str]) -> bool:
        """False when a path parameter names a parent the sandbox holds no record of (a list under
        an unknown call is empty)."""
        path = ep["path"]
        for name, value in params.items():
            marker = "/{" + name + "}"
            if name == "AccountSid" or marker not in path:
                continue
            parent = path.split(marker)[0] + (".json" if path.endswith(".json") else "")
            binding = self.data.bindings.get((ep["product"], parent))
            if binding is None:
                continue
            table = self.data.tables[binding.table]
            row = table.find(value, binding.fetch_column)
            if row is None:
                return False
            acct = table.columns.get("account_sid")
            if acct is not None and not acct.eq_mask(account)[row]:
                return False
        return True

    def _make_generic(self, ep: dict, account: str, params: dict[str, str]) -> Table:
        seed = self.data.seed
        rng = random.Random(
            V.seed_int(seed, ep["product"], ep["path"], account, sorted(params.items()))
        )
        fields = ep.get("fields") or []
        names = [f["name"] for f in fields]
        nested = len([p for p in ep.get("path_params", []) if p["name"] != "AccountSid"])
        if (
            account != self.data.main.sid and account != self.data.sub.sid
        ) or not self._parents_exist(ep, account, params):
            count = 0
        else:
            count = rng.randrange(0, 5) if nested else rng.randrange(2, 9)
        sid_field = next((f for f in fields if f["name"] == "sid"), None)
        prefix = sid_prefix(sid_field.get("schema") or {}) if sid_field is not None else None
        field_schema = {f["name"]: f.get("schema") or {} for f in fields}
        given = {snake(k): v for k, v in params.items() if k != "AccountSid"}
        given = {k: v for k, v in given.items() if k in names and _fits(v, field_schema[k])}
        prefix_url = self.products.get(ep["product"], {}).get("prefix", "")
        fetch_col = self._fetch_column(ep)
        records = []
        for i in range(count):
            when = self.data.start + rng.randrange(0, (self.data.anchor - self.data.start))
            sid = (
                V.sid(prefix, seed, ep["path"], account, sorted(params.items()), i)
                if prefix
                else None
            )
            ctx = Ctx(rng=rng, account_sid=account, sid=sid, when=when, given=dict(given))
            rec = fake_record(fields, ctx)
            values = dict(params)
            values["AccountSid"] = account
            if ep.get("fetch_path") and rec.get(fetch_col) is not None:
                values[ep.get("fetch_param") or "Sid"] = str(rec[fetch_col])
                target = ep["fetch_path"]
            else:
                target = ep["path"]
            if "uri" in rec and isinstance(rec["uri"], str):
                rec["uri"] = fill(target, values)
            if "url" in rec and isinstance(rec["url"], str):
                rec["url"] = BASE_MARK + prefix_url + fill(target, values)
            records.append(rec)
        # newest first where records have a creation date, as most Twilio lists are
        for k in ("date_created", "date_updated"):
            if k in names:
                records.sort(key=lambda r: _sort_key(r.get(k)), reverse=True)
                break
        return Table.from_records(f"{ep['product']}:{ep['path']}", records, names)


def _fits(value: str, schema: dict) -> bool:
    pattern = schema.get("pattern")
    if schema.get("type") not in (None, "string"):
        return False
    try:
        return not pattern or re.search(pattern, value) is not None
    except re.error:
        return True


def _sort_key(v) -> str:
    if not isinstance(v, str):
        return ""
    try:
        if "," in v:
            return parsedate_to_datetime(v).isoformat()
    except (TypeError, ValueError):
        pass
    return v
