"""The ``distillr`` Spark data source, on PySpark's Python Data Source API.

``spark.read.format("distillr").option("source", S).option("table", T).load()``: the schema is
the table's Arrow schema; the connector's splits (date ranges, ``IN`` fan-out, subaccounts) are
dealt round-robin into as many partitions as Spark has cores (``defaultParallelism``), each
reading its splits a few at a time (the source's ``max_concurrency`` shared among the
partitions); filters the connector applies exactly are accepted, the others handed back to
Spark (and still sent to the API as a superset). Any other option is a path parameter or an
equality on a column (``.option("CallSid", "CA...")``).

The class Spark sees is made by :func:`distillr.spark.register`, which attaches the sources'
definitions (:class:`~distillr.spark.definition.SourceDef`) and Spark's parallelism to it.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping
from contextlib import closing
from functools import partial
from typing import Any, ClassVar

import pyarrow as pa
from pyspark.sql.datasource import (
    DataSource,
    DataSourceReader,
    Filter,
    InputPartition,
    IsNotNull,
)
from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import StructType

from distillr.connectors.base import Column, Pred, ScanRequest, Split, TableDef
from distillr.errors import CatalogError, ConfigError, MissingParameter, did_you_mean
from distillr.spark.definition import SourceDef
from distillr.spark.filters import exact_op, predicate_for
from distillr.spark.limits import FILTERS_OPTION, LIMIT_OPTION, slot
from distillr.spark.threads import interleaved
from distillr.sql.values import NotPushable, convert

__all__ = ["NAME", "DistillrDataSource", "SplitPartition"]

NAME = "distillr"
#: options the data source itself reads; every other option is a column's value
RESERVED = ("source", "table", "pushdown", "probes", "max_partitions", LIMIT_OPTION, FILTERS_OPTION)


class SplitPartition(InputPartition):
    """Splits of the connector, as one Spark partition (pickled), read ``workers`` at a time."""

    def __init__(self, splits: list[Split], workers: int = 1) -> None:
        super().__init__(pickle.dumps(splits))
        self.workers = workers

    @property
    def splits(self) -> list[Split]:
        return pickle.loads(self.value)

    def __repr__(self) -> str:
        return f"SplitPartition({'; '.join(s.describe for s in self.splits)})"


class DistillrDataSource(DataSource):
    """Reads one table of one source. ``sources`` and ``parallelism`` are set on the subclass
    ``register`` makes."""

    sources: ClassVar[Mapping[str, SourceDef]] = {}
    #: Spark's ``defaultParallelism`` when ``register`` ran: the most partitions of a scan
    parallelism: ClassVar[int | None] = None

    @classmethod
    def name(cls) -> str:
        return NAME

    def __init__(self, options: Any) -> None:
        super().__init__(options)
        opts = {str(k).lower(): v for k, v in dict(options).items()}
        for key in ("source", "table"):
            if not opts.get(key):
                raise ConfigError(
                    f"The distillr data source needs the option '{key}':"
                    ' spark.read.format("distillr").option("source", "my_twilio")'
                    '.option("table", "messages").load()'
                )
        self.definition = _definition(self.sources, opts["source"])
        self.table_name = opts["table"]
        self.pushdown = opts.get("pushdown", "true").lower() not in ("false", "0", "no")
        self.probes = opts.get("probes", "true").lower() not in ("false", "0", "no")
        self.max_partitions = _positive(opts.get("max_partitions"))
        self.limit = _limit(opts.get(LIMIT_OPTION), opts.get(FILTERS_OPTION))
        self.values = {k: v for k, v in dict(options).items() if str(k).lower() not in RESERVED}

    def _table(self) -> TableDef:
        return self.definition.connector().table(self.table_name)

    def schema(self) -> StructType:
        return spark_schema(self._table().schema)

    def reader(self, schema: StructType) -> DataSourceReader:
        conn = self.definition.connector()
        tdef = conn.table(self.table_name)
        preds = option_predicates(tdef, self.values, conn.max_fanout)
        cls = PushingReader if self.pushdown else Reader
        reader = cls(self.definition, tdef, preds, conn.max_fanout, self.probes)
        reader.max_partitions = self.max_partitions
        reader.parallelism = self.parallelism
        reader.limit = self.limit
        return reader


def _positive(text: str | None) -> int | None:
    if text is None:
        return None
    if not str(text).isdigit() or int(text) < 1:
        raise ConfigError(f"max_partitions must be a whole number of at least 1, not {text!r}.")
    return int(text)


def _limit(count: str | None, slots: str | None) -> tuple[int, frozenset] | None:
    """The limit ``distillr.spark.sql`` found for this view, with the slots of the filters it
    expects Spark to push (see ``limits.py``)."""
    if count is None or not str(count).isdigit():
        return None
    try:
        expected = frozenset((str(c), str(o)) for c, o in json.loads(slots or "[]"))
    except (TypeError, ValueError):
        return None
    return int(count), expected


def spark_schema(schema: pa.Schema) -> StructType:
    """The Spark schema of an Arrow schema (the same types: decimals keep their scale,
    timestamps are Spark timestamps, maps and structs nest)."""
    return from_arrow_schema(schema)


def _definition(sources: Mapping[str, SourceDef], name: str) -> SourceDef:
    found = {k.lower(): v for k, v in sources.items()}.get(name.lower())
    if found is None:
        raise CatalogError(
            f"Unknown source '{name}'.{did_you_mean(name, list(sources))} The sources known to"
            " Spark are those of the registry distillr.spark.register(spark) read; add one with"
            " `distillr source add` and register again."
        )
    return found


def option_predicates(
    tdef: TableDef, values: Mapping[str, str], max_fanout: int = 50
) -> tuple[Pred, ...]:
    """Equalities from the options (path parameters first of all); a JSON list
    (``'["CA1", "CA2"]'``) is a list of values, one split each. Checks that every path
    parameter of the table is given."""
    preds = []
    for key, text in values.items():
        col = tdef.column(key)
        # a path parameter travels under its virtual spelling (call_sid -> CallSid)
        col = next((c for c in tdef.columns if c.expr and c.expr.lower() == col.name.lower()), col)
        if "eq" not in col.filters:
            raise ConfigError(
                f"Table '{tdef.name}' cannot take the option '{key}': the API does not filter"
                f" {col.name}. Filter the DataFrame instead."
            )
        preds.append(_option_predicate(col, key, text, max_fanout))
    given = {p.column.lower() for p in preds}
    for c in tdef.columns:
        if c.expr is not None and c.name.lower() in given:
            given.add(c.expr.lower())
    for param in tdef.parameters:
        if param.lower() not in given:
            spelled = next(
                (c.name for c in tdef.columns if c.expr and c.expr.lower() == param.lower()),
                param,
            )
            raise MissingParameter(
                f"Table '{tdef.name}' needs the path parameter {spelled}: add"
                f' .option("{spelled}", "...") to spark.read.format("distillr").',
                table=tdef.name,
                parameter=spelled,
            )
    return tuple(preds)


def _option_predicate(col: Column, key: str, text: str, max_fanout: int) -> Pred:
    raw: list = [text]
    if text.lstrip().startswith("["):
        try:
            raw = json.loads(text)
        except ValueError:
            raise ConfigError(f"The option '{key}' is not a valid JSON list: {text!r}.") from None
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"The option '{key}' needs at least one value.")
        if len(raw) > max_fanout:
            raise ConfigError(
                f"The option '{key}' has {len(raw)} values, one request each; the source's"
                f" limit is {max_fanout}. Narrow the list."
            )
    try:
        values = tuple(dict.fromkeys(convert(v, col.type) for v in raw))
    except NotPushable as why:
        raise ConfigError(f"The option '{key}' = {text!r} is not valid: {why}.") from None
    if len(values) == 1:
        return Pred(col.name, "eq", values[0])
    return Pred(col.name, "in", values)


class Reader(DataSourceReader):
    """Plans the splits on the driver and reads each partition's splits on the executors."""

    def __init__(
        self,
        definition: SourceDef,
        table: TableDef,
        predicates: tuple[Pred, ...],
        max_fanout: int,
        probes: bool = True,
    ) -> None:
        self.definition = definition
        self.table = table
        self.predicates = predicates
        self.max_fanout = max_fanout
        self.probes = probes
        self.max_partitions: int | None = None
        #: Spark's parallelism (``None``: unknown, one partition per split)
        self.parallelism: int | None = None
        #: the LIMIT ``distillr.spark.sql`` found, with the filter slots it expects pushed
        self.limit: tuple[int, frozenset] | None = None

    def limit_holds(self) -> bool:
        """Whether the connector may stop after the limit: never without filter pushdown
        (Spark's filters are then unknown here)."""
        return False

    def request(self) -> ScanRequest:
        limit = self.limit[0] if self.limit is not None and self.limit_holds() else None
        return ScanRequest(
            table=self.table.name, predicates=self.predicates, limit=limit, probes=self.probes
        )

    def partitions(self) -> list[SplitPartition]:
        """The splits dealt round-robin into ``n = min(splits, parallelism, max_partitions)``
        partitions, each read ``max_concurrency // n`` splits at a time (at least one), so a
        scan has no more than ``max_concurrency`` requests in flight while ``n`` is within
        it. Splits that carry a pushed LIMIT keep one partition each (up to
        ``max_partitions``), read one after another, so each partition stops at the limit."""
        conn = self.definition.connector()
        splits = list(conn.plan(self.request()))
        limited = any(s.limit is not None for s in splits)
        caps = [len(splits), self.max_partitions or len(splits)]
        if not limited and self.parallelism:
            caps.append(self.parallelism)
        n = max(1, min(caps))
        workers = 1 if limited else max(1, int(conn.max_concurrency) // n)
        return [SplitPartition(splits[i::n], workers) for i in range(n)]

    def read(self, partition: InputPartition) -> Iterator[pa.RecordBatch]:
        splits = partition.splits if isinstance(partition, SplitPartition) else []
        workers = partition.workers if isinstance(partition, SplitPartition) else 1
        schema = self.table.schema
        conn = self.definition.connector()
        # splits that each carry the limit: the partition needs no more rows than that, and
        # reads them one after another so that it stops there
        limits = [s.limit for s in splits if s.limit is not None]
        left = max(limits) if splits and len(limits) == len(splits) else None
        readers = [partial(conn.read, split) for split in splits]
        with closing(interleaved(readers, workers)) as batches:
            for batch in batches:
                if left is not None:
                    batch = batch.slice(0, left)
                    left -= batch.num_rows
                if batch.num_rows:
                    yield batch if batch.schema == schema else _conform(batch, schema)
                if left == 0:
                    return


class PushingReader(Reader):
    """A reader that takes Spark's filters (``spark.sql.python.filterPushdown.enabled``)."""

    #: the slots of the filters Spark pushed that the connector applies exactly
    exact_slots: frozenset = frozenset()
    #: whether every filter Spark pushed was taken exactly (or is implied by one that was)
    all_exact: bool = True

    def pushFilters(self, filters: list[Filter]) -> list[Filter]:
        pushed = list(self.predicates)
        taken = {slot(p) for p in pushed}
        back, exact_slots = [], set()
        for flt in filters:
            found = predicate_for(flt, self.table, self.max_fanout)
            if found is None or slot(found[0]) in taken:
                back.append(flt)
                continue
            pred, exact = found
            pushed.append(pred)
            taken.add(slot(pred))
            if exact:
                exact_slots.add(slot(pred))
            else:
                back.append(flt)
        self.predicates = tuple(pushed)
        self.exact_slots = frozenset(exact_slots)
        # Spark adds IS NOT NULL for each column a comparison names: the comparison implies it
        compared = {c for c, _op in exact_slots}
        self.all_exact = all(
            isinstance(f, IsNotNull)
            and len(f.attribute) == 1
            and f.attribute[0].lower() in compared
            for f in back
        )
        return back

    def limit_holds(self) -> bool:
        """The limit may reach the connector when Spark pushed exactly the filters the query's
        WHERE holds (all of them, each taken exactly) and the options' are exact too: the
        first rows the API returns are then rows of the answer."""
        if self.limit is None or not self.all_exact or not self.limit[1] <= self.exact_slots:
            return False
        return all(exact_op(self.table.column(p.column), p.op) for p in self.predicates)


def _conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    columns = [batch.column(f.name).cast(f.type) for f in schema]
    return pa.RecordBatch.from_arrays(columns, schema=schema)
