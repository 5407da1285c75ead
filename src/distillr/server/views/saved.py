"""Saved queries, per user (``distillr.server.saved``): list, save (a name again replaces
its SQL), mark as run, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from distillr.server.roles import ANALYST, Caller
from distillr.server.saved import MAX_NAME, SavedQueries
from distillr.server.state import server_of

router = APIRouter(tags=["saved queries"])


class SavedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=MAX_NAME)
    sql: str = Field(min_length=1, max_length=1_000_000)


def _store(request: Request) -> SavedQueries:
    return SavedQueries(server_of(request).home)


@router.get("/api/saved")
def list_saved(request: Request, caller: Caller = ANALYST) -> list[dict[str, Any]]:
    """The caller's saved queries (name, SQL, when saved and last run), by name."""
    return _store(request).list(caller.user)


@router.put("/api/saved")
def save_query(body: SavedIn, request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """Save a query under a name (the same name again replaces its SQL)."""
    return _store(request).save(caller.user, body.name, body.sql)


@router.post("/api/saved/{name}/ran", status_code=204)
def saved_ran(name: str, request: Request, caller: Caller = ANALYST) -> Response:
    """Record that the saved query ran now."""
    _store(request).ran(caller.user, name)
    return Response(status_code=204)


@router.delete("/api/saved/{name}", status_code=204)
def delete_saved(name: str, request: Request, caller: Caller = ANALYST) -> Response:
    """Forget a saved query."""
    _store(request).delete(caller.user, name)
    return Response(status_code=204)
