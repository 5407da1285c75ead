"""Query jobs and EXPLAIN.

``POST /api/queries`` queues a job (``distillr.server.jobs``: capped per user and in total;
past the queue's bound 429 with ``Retry-After``). ``GET /api/queries/{id}?wait=s`` long-polls
on the event loop: it awaits the job's end, no thread sleeps meanwhile.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from distillr.errors import SqlError
from distillr.server.jobs import Job
from distillr.server.problems import ApiProblem
from distillr.server.roles import ANALYST, Caller
from distillr.server.state import ServerState, server_of
from distillr.server.throttle import Busy

router = APIRouter(tags=["queries"])

#: the longest long-poll, in seconds
MAX_WAIT = 30.0


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sql: str
    pushdown: bool = True
    tab: str | None = Field(
        None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The page's query tab: a new query from the same tab cancels the last",
    )
    timeout: float | None = Field(
        None,
        gt=0,
        allow_inf_nan=False,
        description="Seconds; at most (and by default) the server's query timeout",
    )


class ExplainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sql: str
    pushdown: bool = True


def find_job(server: ServerState, job_id: str, caller: Caller) -> Job:
    """The caller's job ``job_id``, or 404."""
    job = server.jobs.get(job_id, owner=caller.user if server.require_auth else None)
    if job is None:
        raise ApiProblem(
            404,
            "Not found",
            f"There is no query '{job_id}' (results are kept for the most recent queries"
            " only). Run the query again.",
            "catalog",
        )
    return job


@router.post("/api/queries", status_code=202)
def start_query(body: QueryIn, request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """Start a query as a job; poll ``GET /api/queries/{id}`` for progress."""
    server = server_of(request)
    if not body.sql.strip():
        raise SqlError("The query is empty. Type a SELECT statement and run it.")
    limit = server.settings.query_timeout
    if body.timeout is not None and body.timeout > limit:
        raise ApiProblem(
            422,
            "Bad request",
            f"timeout: at most {limit:g} seconds on this server (its query timeout).",
            "validation",
        )
    try:
        job = server.jobs.start(
            body.sql,
            pushdown=body.pushdown,
            timeout=body.timeout,
            owner=caller.user,
            tab=body.tab,
        )
    except Busy as busy:
        raise ApiProblem(
            429,
            "Too many queries",
            busy.reason,
            "throttled",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    return job.to_dict(server.redactor)


@router.get("/api/queries")
def list_queries(
    request: Request,
    tab: str | None = Query(None, max_length=64),
    caller: Caller = ANALYST,
) -> list[dict[str, Any]]:
    """The caller's recent query jobs, newest first (``tab``: only that tab's)."""
    server = server_of(request)
    owner = caller.user if server.require_auth else None
    jobs = server.jobs.recent(owner=owner, any_owner=not server.require_auth, tab=tab)
    return [job.to_dict(server.redactor) for job in jobs]


@router.get("/api/queries/{job_id}")
async def query_status(
    job_id: str,
    request: Request,
    wait: float = Query(0, ge=0, le=MAX_WAIT, allow_inf_nan=False),
    caller: Caller = ANALYST,
) -> dict[str, Any]:
    """State, elapsed time and live stats (requests, pages, rows) of a query job.
    ``wait`` seconds: return early once it finishes (long polling)."""
    server = server_of(request)
    job = find_job(server, job_id, caller)
    if wait and math.isfinite(wait):
        await job.wait(wait)
    return job.to_dict(server.redactor)


@router.delete("/api/queries/{job_id}")
def cancel_query(job_id: str, request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """Cancel a query (running or waiting to run)."""
    server = server_of(request)
    job = find_job(server, job_id, caller)
    server.jobs.cancel(job)
    return job.to_dict(server.redactor)


class FormatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sql: str


@router.post("/api/format")
def format_sql(body: FormatIn, caller: Caller = ANALYST) -> dict[str, str]:
    """The query laid out one clause a line (sqlglot, in distillr's Drill dialect). The
    formatted text parses to the same query, or the query is given back as it was."""
    from distillr.sql.dialect import DIALECT, classify, parse

    text = body.sql.strip().rstrip(";")
    if not text:
        raise SqlError("The query is empty. Type a SELECT statement to format.")
    if classify(text).kind != "query":
        return {"sql": body.sql, "note": "Only SELECT statements are formatted."}
    tree = parse(text)  # a syntax error is a 400 with its line and column
    pretty = tree.sql(dialect=DIALECT, pretty=True)
    if parse(pretty) != tree:
        return {"sql": body.sql, "note": "This query is kept as it is: formatting would change it."}
    return {"sql": pretty}


@router.post("/api/explain")
def explain(body: ExplainIn, request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """The query plan: what is pushed to each API, and what DuckDB does."""
    if not body.sql.strip():
        raise SqlError("The query is empty. Type a SELECT statement to explain.")
    server = server_of(request)
    session = server.session()
    try:
        plan = _explain(session, body.sql, body.pushdown)
        data = plan.to_dict() if hasattr(plan, "to_dict") else {}
        return {"text": getattr(plan, "text", str(plan)), "plan": _plain(data)}
    finally:
        server.done_with(session)


def _explain(session: Any, sql: str, pushdown: bool) -> Any:
    try:
        return session.explain(sql, pushdown=pushdown)
    except TypeError:
        return session.explain(sql)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
