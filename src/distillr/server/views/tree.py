"""The nav tree and sample queries (``distillr.tree`` and ``distillr.samples``, as the CLI's
``distillr tree --json`` and ``distillr samples``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from distillr.server.catalog import examples_for, sample_queries, tree_data
from distillr.server.roles import ANALYST, Caller
from distillr.server.state import server_of

router = APIRouter(tags=["catalog"])


@router.get("/api/tree")
def tree(
    request: Request, source: str | None = Query(None, max_length=256), caller: Caller = ANALYST
) -> dict[str, Any]:
    """Sources -> tables (description, required parameters) -> columns with types."""
    server = server_of(request)
    return tree_data(server.session(), source, close=server.own_sessions)


@router.get("/api/samples/{source}")
def samples(
    source: str,
    request: Request,
    table: str | None = Query(None, max_length=1024),
    caller: Caller = ANALYST,
) -> dict[str, Any]:
    """Ready-to-run sample queries for a source (optionally for one of its tables)."""
    server = server_of(request)
    key = source.lower()
    if key not in server.examples:
        # real filter values (a few cheap queries), so every sample returns rows
        server.examples[key] = examples_for(server.session(), source, close=server.own_sessions)
    found = sample_queries(
        server.session(),
        source,
        table,
        close=server.own_sessions,
        examples=server.examples[key],
    )
    return {"source": source, "samples": found}
