"""distillr on Apache Spark (``pip install 'distillr[spark]'``): the registry's sources as the
Spark data source ``distillr``, read in parallel: the connector's splits dealt into as many
partitions as Spark has cores, each reading its splits a few at a time.

>>> import distillr.spark                                        # doctest: +SKIP
>>> distillr.spark.register(spark)                               # doctest: +SKIP
>>> spark.read.format("distillr").option("source", "my_twilio") \\
...     .option("table", "messages").load()                      # doctest: +SKIP

See ``docs/spark.md`` for how secrets reach the executors and how request limits add up.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from distillr.spark.errors import unwrapped

__all__ = ["explain", "query_arrow", "register", "sql", "unwrapped"]

#: the sources each Spark session was registered with (by application id)
_REGISTERED: dict[str, Any] = {}

PUSHDOWN_CONF = "spark.sql.python.filterPushdown.enabled"
SECRET_CONF = "spark.distillr.secret."


def register(
    spark: Any,
    home: str | os.PathLike | None = None,
    *,
    ship_secrets: bool | Collection[str] = True,
    pushdown: bool = True,
) -> list[str]:
    """Register the data source ``distillr`` over the sources of the registry under ``home``
    (default ``$DISTILLR_HOME`` or ``~/.distillr``) and return their names.

    The executors get each source's type and options from the driver. Secrets come, in order,
    from the executor's environment (``DISTILLR_SECRET_<SOURCE>_<NAME>``), then from what the
    driver ships: with ``ship_secrets`` the registry's secrets and any Spark configuration
    ``spark.distillr.secret.<source>.<name>``; without it, the environment alone. A collection
    of names ships the secrets of those sources only.
    ``pushdown`` turns on Spark's filter pushdown for Python data sources.

    Spark's ``defaultParallelism`` (its cores) is read here and is the most partitions a scan
    is read in; register again if the cluster grew.
    """
    from distillr.registry import Registry
    from distillr.spark.definition import Secrets, SourceDef
    from distillr.spark.source import DistillrDataSource

    registry = Registry(home)
    defs: dict[str, SourceDef] = {}
    for info in registry.list():
        type_, options, secrets = registry.definition(info.name)
        shipped: dict[str, str] = {}
        if ship_secrets is True or (
            not isinstance(ship_secrets, bool) and info.name.lower() in _lower(ship_secrets)
        ):
            shipped.update(secrets)
            shipped.update(_conf_secrets(spark, info.name))
        defs[info.name] = SourceDef(
            name=info.name,
            type=type_,
            options=options,
            secret_names=tuple(sorted(secrets)),
            shipped=Secrets(shipped),
        )
    attrs = {
        "sources": defs,
        "parallelism": spark.sparkContext.defaultParallelism,
        "__module__": __name__,
    }
    cls = type("DistillrDataSource", (DistillrDataSource,), attrs)
    if pushdown:
        spark.conf.set(PUSHDOWN_CONF, "true")
    spark.dataSource.register(cls)
    _REGISTERED[spark.sparkContext.applicationId] = defs
    return sorted(defs)


def sql(spark: Any, text: str, home: str | os.PathLike | None = None, pushdown: bool = True) -> Any:
    """Run Drill-style SQL (as ``distillr query`` takes it) on Spark; a Spark DataFrame.

    Each ``source.table`` becomes a temporary view over the ``distillr`` data source, path
    parameters bound from WHERE. Registers the registry's sources first unless ``register``
    already did for this Spark session (``home`` is then ignored). Errors found while the
    query is planned are raised as distillr's (``CatalogError``, ``MissingParameter``,
    ``ConfigError``); the DataFrame's own actions raise Spark's, which ``unwrapped()`` turns
    into distillr's."""
    from distillr.spark.translate import translate

    defs = _REGISTERED.get(spark.sparkContext.applicationId)
    if defs is None:
        register(spark, home)
        defs = _REGISTERED[spark.sparkContext.applicationId]
    with unwrapped():  # the views are analysed here: their sources' errors are distillr's
        return spark.sql(translate(spark, text, defs, pushdown=pushdown))


def _conf_secrets(spark: Any, source: str) -> dict[str, str]:
    prefix = f"{SECRET_CONF}{source.lower()}."
    found = {}
    for key, value in spark.sparkContext.getConf().getAll():
        if key.lower().startswith(prefix):
            found[key[len(prefix) :]] = value
    return found


def _lower(names: Collection[str]) -> set[str]:
    return {n.lower() for n in names}


def query_arrow(
    text: str, home: str | os.PathLike | None = None, pushdown: bool = True, spark: Any = None
) -> Any:
    """Run Drill-style SQL on Spark (the active session, or a new local one) and return an
    Arrow table: ``distillr query --engine spark``. A failure inside Spark is raised as the
    distillr error it started as, without Spark's stack trace."""
    from distillr.spark.engine import spark_session

    spark = spark_session(spark)
    if spark.sparkContext.applicationId not in _REGISTERED:
        register(spark, home)
    with unwrapped():
        return sql(spark, text, home=home, pushdown=pushdown).toArrow()


def explain(
    text: str, home: str | os.PathLike | None = None, pushdown: bool = True, spark: Any = None
) -> str:
    """The plan of Drill-style SQL on Spark (the active session, or a new local one): the views
    the query reads and their options (a pushed LIMIT among them), its Spark SQL and Spark's
    formatted plan: ``distillr query --engine spark --explain``."""
    from distillr.spark.engine import spark_session
    from distillr.spark.plans import explain_text

    spark = spark_session(spark)
    if spark.sparkContext.applicationId not in _REGISTERED:
        register(spark, home)
    with unwrapped():
        return explain_text(spark, text, _REGISTERED[spark.sparkContext.applicationId], pushdown)
