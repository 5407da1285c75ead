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


@dataclass
class _Parts:
    """What :func:`_build` gathers about one endpoint before it makes the table."""

    specs: list[FieldSpec] = field(default_factory=list)
    #: real column -> its kind (``FieldSpec.kind``)
    kinds: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    #: real column -> operator -> exact?
    filters: dict[str, dict[str, bool]] = field(default_factory=dict)
    virtuals: list[Column] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    path_params: dict[str, str] = field(default_factory=dict)
    eq_params: dict[str, tuple[str, bool]] = field(default_factory=dict)
    ranges: dict[str, RangeFilter] = field(default_factory=dict)

    def add_filter(self, col: str, op: str, exact: bool) -> None:
        self.filters.setdefault(col, {})[op] = exact

    def add_column(self, col: str, description: str, filled: bool = True) -> None:
        """A text column the records lack, filled from the request."""
        self.specs.append(FieldSpec(col, "string"))
        self.kinds[col] = "string"
        self.descriptions[col] = description
        if filled:
            self.filled.append(col)


def _build(endpoint: dict[str, Any], name: str, aliases: tuple[str, ...]) -> TwilioTable:
    parts = _Parts()
    _record_fields(endpoint, parts)
    account_in_path = "{AccountSid}" in endpoint["path"]
    if "account_sid" not in parts.kinds:
        parts.add_column("account_sid", "The SID of the Account the rows belong to.")
    if account_in_path:
        parts.add_filter("account_sid", "eq", True)
    _path_parameters(endpoint, parts)
    qnames = [q["name"] for q in endpoint["query_params"]]
    triples = _date_triples(endpoint, qnames, parts)
    pair = _date_pair(endpoint, qnames, parts)
    _query_equalities(endpoint, qnames, triples, pair, parts)
    columns = _columns(parts)
    resolve = {c.name.lower(): c.name for c in columns if not c.virtual}
    resolve.update({c.name.lower(): c.name for c in columns if c.virtual})
    description = (endpoint.get("description") or "").strip()
    table = TableDef(
        name=name,
        columns=tuple(columns),
        description=f"{description} (Twilio {endpoint['product']}:"
        f" GET {short_path(endpoint)})".strip(),
        aliases=aliases,
        parameters=tuple(parts.path_params.values()),
    )
    return TwilioTable(
        table=table,
        endpoint=endpoint,
        builder=BatchBuilder(parts.specs),
        path_params=parts.path_params,
        eq_params=parts.eq_params,
        ranges=parts.ranges,
        account_in_path=account_in_path,
        filled=tuple(parts.filled),
        resolve=resolve,
    )


def _record_fields(endpoint: dict[str, Any], parts: _Parts) -> None:
    """The record's fields as typed columns, in the spec's order (the first of two spellings
    that differ only in case)."""
    numbers = typed_strings(endpoint["record_schema"])
    seen: set[str] = set()
    for f in endpoint["fields"]:
        fname = f["name"]
        if fname.lower() in seen:
            continue
        seen.add(fname.lower())
        parts.specs.append(field_spec(fname, f.get("schema") or {}, numbers_in_strings=numbers))
        parts.descriptions[fname] = (f.get("description") or "").strip()
    parts.kinds.update({s.name: s.kind for s in parts.specs})


def _path_parameters(endpoint: dict[str, Any], parts: _Parts) -> None:
    """A column per path parameter (AccountSid aside), exact ``eq``, and its API spelling as a
    virtual column."""
    pdesc = {p["name"]: (p.get("description") or "").strip() for p in endpoint["path_params"]}
    for param in re.findall(r"\{([^}]+)\}", endpoint["path"]):
        if param == "AccountSid":
            continue
        col = param_column(param)
        if col not in parts.kinds:
            parts.add_column(col, pdesc.get(param, "") or f"The {param} in the request path.")
        # the path's value is what the rows belong to, even if a record says otherwise
        parts.path_params[param] = col
        parts.add_filter(col, "eq", True)
        if param.lower() != col.lower() and _virtual_ok(col):
            parts.virtuals.append(
                Column(
                    param, pa.string(), f"Path parameter {param} (= {col}).", {"eq": True}, expr=col
                )
            )
    for param, col in parts.path_params.items():
        parts.eq_params[col.lower()] = (param, True)
        parts.eq_params[param.lower()] = (param, True)


def _date_triples(endpoint: dict[str, Any], qnames: list[str], parts: _Parts) -> set[str]:
    """``X``/``X<``/``X>`` query parameters on a timestamp field: ranges widened to whole days,
    and the virtual day column ``X``. Returns the triples' base names."""
    qdesc = {q["name"]: (q.get("description") or "").strip() for q in endpoint["query_params"]}
    triples = {n for n in qnames if f"{n}<" in qnames and f"{n}>" in qnames}
    for base in sorted(triples):
        col = param_column(base)
        if parts.kinds.get(col) not in _DATE_FORMATS:
            continue
        day_col = base if base.lower() != col.lower() else None
        rf = RangeFilter(col, day_col, base, f"{base}>", f"{base}<", "date")
        parts.ranges[col.lower()] = rf
        for op in ("eq", "gt", "gte", "lt", "lte"):
            parts.add_filter(col, op, False)
        if day_col:
            parts.ranges[day_col.lower()] = rf
            parts.virtuals.append(
                Column(
                    day_col,
                    pa.date32(),
                    f"The UTC day of {col} (Twilio's {base} filter). {qdesc.get(base, '')}".strip(),
                    # IN is sent as one range spanning its days: a superset
                    {"eq": True, "in": False, "gte": True, "gt": True, "lt": False, "lte": False},
                    expr=f"CAST({col} AT TIME ZONE 'UTC' AS DATE)",
                )
            )
    return triples


def _date_pair(
    endpoint: dict[str, Any], qnames: list[str], parts: _Parts
) -> tuple[str, str, str, str] | None:
    """Another product's lower/upper date parameters (:data:`RANGE_PAIRS`), if it has them."""
    pair = RANGE_PAIRS.get((endpoint["product"], short_path(endpoint)))
    if not pair or parts.kinds.get(pair[0]) not in _DATE_FORMATS:
        return None
    if not {pair[1], pair[2]} <= set(qnames):
        return None
    col, lo, hi, wire = pair
    parts.ranges[col.lower()] = RangeFilter(col, None, None, lo, hi, wire)
    for op in ("gt", "gte", "lt", "lte", "eq"):
        parts.add_filter(col, op, False)
    return pair


def _query_equalities(
    endpoint: dict[str, Any],
    qnames: list[str],
    triples: set[str],
    pair: tuple[str, str, str, str] | None,
    parts: _Parts,
) -> None:
    """Query parameters ``X`` that filter a field ``x`` by equality (exact only for
    :data:`EXACT_PARAMS`), with ``X`` as a virtual column where it is spelt differently."""
    qdesc = {q["name"]: (q.get("description") or "").strip() for q in endpoint["query_params"]}
    qschema = {q["name"]: q.get("schema") or {} for q in endpoint["query_params"]}
    used = {p.lower() for p in parts.path_params}
    for param in qnames:
        low = param.lower()
        if low in _SKIP_PARAMS or low in used or "<" in param or ">" in param:
            continue
        if param in triples or (pair and param in pair[1:3]):
            continue
        if re.search(r"date|time|created|before|after", low):
            continue  # ranges with their own meaning; not an equality
        col = param_column(param)
        kind = parts.kinds.get(col)
        if kind not in ("string", "bool", "int") or col in parts.filled:
            continue
        if qschema[param].get("type") == "array":
            continue
        exact = low in EXACT_PARAMS
        parts.add_filter(col, "eq", exact)
        parts.eq_params[col.lower()] = (param, exact)
        if low != col.lower() and _virtual_ok(col):
            parts.eq_params[low] = (param, exact)
            parts.virtuals.append(
                Column(param, _arrow_of(kind), qdesc.get(param, ""), {"eq": exact}, expr=col)
            )


def _columns(parts: _Parts) -> list[Column]:
    """The real columns in order, then the virtual ones whose names are still free."""
    columns = [
        Column(
            spec.name,
            spec.type,
            parts.descriptions.get(spec.name, ""),
            dict(parts.filters.get(spec.name, {})),
        )
        for spec in parts.specs
    ]
    names = {c.name.lower() for c in columns}
    for v in parts.virtuals:
        if v.name.lower() not in names:
            columns.append(v)
            names.add(v.name.lower())
    return columns


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
