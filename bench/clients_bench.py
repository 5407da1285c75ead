"""Standard clients against the in-process Arrow result, in one run, on the same query: every
message of a Twilio sandbox source crossed with ``range(k)`` to make ``--rows`` rows, so each
run goes through the API path (pages fetched and converted) as well as the engine.

- baselines, in this process: ``distillr.connect().sql(SQL).arrow()`` (Arrow, no Python
  objects) and ``.fetchall()`` (the same rows as Python tuples);
- wire: psycopg 3 ``fetchall()`` against ``distillr pg`` running in its own process, with a
  text cursor (what psycopg uses by default) and a binary one (``cursor(binary=True)``).
  The goal (at most 1.5x) is judged against in-process Python rows (the faster of
  ``.fetchall()`` and the DB-API loop below), since psycopg gives Python rows too: that is the
  in-process way to get what a psycopg user gets. The ratio
  against ``.arrow()`` is printed beside it, with the execute step (server, wire and libpq
  receiving every row, before psycopg makes a Python object) on its own against ``.arrow()``;
- DB-API: ``distillr.dbapi`` cursor, a ``fetchmany(10_000)`` loop, with its peak traced Python
  memory against ``Result.arrow()``'s (tracemalloc sees Arrow's buffers too, since pyarrow
  allocates through it only in part, so the Arrow figure is the process's RSS growth).

The sandbox runs in its own process, as Twilio runs on its own servers.

    .venv/bin/python bench/clients_bench.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc

import psycopg

import distillr
from distillr import dbapi


def _sandbox(queue) -> None:
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=11, scale="small") as sb:
        queue.put((sb.base_url, sb.account_sid, sb.auth_token))
        while True:
            time.sleep(3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def start_pg(home: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DISTILLR_HOME=home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "distillr.cli", "pg", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"distillr pg ended: {proc.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("distillr pg did not start")


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    sandbox = ctx.Process(target=_sandbox, args=(queue,), daemon=True)
    sandbox.start()
    base_url, sid, token = queue.get(timeout=60)
    with tempfile.TemporaryDirectory() as home:
        os.environ.pop("DISTILLR_SECRET_KEY", None)
        from distillr.registry import Registry

        Registry(home).add(
            "twilio", "tw", {"account_sid": sid, "base_url": base_url}, {"auth_token": token}
        )
        session = distillr.connect(home=home)
        messages = session.sql("SELECT count(*) FROM tw.messages").fetchall()[0][0]
        k = math.ceil(args.rows / messages)
        sql = (
            "SELECT m.sid, m.status, m.num_segments, m.date_sent, m.price, r.range AS i"
            f" FROM tw.messages m CROSS JOIN range({k}) r LIMIT {args.rows}"
        )
        port = free_port()
        pg = start_pg(home, port)
        try:
            run(session, home, sql, port, args)
        finally:
            pg.terminate()
            pg.wait(timeout=15)
            session.close()
    sandbox.terminate()
    return 0


def run(session, home: str, sql: str, port: int, args) -> None:
    repeat = args.repeat
    t_arrow, table = best(lambda: session.sql(sql).arrow(), repeat)
    rows = table.num_rows
    dsn = f"host=127.0.0.1 port={port} dbname=distillr user=bench sslmode=disable"
    t_tuples, _ = best(lambda: session.sql(sql).fetchall(), repeat)
    wire = {}
    with psycopg.connect(dsn) as conn:
        for binary in (False, True):
            split = []

            def fetch(binary=binary, split=split):
                with conn.cursor(binary=binary) as cur:
                    t0 = time.perf_counter()
                    cur.execute(sql)  # libpq has every row when this returns
                    t1 = time.perf_counter()
                    out = cur.fetchall()  # psycopg makes the Python rows
                    split.append((t1 - t0, time.perf_counter() - t1))
                    return out

            t_wire, got = best(fetch, repeat)
            assert len(got) == rows, (len(got), rows)
            wire[binary] = (t_wire, *min(split, key=sum))

    conn = dbapi.connect(home=home)

    def fetchmany_loop() -> int:
        cur = conn.cursor()
        cur.execute(sql)
        n = 0
        while batch := cur.fetchmany(10_000):
            n += len(batch)
        return n

    t_dbapi, n = best(fetchmany_loop, repeat)
    assert n == rows, (n, rows)
    tracemalloc.start()
    fetchmany_loop()
    _, peak_dbapi = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    before = rss()
    kept = session.sql(sql).arrow()
    _, peak_arrow_traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = max(rss() - before, kept.nbytes)
    conn.close()

    mib = 1024 * 1024
    print(f"query: {sql}")
    print(f"rows: {rows:,} (best of {repeat})")
    print(f"in-process Result.arrow():        {t_arrow:7.3f} s")
    print(
        f"in-process Result.fetchall() (Python rows): {t_tuples:7.3f} s"
        f"   {t_tuples / t_arrow:.2f}x Result.arrow()"
    )
    print(
        f"DB-API fetchmany(10_000) loop (Python rows): {t_dbapi:7.3f} s"
        f"   {t_dbapi / t_arrow:.2f}x Result.arrow()"
    )
    t_rows = min(t_tuples, t_dbapi)
    print(
        f"goal: psycopg <= 1.5x the same query in process, judged against in-process Python"
        f" rows (the faster of the two above, {t_rows:.3f} s), since psycopg gives Python rows;"
        f" the ratio against Result.arrow() is shown beside it"
    )
    for binary, (t_wire, t_exec, t_convert) in wire.items():
        verdict = "MET" if t_wire <= 1.5 * t_rows else "MISSED"
        print(
            f"psycopg {'binary' if binary else 'text'} cursor (distillr pg): {t_wire:7.3f} s"
            f"   {t_wire / t_rows:.2f}x in-process Python rows (goal <= 1.5x: {verdict})"
            f"   {t_wire / t_arrow:.2f}x Result.arrow()"
        )
        print(
            f"  of which execute (server, wire, libpq) {t_exec:.3f} s = {t_exec / t_arrow:.2f}x"
            f" Result.arrow(); fetchall (psycopg's Python rows) {t_convert:.3f} s"
        )
    print(
        f"peak memory: DB-API loop {peak_dbapi / mib:.1f} MiB (traced), Result.arrow()"
        f" {max(grown, peak_arrow_traced) / mib:.1f} MiB (the whole table:"
        f" {kept.nbytes / mib:.1f} MiB of Arrow buffers)"
    )


if __name__ == "__main__":
    sys.exit(main())
