"""A finished query's result: JSON pages, an Arrow IPC stream for the grid, export files.

A result the server dropped to keep within its budgets answers 410 ("expired"); export files are
written to a temporary file a batch at a time and streamed from there.
"""

from __future__ import annotations

import os
import tempfile
import time

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from distillr.server import export
from distillr.server.jobs import Job
from distillr.server.problems import ApiProblem
from distillr.server.roles import ANALYST, Caller
from distillr.server.state import ServerState, server_of
from distillr.server.views.queries import find_job

router = APIRouter(tags=["queries"])

#: the most rows one JSON page returns
MAX_PAGE = 10_000


def _finished(server: ServerState, job_id: str, caller: Caller) -> Job:
    job = find_job(server, job_id, caller)
    if job.state == "running":
        raise ApiProblem(
            409,
            "Still running",
            "The query is still running; wait for it to finish, or cancel it.",
            "running",
        )
    if job.error is not None:
        raise job.error
    if job.result is None or job.result.expired:
        raise ApiProblem(
            410,
            "Result expired",
            "The server no longer keeps this result (it keeps recent results within a memory"
            " and disk budget). Run the query again.",
            "expired",
        )
    return job


@router.get("/api/queries/{job_id}/result")
def query_result(
    job_id: str,
    request: Request,
    format: str = Query("json", pattern="^(json|arrow)$"),
    offset: int = Query(0, ge=0),
    limit: int | None = Query(None, ge=0),
    caller: Caller = ANALYST,
) -> Response:
    """The result: ``format=json``: one page of rows (``limit`` at most 10,000, default
    1,000); ``format=arrow``: an Arrow IPC stream of the rows (all by default) in display
    types, for the grid."""
    job = _finished(server_of(request), job_id, caller)
    table = job.table
    if format == "arrow":
        part = table.slice(offset, limit) if (offset or limit is not None) else table
        data = export.to_arrow_ipc(export.display_table(part))
        return Response(data, media_type=export.FORMATS["arrow"][0])
    if limit is not None and limit > MAX_PAGE:
        raise ApiProblem(
            422,
            "Bad request",
            f"limit: at most {MAX_PAGE:,} rows per JSON page; use format=arrow or an export for"
            " more.",
            "validation",
        )
    return JSONResponse(export.json_page(table, offset, 1000 if limit is None else limit))


@router.get("/api/queries/{job_id}/export")
def query_export(
    job_id: str,
    request: Request,
    format: str = Query("csv", pattern="^(csv|json|parquet)$"),
    caller: Caller = ANALYST,
) -> Response:
    """Download the whole result as CSV, JSON or Parquet."""
    job = _finished(server_of(request), job_id, caller)
    media, ext = export.FORMATS[format]
    fd, name = tempfile.mkstemp(prefix="distillr-export-", suffix=f".{ext}")
    try:
        with os.fdopen(fd, "wb") as sink:
            export.write_file(job.table, format, sink)
    except BaseException:
        os.unlink(name)
        raise
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return FileResponse(
        name,
        media_type=media,
        filename=f"distillr-{stamp}.{ext}",
        background=BackgroundTask(os.unlink, name),
    )
