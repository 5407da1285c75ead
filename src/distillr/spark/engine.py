"""Spark as a session's query engine: ``distillr.connect(engine="spark")``.

A session hands each query (``SELECT``, ``WITH``) to its engine; this one runs it with
:func:`distillr.spark.sql` and returns the same :class:`~distillr.sql.result.Result` as the
DuckDB engine: ``arrow()``, ``batches()``, ``fetchall()``, ``df()``, ``columns`` and ``schema``
(known before the result is read), ``cancel()`` and ``timeout``. The rows are computed when
the result is first read, all at once (Spark's ``toArrow``), and the Spark errors of a query
are raised as the distillr errors they started as.

>>> import distillr
>>> con = distillr.connect(engine="spark")                     # doctest: +SKIP
>>> con.sql("SELECT status, count(*) AS n FROM my_twilio.calls GROUP BY status")  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pyarrow as pa

from distillr.errors import ConfigError, DistillrError, QueryCancelled
from distillr.spark.errors import unwrapped
from distillr.sql.result import QueryStats, Result

__all__ = ["NEEDS_PYSPARK", "SparkEngine", "spark_session"]

NEEDS_PYSPARK = "The Spark engine needs PySpark: pip install 'distillr[spark]'."

_groups = itertools.count(1)


def spark_session(spark: Any = None) -> Any:
    """``spark``, else the active Spark session, else a new local one (its Python workers run
    this interpreter unless ``PYSPARK_PYTHON`` says otherwise)."""
    if spark is not None:
        return spark
    try:
        from pyspark.sql import SparkSession
    except ModuleNotFoundError:
        raise ConfigError(NEEDS_PYSPARK) from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        return SparkSession.builder.appName("distillr").getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no Java, or Spark cannot start
        raise ConfigError(
            f"Spark could not start ({type(exc).__name__}): it needs a Java 17+ runtime"
            " (java on PATH or JAVA_HOME)."
        ) from None


class SparkEngine:
    """Runs queries on a Spark session (given, active, or started on first use), over the
    sources of the session's registry (registered with Spark once per Spark session)."""

    def __init__(self, spark: Any = None) -> None:
        try:
            import pyspark  # noqa: F401 - only to say early that it is missing
        except ModuleNotFoundError:
            raise ConfigError(NEEDS_PYSPARK) from None
        self._spark = spark
        self._lock = threading.Lock()

    def session(self, home: Any) -> Any:
        """The Spark session, with the sources of the registry under ``home`` registered."""
        from distillr.spark import _REGISTERED, register

        with self._lock:
            self._spark = spark_session(self._spark)
            if self._spark.sparkContext.applicationId not in _REGISTERED:
                register(self._spark, home)
            return self._spark

    def dataframe(self, home: Any, text: str, pushdown: bool = True) -> Any:
        """The query as a Spark DataFrame (planned, not run)."""
        from distillr.spark import sql

        spark = self.session(home)
        with unwrapped():
            return sql(spark, text, pushdown=pushdown)

    def query(
        self,
        home: Any,
        text: str,
        *,
        pushdown: bool = True,
        timeout: float | None = None,
        progress: Callable[[QueryStats], Any] | None = None,
        probes: bool = True,
    ) -> Result:
        """Run one query; the ``Result`` reads Spark's answer when first read. ``probes`` is
        Spark's to decide (the data source plans with probes); ``progress`` is called once,
        when the result is complete (Spark's tasks report no requests to the driver)."""
        stats = QueryStats()
        df = self.dataframe(home, text, pushdown=pushdown)
        run = _Run(df, timeout)

        def source() -> Iterator[pa.RecordBatch]:
            table = run.arrow()
            stats.finished = time.perf_counter()
            if progress is not None:
                progress(stats)
            yield from table.to_batches()

        return Result(schema=run.schema, source=source, stats=stats, cancel=run.cancel)


class _Run:
    """One query's Spark jobs, in a job group of their own so that they can be cancelled.

    Spark cancels the jobs a group runs at the time, not those it starts later (a query's
    planning may still be going on), so a cancelled run cancels its group again and again
    until it ends, and a result that arrives after all is not returned."""

    def __init__(self, df: Any, timeout: float | None) -> None:
        self.df = df
        self.timeout = timeout
        self.group = f"distillr-query-{next(_groups)}"
        self.reason = "The query was cancelled."
        self.cancelled = threading.Event()
        self.running = threading.Event()
        self.ended = threading.Event()

    def schema(self) -> pa.Schema:
        from pyspark.sql.pandas.types import to_arrow_schema

        large = self.df.sparkSession.conf.get("spark.sql.execution.arrow.useLargeVarTypes")
        return to_arrow_schema(
            self.df.schema, timezone="UTC", prefers_large_types=str(large).lower() == "true"
        )

    def arrow(self) -> pa.Table:
        if self.cancelled.is_set():
            raise QueryCancelled(self.reason)
        sc = self.df.sparkSession.sparkContext
        sc.setJobGroup(self.group, "distillr query", interruptOnCancel=True)
        self.running.set()
        timer = None
        if self.timeout is not None:
            timer = threading.Timer(self.timeout, self._expire)
            timer.daemon = True
            timer.start()
        try:
            with unwrapped(cancelled=self.reason):
                table = self.df.toArrow()
        except DistillrError as err:
            if self.cancelled.is_set() or isinstance(err, QueryCancelled):
                raise QueryCancelled(self.reason) from None
            raise
        finally:
            self.ended.set()
            if timer is not None:
                timer.cancel()
            sc.setLocalProperty("spark.jobGroup.id", None)
        if self.cancelled.is_set():
            raise QueryCancelled(self.reason)
        return table

    def _expire(self) -> None:
        self.cancel(f"The query ran past its timeout of {self.timeout:g} s and was cancelled.")

    def cancel(self, reason: str = "The query was cancelled.") -> None:
        if self.cancelled.is_set():
            return
        self.reason = reason
        self.cancelled.set()
        if self.running.is_set():
            threading.Thread(target=self._keep_cancelling, daemon=True).start()

    def _keep_cancelling(self) -> None:
        sc = self.df.sparkSession.sparkContext
        while True:
            sc.cancelJobGroup(self.group)
            if self.ended.wait(0.2):
                return
