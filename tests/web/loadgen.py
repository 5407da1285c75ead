"""The load of test_load.py, sent from its own process (so the test's own timings of
`/api/tree` do not queue behind it): ``python loadgen.py URL TOKEN JOB_ID`` fires 100 long-polls
on JOB_ID, 200 wrong logins and 50 queries at once and prints the statuses as JSON."""

from __future__ import annotations

import asyncio
import json
import sys

import httpx


async def main(url: str, token: str, job_id: str) -> list:
    auth = {"authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as c:
        polls = [
            c.get(f"/api/queries/{job_id}", params={"wait": 20}, headers=auth) for _ in range(100)
        ]
        logins = [
            c.post("/api/login", json={"username": f"u{i % 7}", "password": "wrong password"})
            for i in range(200)
        ]
        sql = {"sql": "SELECT count(*) FROM shop.items"}
        queries = [c.post("/api/queries", headers=auth, json=sql) for _ in range(50)]
        answers = await asyncio.gather(*polls, *logins, *queries, return_exceptions=True)
    return [getattr(a, "status_code", type(a).__name__) for a in answers]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(*sys.argv[1:4]))))
