"""The connector contract: what the engine knows about any data source.

A connector describes its tables (``tables()``), turns one table reference's pushed-down
request into independent splits (``plan()``), and reads a split as Arrow record batches
(``read()``). It never sees SQL; the engine never knows which API is behind it.

Pushdown declarations live on the columns: ``Column.filters`` maps an operator to whether the
API applies it *exactly* (``True``) or returns a superset (``False``, e.g. a date rounded to
whole days). The engine re-applies every predicate locally either way; exactness only decides
whether a LIMIT may travel to the API.

Operators (``Pred.op``) and the Python type of ``Pred.value``:

=========  ==============================================================
``eq``     one scalar
``in``     a tuple of scalars; a column that declares ``eq`` accepts ``in``
           too (the connector fans it out, one split per value), and the
           planner caps the list at ``Connector.max_fanout``
``gt``     ``gte``  ``lt``  ``lte``: one scalar
``prefix`` a string (``LIKE 'abc%'``)
=========  ==============================================================

Scalars are ``str``, ``int``, ``float``, ``decimal.Decimal``, ``bool``, ``datetime.date`` or
a timezone-aware ``datetime.datetime`` (UTC), converted by the planner to the column's type.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from distillr.errors import CatalogError, did_you_mean

__all__ = [
    "OPS",
    "Column",
    "Connector",
    "Learned",
    "Pred",
    "ScanRequest",
    "ScanStats",
    "Split",
    "TableDef",
]

OPS = frozenset({"eq", "in", "gt", "gte", "lt", "lte", "prefix"})


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``expr`` makes a *virtual* column: it is not part of the data or of ``SELECT *``, but
    can be used anywhere in a query; the engine substitutes the SQL expression (over the
    table's real columns) wherever it is referenced, and pushes predicates on it like on any
    other column. Path parameters (``CallSid`` -> ``call_sid``) and API filter spellings
    (``DateSent`` -> ``CAST(date_sent AT TIME ZONE 'UTC' AS DATE)``) are virtual columns.
    """

    name: str
    type: pa.DataType
    description: str = ""
    filters: Mapping[str, bool] = field(default_factory=dict)
    expr: str | None = None

    @property
    def virtual(self) -> bool:
        return self.expr is not None


@dataclass(frozen=True)
class TableDef:
    """A table a connector offers.

    ``parameters`` names the columns (usually virtual) that must be bound for the API to be
    called at all: path parameters such as ``CallSid`` in ``/Calls/:CallSid/Recordings``.
    ``aliases`` are other names the table answers to (matched case-insensitively).
    ``order`` is the API's own row order as ``(column, descending)`` pairs, if it has one.
    ``request_columns`` names optional parameters' columns whose values are the ones the
    request was sent with (the data does not hold them): their ``=``/``IN`` predicates are
    pushed even with pushdown off, since only the request gives them a value.
    """

    name: str
    columns: tuple[Column, ...]
    description: str = ""
    aliases: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    request_columns: tuple[str, ...] = ()

    @property
    def schema(self) -> pa.Schema:
        """The Arrow schema of the data: real columns, in their stable order."""
        return pa.schema([pa.field(c.name, c.type) for c in self.columns if not c.virtual])

    def column(self, name: str) -> Column:
        """Look a column up case-insensitively; raise ``CatalogError`` with a suggestion."""
        wanted = name.lower()
        for col in self.columns:
            if col.name.lower() == wanted:
                return col
        names = [c.name for c in self.columns]
        raise CatalogError(
            f"Table '{self.name}' has no column '{name}'.{did_you_mean(name, names)}"
            f" Run DESCRIBE on the table to see its columns."
        )


@dataclass(frozen=True)
class Pred:
    """A predicate pushed to a connector: ``column op value``."""

    column: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in OPS:
            raise ValueError(f"unknown operator {self.op!r}; expected one of {sorted(OPS)}")


@dataclass(frozen=True)
class ScanRequest:
    """What the planner asks of one table reference.

    ``columns`` is ``None`` for all columns. ``limit`` is set only when the planner proved
    that the first ``limit`` rows the API returns are a correct answer. ``probes`` allows
    ``plan()`` to send requests of its own (say, to balance date-range splits); with
    ``probes=False`` planning sends nothing, at the cost of less even splits.
    """

    table: str
    columns: tuple[str, ...] | None = None
    predicates: tuple[Pred, ...] = ()
    limit: int | None = None
    probes: bool = True


@dataclass(frozen=True)
class Split:
    """One independent stream of pages. Must pickle (splits travel to Spark workers).

    ``params`` is the connector's own, picklable, description of the work; ``describe`` is a
    human line for EXPLAIN and stats (e.g. ``GET /2010-04-01/.../Messages.json?To=...``),
    never holding a secret.
    """

    table: str
    params: Mapping[str, Any]
    limit: int | None = None
    describe: str = ""


@dataclass
class ScanStats:
    """Counters a connector adds to while planning and reading; safe to share between threads.

    ``requests`` counts every request sent on the query's behalf (planning probes, account
    listings and retries included), so it equals what the API was sent. ``probes`` holds one
    line per request sent while planning (``GET /path?query``, never a secret), for EXPLAIN.
    """

    requests: int = 0
    pages: int = 0
    rows: int = 0
    bytes: int = 0
    retries: int = 0
    throttled: int = 0
    probes: list[str] = field(default_factory=list)
    #: pages served from the response cache (not requests), and when the oldest was stored
    cached: int = 0
    cached_oldest: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def hit(self, stored: float) -> None:
        """Note one page served from the response cache, stored at ``stored`` (epoch)."""
        with self._lock:
            self.cached += 1
            if self.cached_oldest is None or stored < self.cached_oldest:
                self.cached_oldest = stored

    def probe(self, describe: str) -> None:
        """Note one request sent while planning."""
        with self._lock:
            self.probes.append(describe)

    def add(
        self,
        *,
        requests: int = 0,
        pages: int = 0,
        rows: int = 0,
        bytes: int = 0,
        retries: int = 0,
        throttled: int = 0,
    ) -> None:
        with self._lock:
            self.requests += requests
            self.pages += pages
            self.rows += rows
            self.bytes += bytes
            self.retries += retries
            self.throttled += throttled


@dataclass
class Learned:
    """What :meth:`Connector.learn` found: the options to save, the tables sampled and why
    others were not."""

    options: dict[str, Any]
    sampled: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


class Connector(ABC):
    """Base class of every connector.

    Subclasses set ``type`` (the source type name used by the registry, e.g. ``"twilio"``),
    and are built either directly (tests, notebooks) or by the registry through
    ``from_source(name, options, secrets)``.
    """

    type: ClassVar[str] = ""
    #: how the wizard and ``distillr source add --help`` name the type, and what it reads
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: the wizard's category (``api``, ``custom_api``, ``files``)
    category: ClassVar[str] = "api"
    #: the web form: ``settings`` (one field per setting) or ``definition`` (a Custom API's
    #: base URL, auth and endpoints)
    form: ClassVar[str] = "settings"
    #: the type's settings, declared once (``connectors/settings.py``); the CLI's flags, the
    #: web form, ``identity_options`` and ``url_options`` are derived from it
    settings: ClassVar[Any] = None
    #: what ``--config FILE`` holds for this type (``None``: it takes no file)
    config_file: ClassVar[str | None] = None
    #: how many splits of one source may be read at once
    max_concurrency: int = 8
    #: the most values an ``in`` predicate may fan out into (past it, the planner scans)
    max_fanout: int = 50
    #: options that say where the secrets are sent or whose they are (a base URL, an account,
    #: a key id): changing one needs the secrets entered again. ``None``: every option.
    #: Derived from ``settings`` (its ``identity`` settings) when the type declares them.
    identity_options: ClassVar[tuple[str, ...] | None] = None
    #: options that hold a base URL (checked with ``connectors.urls.check_base_url``);
    #: derived from ``settings`` (those of type ``url``) when the type declares them
    url_options: ClassVar[tuple[str, ...]] = ("base_url",)
    #: host patterns (``fnmatch``) of the type's own API: error bodies from any other host are
    #: not shown to web users
    api_hosts: ClassVar[tuple[str, ...]] = ()
    #: called with what the connector learned while answering a query (a Custom API's schema
    #: sampled when a query first named the table), so that its owner can save it; the
    #: registry sets it on the connectors it builds
    on_learned: Callable[[Learned], None] | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = cls.__dict__.get("settings")
        if declared is not None:
            if "identity_options" not in cls.__dict__:
                cls.identity_options = declared.identity
            if "url_options" not in cls.__dict__:
                cls.url_options = tuple(s.name for s in declared if s.type == "url")

    def __init__(self, name: str) -> None:
        self.name = name

    # -- what the CLI, the registry and the web form ask of a type (all optional) ----------

    @classmethod
    def load_config(cls, path: str) -> dict[str, Any]:
        """The options held in a ``--config`` file (see ``config_file``); a ``ConfigError``
        naming the file, line and field when it is not valid."""
        raise NotImplementedError(f"sources of type {cls.type!r} take no --config file")

    @classmethod
    def file_inputs(cls) -> dict[str, tuple[str, Any]]:
        """The CLI flags that read options from a file, ``{flag name: (what the file holds,
        load(path) -> options)}``: ``--config`` for a type with ``config_file``. A type adds
        more (say ``--openapi FILE``) by overriding this; the options they load are merged in
        this order, and the flags of single settings win over them."""
        return {"config": (cls.config_file, cls.load_config)} if cls.config_file else {}

    @classmethod
    def export_config(cls, options: Mapping[str, Any]) -> str:
        """A saved source's options as a ``--config`` file's text (it never holds secrets)."""
        raise NotImplementedError(f"sources of type {cls.type!r} have no --config file")

    @classmethod
    def needed_secrets(cls, options: Mapping[str, Any]) -> tuple[str, ...]:
        """The secrets a source with these options needs (the CLI asks for them). By default
        the required secret settings; a type with modes answers per mode elsewhere."""
        declared = cls.settings or ()
        return tuple(s.name for s in declared if s.secret and s.required)

    @classmethod
    def addresses(cls, options: Mapping[str, Any]) -> dict[str, str]:
        """URLs held inside options beyond ``url_options`` (a Custom API's OAuth token URL), by
        the field that holds them, for the private-address rule."""
        return {}

    @classmethod
    def form_details(cls) -> dict[str, Any] | None:
        """What a ``definition`` form offers beyond the settings (a Custom API's auth schemes,
        paginators, formats), as plain data; ``None`` for a ``settings`` form."""
        return None

    @classmethod
    def templates(cls) -> Mapping[str, Any]:
        """Ready-made sources of this type, by name (a Custom API's JIRA). Each has ``title``,
        ``description`` and ``all_settings()`` (its options and secrets, as ``Settings``)."""
        return {}

    @classmethod
    def template_source(
        cls, template: str, values: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """A template's settings as a source's options and secrets."""
        raise NotImplementedError(f"sources of type {cls.type!r} have no templates")

    def learn(
        self, tables: Sequence[str] | None = None, pages: int = 1, missing_only: bool = False
    ) -> Learned | None:
        """Sample the API and return the options to save with what was learned (a Custom API's
        inferred schemas), or ``None`` when the type learns nothing. ``tables`` limits the
        sampling; ``missing_only`` samples only tables that have no schema yet."""
        return None

    @classmethod
    def from_source(
        cls, name: str, options: Mapping[str, Any], secrets: Mapping[str, str]
    ) -> Connector:
        """Build a connector from a registry entry. Override in registry-backed types."""
        raise NotImplementedError(f"{cls.__name__} cannot be built from a registry entry")

    @abstractmethod
    def tables(self) -> Sequence[TableDef]:
        """Every table this source offers."""

    @abstractmethod
    def plan(self, request: ScanRequest, stats: ScanStats | None = None) -> Sequence[Split]:
        """Turn one table reference's request into independent splits.

        Requests sent while planning (only when ``request.probes``) are counted in ``stats``
        and noted with ``stats.probe(...)``; a page fetched here and handed to ``read()`` is not
        counted again there."""

    @abstractmethod
    def read(self, split: Split, stats: ScanStats | None = None) -> Iterator[pa.RecordBatch]:
        """Yield the split's rows as record batches in the table's schema, page by page."""

    @classmethod
    def prepare_options(cls, options: Mapping[str, Any]) -> dict[str, Any]:
        """Options as they are saved, called by the registry before every add and update
        (say, a directory made absolute, so it means the same from any working directory).
        Raise a ``ConfigError`` for a bad value. By default, unchanged."""
        return dict(options)

    def check(self) -> None:  # noqa: B027 - optional: sources without a cheap request skip it
        """Make one cheap request to prove the settings work; raise a ``DistillrError`` if not."""

    def close(self) -> None:  # noqa: B027 - optional: sources without connections skip it
        """Release connections."""

    def table(self, name: str) -> TableDef:
        """Find a table by name or alias, case-insensitively, with a suggestion if unknown."""
        wanted = name.lower()
        names: list[str] = []
        for t in self.tables():
            if t.name.lower() == wanted or any(a.lower() == wanted for a in t.aliases):
                return t
            names.append(t.name)
        raise CatalogError(
            f"Source '{self.name}' has no table '{name}'.{did_you_mean(name, names)}"
            f" Run SHOW TABLES IN {self.name} to see its tables."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
