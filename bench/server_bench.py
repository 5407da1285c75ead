"""Web server memory under hostile load: a real ``distillr serve --auth`` while 20
unauthenticated 400 MB request bodies and 20 large query results arrive at once.

Prints the server's idle RSS (after start-up and one small query), its peak RSS (``VmHWM``)
during the load, and the goal: at most 1.5 x idle plus the configured result budget (the memory
kept results may use; the rest spill to disk). Half the bodies declare their 400 MB length (the
server refuses them before reading), half are sent chunked (the server stops reading at its
1 MiB cap).

Usage: python bench/server_bench.py [--rows 5000000] [--budget-mib 64] [--bodies 20] [--results 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> tuple[int, int]:
    """(RSS, peak RSS) of a process, in bytes (Linux /proc)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024


def send_body(port: int, size: int, chunked: bool) -> int:
    """Send an unauthenticated POST with a ``size``-byte body; returns the bytes sent before the
    server closed the connection (socket buffers included)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % size
        sock.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing + b"\r\n\r\n")
        block = b"x" * MIB
        piece = b"%x\r\n%s\r\n" % (MIB, block) if chunked else block
        try:
            while sent < size:
                sock.sendall(piece)
                sent += MIB
        except OSError:
            pass
    return sent


def run_query(client: httpx.Client, sql: str) -> str:
    job = client.post("/api/queries", json={"sql": sql}).json()
    while job.get("state") == "running":
        job = client.get(f"/api/queries/{job['id']}", params={"wait": 10}).json()
    return job.get("state", str(job))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000, help="rows of each large result")
    ap.add_argument("--budget-mib", type=float, default=64, help="results kept in memory, MiB")
    ap.add_argument("--bodies", type=int, default=20)
    ap.add_argument("--results", type=int, default=20)
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="distillr-server-bench-"))
    env = {**os.environ, "DISTILLR_HOME": str(home)}
    env.pop("DISTILLR_SECRET_KEY", None)
    from distillr.server.auth import AuthStore

    store = AuthStore(home)
    store.add_user("bench", "a long password")
    _, token = store.create_token("bench")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "distillr.cli",
        "serve",
        "--auth",
        "--port",
        str(port),
        "--results-memory-mib",
        str(args.budget_mib),
        "--max-queries-per-user",
        "4",
        "--results-disk-mib",
        str(max(4096, args.results * args.rows * 9 // MIB + 64)),
    ]
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(
            base_url=url, timeout=600, headers={"authorization": f"Bearer {token}"}
        )
        for _ in range(600):
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        run_query(client, "SELECT * FROM range(1000)")
        idle, _ = memory(server.pid)
        taken: list[int] = []
        states: list[str] = []
        sql = f"SELECT * FROM range({args.rows})"
        threads = [
            threading.Thread(
                target=lambda i=i: taken.append(send_body(port, 400 * MIB, i % 2 == 1))
            )
            for i in range(args.bodies)
        ] + [
            threading.Thread(target=lambda: states.append(run_query(client, sql)))
            for _ in range(args.results)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        rss, peak = memory(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    budget = args.budget_mib * MIB
    goal = 1.5 * idle + budget
    print(
        f"{args.bodies} unauthenticated 400 MiB bodies (half chunked) and {args.results}"
        f" results of {args.rows:,} rows ({args.rows * 8 / MIB:,.0f} MiB each) in {elapsed:.1f} s"
    )
    print(
        f"  bodies: at most {max(taken) / MIB:,.0f} MiB of one could be sent before the server"
        " closed the connection"
    )
    print(f"  results: {', '.join(f'{states.count(s)} {s}' for s in sorted(set(states)))}")
    print(
        f"  idle RSS {idle / MIB:,.0f} MiB; peak RSS {peak / MIB:,.0f} MiB"
        f" = {peak / idle:.2f} x idle; after {rss / MIB:,.0f} MiB"
    )
    print(
        f"  goal: peak <= 1.5 x idle + result budget ({args.budget_mib:g} MiB) ="
        f" {goal / MIB:,.0f} MiB: {'met' if peak <= goal else 'NOT met'}"
        f" (peak is {(peak - idle) / budget:.2f} x the budget above idle)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
