"""JIRA sandbox benchmarks, each printed with a baseline measured in the same run.

1. Start-up (data generation + server up) and peak resident memory at each scale, each in a
   fresh subprocess, against a subprocess that only imports the same modules.
2. Server time of one page of 100 full issues (``/rest/api/3/search/jql`` with ``fields=*all``,
   following ``nextPageToken`` through every issue at ``--scale large``; the ASGI app called
   directly, from the request to the last body byte): median CPU and wall time per page, against
   ``msgspec.json.encode`` of the same 100 issues already built as dicts.

Run: ``.venv/bin/python bench/jira_sandbox_bench.py`` (``--quick``: small scale only).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

CHILD = """
import json, sys, time
t0 = time.perf_counter()


def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024


from distillr.sandbox.jira import JiraSandbox
scale = sys.argv[1]
if scale == "none":
    print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": rss_mb()}))
    raise SystemExit
with JiraSandbox(seed=42, scale=scale) as sb:
    print(json.dumps({"seconds": time.perf_counter() - t0, "rss_mb": rss_mb(),
                      "issues": len(sb.data.issues)}))
"""


def startup(scales: list[str]) -> None:
    print("start-up in a fresh process (generation + server up), against importing only:")
    runs = {}
    for scale in ["none", *scales]:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, scale], capture_output=True, text=True, check=True
        )
        runs[scale] = json.loads(out.stdout)
    base = runs["none"]
    print(f"  imports only          {base['seconds']:6.2f} s  {base['rss_mb']:6.0f} MB")
    for scale in scales:
        r = runs[scale]
        extra = r["seconds"] - base["seconds"]
        print(
            f"  {scale:<6} {r['issues']:>7,} issues {r['seconds']:6.2f} s  {r['rss_mb']:6.0f} MB"
            f"   (+{extra:.2f} s, {r['seconds'] / base['seconds']:.1f}x the imports)"
        )


async def _serve(app, auth: bytes, query: str) -> tuple[float, float, bytes]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg):
        sent.append(msg)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/rest/api/3/search/jql",
        "query_string": query.encode(),
        "headers": [(b"host", b"bench"), (b"authorization", auth)],
        "scheme": "http",
    }
    c0, w0 = time.process_time(), time.perf_counter()
    await app(scope, receive, send)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    return (
        cpu,
        wall,
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
    )


def pages(scale: str) -> None:
    import msgspec

    from distillr.sandbox.jira import JiraSandbox

    sb = JiraSandbox(seed=42, scale=scale)
    auth = b"Basic " + base64.b64encode(f"{sb.email}:{sb.api_token}".encode())
    jql = "project in (ENG, WEB, OPS, MOB, DATA, SUP, SEC, DES) ORDER BY key"
    token, cpu, wall, base_cpu, count, issues = None, [], [], [], 0, 0
    while True:
        params = {"jql": jql, "fields": "*all", "maxResults": 100}
        if token:
            params["nextPageToken"] = token
        c, w, body = asyncio.run(_serve(sb.app, auth, urlencode(params)))
        page = msgspec.json.decode(body)
        cpu.append(c)
        wall.append(w)
        count += 1
        issues += len(page["issues"])
        c0 = time.process_time()
        msgspec.json.encode(page["issues"])  # the baseline: encoding the same dicts
        base_cpu.append(time.process_time() - c0)
        token = page.get("nextPageToken")
        if not token:
            break
    med, base = statistics.median(cpu), statistics.median(base_cpu)
    print(f"search/jql, 100 full issues a page, {count} pages ({issues:,} issues, scale {scale}):")
    print(
        f"  per page: {med * 1000:.2f} ms CPU, {statistics.median(wall) * 1000:.2f} ms wall;"
        f" encoding the same dicts: {base * 1000:.2f} ms ({med / base:.1f}x);"
        f" whole scan {sum(cpu):.2f} s CPU"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small scale only")
    args = ap.parse_args()
    scales = ["tiny", "small"] if args.quick else ["tiny", "small", "large"]
    startup(scales)
    pages("small" if args.quick else "large")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
