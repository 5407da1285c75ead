"""Spark benchmark: a scan of every message on Spark (``local[4]``) against the DuckDB engine.

Both count the messages sent since 2008 (``WHERE date_sent >= '2008-01-01'``, which the Twilio
connector splits into date ranges) from a sandbox holding ``--messages`` messages with
``--latency-ms`` added to every request, in the same run. Spark's start-up (the JVM and the
session) is timed and reported apart. Then the same Spark scan with the splits grouped into
at most 1, 2, 4 and 8 partitions (``max_partitions``; never more than Spark's cores, each
partition reading ``max_concurrency // partitions`` splits at once) shows how the time scales.

    .venv/bin/python bench/spark_bench.py [--messages 100000] [--latency-ms 50] [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

from twilio_bench import RemoteSandbox

import distillr
import distillr.spark
from distillr.registry import Registry

QUERY = "SELECT count(*) FROM src.messages WHERE date_sent >= TIMESTAMP '2008-01-01 00:00:00'"
WHERE = "date_sent >= TIMESTAMP '2008-01-01 00:00:00'"


def _best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--cores", type=int, default=4)
    args = ap.parse_args()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    sb = RemoteSandbox(messages=args.messages, latency_ms=args.latency_ms)
    try:
        run(sb, args)
    finally:
        sb.close()
    return 0


def run(sb: RemoteSandbox, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as home:
        Registry(home).add(
            "twilio",
            "src",
            options={"account_sid": sb.account_sid, "base_url": sb.base_url},
            secrets={"auth_token": sb.auth_token},
            verify=False,
        )
        con = distillr.connect(home=home)
        duck, rows = _best(lambda: con.sql(QUERY).fetchall()[0][0], args.repeat)

        t0 = time.perf_counter()
        from pyspark.sql import SparkSession

        spark = (
            SparkSession.builder.master(f"local[{args.cores}]")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        distillr.spark.register(spark, home)
        startup = time.perf_counter() - t0

        def frame(partitions: int | None = None):
            reader = spark.read.format("distillr").option("source", "src")
            reader = reader.option("table", "messages")
            if partitions:
                reader = reader.option("max_partitions", str(partitions))
            return reader.load().where(WHERE)

        def scan(partitions: int | None = None) -> int:
            return frame(partitions).count()

        scan()  # warm the Python workers, as a long-running session would be
        on_spark, spark_rows = _best(scan, args.repeat)
        assert spark_rows == rows, (spark_rows, rows)
        print(f"{rows:,} messages, {args.latency_ms:g} ms latency, Spark local[{args.cores}]")
        print(f"Spark start-up (JVM + session + register): {startup:.2f} s (not counted below)")
        print(f"DuckDB engine : {duck:.2f} s")
        print(f"Spark         : {on_spark:.2f} s")
        print(f"ratio Spark/DuckDB: {on_spark / duck:.2f}x (goal: at most 1.5x)")
        print("partitions -> Spark time:")
        base = None
        for n in (1, 2, 4, 8):
            got = frame(n).rdd.getNumPartitions()  # at most the cores
            took, _ = _best(lambda n=n: scan(n), 1)
            base = base or took
            print(f"  {n}: {took:.2f} s ({base / took:.2f}x the speed of 1 partition; {got} made)")
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())
