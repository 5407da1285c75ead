"""From a builder's records or columns to a stored table with every field of its schema.

Fields a builder does not give get a plausible value from the schema (NULL where the schema says
nullable), drawn from a stream named after the table, so a table's filled values do not depend on
which other tables exist. Epoch seconds in a date field become that field's date format.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.schemagen import Ctx, fake_value
from distillr.sandbox.twilio.store import BASE_MARK, Binding
from distillr.sandbox.twilio.table import Column, Const, Derived, Table, Times, Values

API = "/2010-04-01"
#: The path parameter of every API 2010 list, and the column it selects rows by.
ACCOUNT = {"AccountSid": "account_sid"}
_MISSING = object()
_TIME_STYLES = {"date-time-rfc-2822": "rfc2822", "date-time": "iso", "date": "date"}


def api_path(resource: str) -> str:
    """The catalog path of an API 2010 resource of an account: ``api_path("Calls.json")``."""
    return f"{API}/Accounts/{{AccountSid}}/{resource}"


def api_uri(account: str, *parts: str) -> str:
    """A record's ``uri``: ``/2010-04-01/Accounts/{account}/{parts...}.json``."""
    return f"{API}/Accounts/{account}/" + "/".join(parts) + ".json"


def product_url(product: str, path: str) -> str:
    """A newer product's absolute ``url``; the app puts the request's base URL in place of
    ``BASE_MARK``."""
    return f"{BASE_MARK}/{product}{path}"


def bind_api(ds, resource: str, table: str, *, fetch_column: str = "sid", **params: str) -> None:
    """Serve the account's ``resource`` (see :func:`api_path`) from ``table``; ``params`` maps
    further path parameters to the columns they select rows by."""
    ds.bindings[("api", api_path(resource))] = Binding(table, {**ACCOUNT, **params}, fetch_column)


def bind_view(
    ds,
    product: str,
    path: str,
    name: str,
    base: str,
    params: dict[str, str],
    fixed: dict[str, object] | None = None,
) -> None:
    """Serve ``path`` (when the catalog has it) from ``base``'s rows (those with the ``fixed``
    column values) shown with the endpoint's own schema, as table ``name``."""
    ep = ds.endpoint(product, path)
    if ep:
        view(ds, name, base, ep["record_schema"])
        ds.bindings[(product, path)] = Binding(name, dict(params), fixed=dict(fixed or {}))


def _filled(name: str, schema: dict, ctx: Ctx, n: int) -> Const:
    """A field no builder gave: NULL where nullable, else one plausible value for every row."""
    return Const(None if schema.get("nullable") else fake_value(name, schema, ctx), n)


def from_columns(ds, name: str, schema_name: str, n: int, cols: dict[str, Column]) -> Table:
    """Store table ``name`` of ``n`` rows: ``cols`` in the schema's field order, the remaining
    fields filled, and the helper columns filters use (not fields) kept after them."""
    fields = ds.fields(schema_name)
    ctx = Ctx(rng=random.Random(V.seed_int(ds.seed, name)), account_sid=ds.main.sid, when=ds.start)
    ordered: dict[str, Column] = {}
    for f in fields:
        fname = f["name"]
        ordered[fname] = (
            cols[fname] if fname in cols else _filled(fname, f.get("schema") or {}, ctx, n)
        )
    for k, c in cols.items():
        ordered.setdefault(k, c)
    return _store(ds, Table(name, n, ordered, [f["name"] for f in fields]), schema_name)


def from_records(ds, name: str, schema_name: str, recs: list[dict]) -> Table:
    """Store table ``name`` of ``recs``: given values win, epoch seconds in date fields become
    dates, and every other field gets a plausible value from its schema (per record: its account,
    SID and ``_when``)."""
    fields = ds.fields(schema_name)
    rng = random.Random(V.seed_int(ds.seed, "fill", name, ""))
    cols: dict[str, Column] = {}
    n = len(recs)
    for f in fields:
        fname, fs = f["name"], f.get("schema") or {}
        vals = [r.get(fname, _MISSING) for r in recs]
        style = _TIME_STYLES.get(fs.get("format"))
        given = [v for v in vals if v is not _MISSING and v is not None]
        if style and given and all(isinstance(v, (int, np.integer)) for v in given):
            secs = [V.NULL_TIME if (v is _MISSING or v is None) else int(v) for v in vals]
            cols[fname] = Times(np.array(secs, dtype=np.int64), style)
        elif not given and all(v is _MISSING for v in vals) and n > 2000:
            cols[fname] = _filled(
                fname, fs, Ctx(rng=rng, account_sid=ds.main.sid, when=ds.start), n
            )
        else:
            cols[fname] = Values(_fill_missing(ds, rng, fname, fs, recs, vals))
    return _store(ds, Table(name, n, cols, [f["name"] for f in fields]), schema_name)


def _fill_missing(ds, rng, fname: str, fs: dict, recs: list[dict], vals: list) -> list:
    out = []
    for r, v in zip(recs, vals):
        if v is _MISSING:
            ctx = Ctx(
                rng=rng,
                account_sid=r.get("account_sid") or ds.main.sid,
                sid=r.get("sid"),
                when=int(r.get("_when", ds.start)),
            )
            v = fake_value(fname, fs, ctx)
        out.append(v)
    typ = fs.get("type")
    if (typ in ("number", "integer") and any(isinstance(v, str) for v in out)) or (
        typ == "string"
        and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in out)
    ):
        out = [coerce(v, fs) for v in out]
    return out


def view(ds, name: str, base: str, schema_name: str) -> Table:
    """The rows of table ``base`` shown with another schema's fields (e.g. a call's recordings)."""
    src = ds.tables[base]
    fields = ds.fields(schema_name)
    cols = dict(src.columns)
    base_types = {
        f["name"]: (f.get("schema") or {}).get("type") for f in ds.fields(src.schema_name)
    }
    for f in fields:
        fs = f.get("schema") or {}
        if (
            f["name"] in cols
            and fs.get("type") != base_types.get(f["name"])
            and not isinstance(cols[f["name"]], (Times, Derived))
        ):
            cols[f["name"]] = Cast(cols[f["name"]], fs)
    ctx = Ctx(
        rng=random.Random(V.seed_int(ds.seed, "view", name)), account_sid=ds.main.sid, when=ds.start
    )
    for f in fields:
        if f["name"] not in cols:
            cols[f["name"]] = _filled(f["name"], f.get("schema") or {}, ctx, src.n)
    return _store(ds, Table(name, src.n, cols, [f["name"] for f in fields]), schema_name)


def _store(ds, table: Table, schema_name: str) -> Table:
    table.schema_name = schema_name
    ds.tables[table.name] = table
    return table


def coerce(value: Any, schema: dict) -> Any:
    """``value`` in the JSON type ``schema`` asks for (one resource's ``price`` is a string in one
    schema and a number in another)."""
    if value is None:
        return None
    typ = schema.get("type")
    try:
        if typ == "number" and isinstance(value, str):
            return float(value)
        if typ == "integer" and isinstance(value, str):
            return int(value)
        if typ == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
    except ValueError:
        return value
    return value


class Cast(Column):
    """Another column's values coerced to a schema's type."""

    def __init__(self, inner: Column, schema: dict):
        self.inner = inner
        self.schema = schema

    def take(self, idx):
        return [coerce(v, self.schema) for v in self.inner.take(idx)]

    def eq_mask(self, value):
        return self.inner.eq_mask(value)
