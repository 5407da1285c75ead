"""Twilio's list endpoints as SQL tables, derived from the shipped catalog.

Per endpoint this builds the :class:`~distillr.connectors.base.TableDef` the engine sees and a
:class:`TwilioTable` holding what the connector needs to call the API: the path, its
parameters, how each pushable column maps to a query parameter, and the record converter.

Columns, in order: the record's fields as Twilio names them (typed by
:mod:`~distillr.connectors.twilio.values`), then ``account_sid`` and path-parameter columns the
records lack (filled from the request), then *virtual* columns for API spellings
(``CallSid`` -> ``call_sid``, ``FriendlyName`` -> ``friendly_name``, ``DateSent`` -> the UTC day
of ``date_sent``).

Pushdown, per column:

- path parameters and ``account_sid`` (API 2010): ``eq`` exact (``in`` fans out);
- a query parameter ``X`` with a field ``x``: ``eq`` (exact only for parameters known to match
  exactly, see :data:`EXACT_PARAMS`);
- a date triple ``X``/``X<``/``X>`` on a timestamp field: comparisons on the field are pushed
  widened to whole UTC days (inexact); on the virtual day column ``X``, ``=``, ``>=`` and ``>``
  are exact and ``<``/``<=`` inexact (Twilio's upper bound is inclusive on some resources and
  exclusive on others, so distillr always asks for a superset);
- a few other products' date ranges (:data:`RANGE_PAIRS`), widened the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import pyarrow as pa

from distillr.catalogs import load as load_catalog
from distillr.connectors.arrow import BatchBuilder, FieldSpec
from distillr.connectors.base import Column, TableDef
from distillr.connectors.pages import PageDecoder
from distillr.connectors.twilio.naming import param_column, short_path, table_names
from distillr.connectors.twilio.values import field_spec, typed_strings

__all__ = [
    "EXACT_PARAMS",
    "RANGE_PAIRS",
    "RangeFilter",
    "TwilioTable",
    "table_index",
    "table_names_only",
    "twilio_table_at",
    "twilio_tables",
]

#: query parameters Twilio applies as exact equality (others, such as ``PhoneNumber`` or
#: ``FriendlyName``, may match partially, so they are pushed but marked inexact)
EXACT_PARAMS = frozenset(
    {
        "to",
        "from",
        "status",
        "parentcallsid",
        "callsid",
        "conferencesid",
        "category",
        "loglevel",
        "muted",
        "hold",
        "coaching",
        "log",
        "state",
        "identity",
        "bindingtype",
        "type",
        "eventtype",
        "actorsid",
        "resourcesid",
        "channel",
        "country",
        "verifyservicesid",
        "verificationsid",
        "factorsid",
        "tollfreephonenumbersid",
        "isocountrycode",
        "edge",
        "direction",
        "roomtype",
        "participantsid",
        "label",
        "recurring",
        "triggerby",
        "usagecategory",
        "vettingprovider",
        "issuer",
        "address",
    }
)

#: other products' date ranges: (product, short path) -> (column, lower param, upper param,
#: wire format: "date" for YYYY-MM-DD, "datetime" for ISO 8601 instants)
RANGE_PAIRS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("monitor", "/Alerts"): ("date_generated", "StartDate", "EndDate", "datetime"),
    ("monitor", "/Events"): ("event_date", "StartDate", "EndDate", "datetime"),
    ("studio", "/Flows/{FlowSid}/Executions"): (
        "date_created",
        "DateCreatedFrom",
        "DateCreatedTo",
        "datetime",
    ),
    ("insights", "/Video/Rooms"): ("create_time", "CreatedAfter", "CreatedBefore", "datetime"),
}

_DATE_FORMATS = ("timestamp_rfc", "timestamp_iso")
_SKIP_PARAMS = {"pagesize", "page", "pagetoken"}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED = frozenset(
    {
        "from",
        "to",
        "order",
        "end",
        "start",
        "date",
        "time",
        "group",
        "user",
        "type",
        "key",
        "status",
        "log",
        "state",
        "label",
        "direction",
    }
)


@dataclass(frozen=True)
class RangeFilter:
    """How comparisons on one timestamp column travel to the API.

    ``triple`` filters have the wire names ``X`` (that UTC day), ``X>`` (on or after) and
    ``X<``; pairs have a lower and an upper parameter.
    """

    column: str
    day_column: str | None
    eq_param: str | None
    lower_param: str
    upper_param: str
    wire: str = "date"


@dataclass
class TwilioTable:
    """A table plus what it takes to fetch it."""

    table: TableDef
    endpoint: dict[str, Any]
    builder: BatchBuilder
    #: path parameter name -> column that binds it (AccountSid excluded)
    path_params: dict[str, str]
    #: lower-cased column name (real or virtual) -> (wire parameter, exact?)
    eq_params: dict[str, tuple[str, bool]] = field(default_factory=dict)
    #: lower-cased column name (timestamp column or its day column) -> range filter
    ranges: dict[str, RangeFilter] = field(default_factory=dict)
    #: the account is in the path (API 2010), so ``account_sid`` can choose it
    account_in_path: bool = False
    #: columns filled from the request when the records leave them empty
    filled: tuple[str, ...] = ()
    #: lower-cased name (real or virtual) -> real column name
    resolve: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.table.name

    @cached_property
    def path_limits(self) -> dict[str, int]:
        """Path parameter -> the longest value the spec allows (``maxLength``), where it says."""
        limits = {}
        for p in self.endpoint["path_params"]:
            most = (p.get("schema") or {}).get("maxLength")
            if isinstance(most, int) and most > 0:
                limits[p["name"]] = most
        return limits

    @cached_property
    def decoder(self) -> PageDecoder:
        """Reads this table's pages straight from their bytes (see connectors/pages.py)."""
        return PageDecoder(self.builder, self.endpoint["list_key"], self.endpoint["envelope"])


def _virtual_ok(name: str) -> bool:
    return bool(_IDENT.match(name)) and name not in _RESERVED


def _build(endpoint: dict[str, Any], name: str, aliases: tuple[str, ...]) -> TwilioTable:
    specs: list[FieldSpec] = []
    columns: list[Column] = []
    descriptions: dict[str, str] = {}
    seen: set[str] = set()
    numbers = typed_strings(endpoint["record_schema"])
    for f in endpoint["fields"]:
        fname = f["name"]
        if fname.lower() in seen:
            continue
        seen.add(fname.lower())
        specs.append(field_spec(fname, f.get("schema") or {}, numbers_in_strings=numbers))
        descriptions[fname] = (f.get("description") or "").strip()
    kinds = {s.name: s.kind for s in specs}

    filters: dict[str, dict[str, bool]] = {}
    virtuals: list[Column] = []
    filled: list[str] = []
    account_in_path = "{AccountSid}" in endpoint["path"]

    def add_filter(col: str, op: str, exact: bool) -> None:
        filters.setdefault(col, {})[op] = exact

    # account_sid on every table
    if "account_sid" not in kinds:
        specs.append(FieldSpec("account_sid", "string"))
        kinds["account_sid"] = "string"
        descriptions["account_sid"] = "The SID of the Account the rows belong to."
        filled.append("account_sid")
    if account_in_path:
        add_filter("account_sid", "eq", True)

    # path parameters
    path_params: dict[str, str] = {}
    pdesc = {p["name"]: (p.get("description") or "").strip() for p in endpoint["path_params"]}
    for param in re.findall(r"\{([^}]+)\}", endpoint["path"]):
        if param == "AccountSid":
            continue
        col = param_column(param)
        if col not in kinds:
            specs.append(FieldSpec(col, "string"))
            kinds[col] = "string"
            descriptions[col] = pdesc.get(param, "") or f"The {param} in the request path."
            filled.append(col)
        # the path's value is what the rows belong to, even if a record says otherwise
        path_params[param] = col
        add_filter(col, "eq", True)
        if param.lower() != col.lower() and _virtual_ok(col):
            virtuals.append(
                Column(
                    param, pa.string(), f"Path parameter {param} (= {col}).", {"eq": True}, expr=col
                )
            )

    eq_params: dict[str, tuple[str, bool]] = {}
    for param, col in path_params.items():
        eq_params[col.lower()] = (param, True)
        eq_params[param.lower()] = (param, True)
    ranges: dict[str, RangeFilter] = {}

    # query parameters
    qnames = [q["name"] for q in endpoint["query_params"]]
    qdesc = {q["name"]: (q.get("description") or "").strip() for q in endpoint["query_params"]}
    qschema = {q["name"]: q.get("schema") or {} for q in endpoint["query_params"]}
    triples = {n for n in qnames if f"{n}<" in qnames and f"{n}>" in qnames}
    for base in sorted(triples):
        col = param_column(base)
        if kinds.get(col) not in _DATE_FORMATS:
            continue
        day_col = base if base.lower() != col.lower() else None
        rf = RangeFilter(col, day_col, base, f"{base}>", f"{base}<", "date")
        ranges[col.lower()] = rf
        for op in ("eq", "gt", "gte", "lt", "lte"):
            add_filter(col, op, False)
        if day_col:
            ranges[day_col.lower()] = rf
            virtuals.append(
                Column(
                    day_col,
                    pa.date32(),
                    f"The UTC day of {col} (Twilio's {base} filter). {qdesc.get(base, '')}".strip(),
                    # IN is sent as one range spanning its days: a superset
                    {"eq": True, "in": False, "gte": True, "gt": True, "lt": False, "lte": False},
                    expr=f"CAST({col} AT TIME ZONE 'UTC' AS DATE)",
                )
            )
    pair = RANGE_PAIRS.get((endpoint["product"], short_path(endpoint)))
    if pair and kinds.get(pair[0]) in _DATE_FORMATS and {pair[1], pair[2]} <= set(qnames):
        col, lo, hi, wire = pair
        ranges[col.lower()] = RangeFilter(col, None, None, lo, hi, wire)
        for op in ("gt", "gte", "lt", "lte", "eq"):
            add_filter(col, op, False)

    used = {p.lower() for p in path_params}
    for param in qnames:
        low = param.lower()
        if low in _SKIP_PARAMS or low in used or "<" in param or ">" in param:
            continue
        if param in triples or (pair and param in pair[1:3]):
            continue
        if re.search(r"date|time|created|before|after", low):
            continue  # ranges with their own meaning; not an equality
        col = param_column(param)
        kind = kinds.get(col)
        if kind not in ("string", "bool", "int") or col in filled:
            continue
        qtype = qschema[param].get("type")
        if qtype == "array":
            continue
        exact = low in EXACT_PARAMS
        add_filter(col, "eq", exact)
        eq_params[col.lower()] = (param, exact)
        if low != col.lower() and _virtual_ok(col):
            eq_params[low] = (param, exact)
            virtuals.append(
                Column(param, _arrow_of(kind), qdesc.get(param, ""), {"eq": exact}, expr=col)
            )

    for spec in specs:
        columns.append(
            Column(
                spec.name,
                spec.type,
                descriptions.get(spec.name, ""),
                dict(filters.get(spec.name, {})),
            )
        )
    real_names = {c.name.lower() for c in columns}
    for v in virtuals:
        if v.name.lower() not in real_names:
            columns.append(v)
            real_names.add(v.name.lower())

    resolve = {c.name.lower(): c.name for c in columns if not c.virtual}
    for c in columns:
        if c.virtual:
            resolve[c.name.lower()] = c.name
    params = tuple(path_params.values())
    description = (endpoint.get("description") or "").strip()
    call = short_path(endpoint)
    table = TableDef(
        name=name,
        columns=tuple(columns),
        description=f"{description} (Twilio {endpoint['product']}: GET {call})".strip(),
        aliases=aliases,
        parameters=params,
    )
    return TwilioTable(
        table=table,
        endpoint=endpoint,
        builder=BatchBuilder(specs),
        path_params=path_params,
        eq_params=eq_params,
        ranges=ranges,
        account_in_path=account_in_path,
        filled=tuple(filled),
        resolve=resolve,
    )


def _arrow_of(kind: str) -> pa.DataType:
    return {"bool": pa.bool_(), "int": pa.int64()}.get(kind, pa.string())


@cache
def _endpoints() -> tuple[tuple[dict[str, Any], str, tuple[str, ...]], ...]:
    """Per catalog endpoint: the endpoint, its table name and its path aliases."""
    endpoints: Sequence[dict[str, Any]] = load_catalog("twilio")["endpoints"]
    names = table_names(endpoints)
    return tuple((e, n, a) for e, (n, a) in zip(endpoints, names, strict=True))


@cache
def table_index() -> dict[str, int]:
    """Every table name and alias (lower case) -> its position in :func:`twilio_tables`.
    A name wins over another table's alias."""
    index: dict[str, int] = {}
    for i, (_, name, _) in enumerate(_endpoints()):
        index.setdefault(name.lower(), i)
    for i, (_, _, aliases) in enumerate(_endpoints()):
        for alias in aliases:
            index.setdefault(alias.lower(), i)
    return index


def table_names_only() -> list[str]:
    """The table names, without building the tables."""
    return [name for _, name, _ in _endpoints()]


@cache
def twilio_table_at(i: int) -> TwilioTable:
    """The table at position ``i``, built on first use (a query builds only its tables)."""
    return _build(*_endpoints()[i])


@cache
def twilio_tables() -> tuple[TwilioTable, ...]:
    """Every Twilio table, built once per process from the shipped catalog."""
    return tuple(twilio_table_at(i) for i in range(len(_endpoints())))
