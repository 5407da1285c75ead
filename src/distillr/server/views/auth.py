"""Login, logout and who is logged in.

``POST /api/login`` runs on the event loop: the throttle (``distillr.server.throttle``) answers
429 at once when a user name or client address must wait, and the password check runs on the
hash gate's own threads, so a flood of logins never holds the threads other requests use.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from distillr.server.problems import ApiProblem
from distillr.server.roles import ANALYST, PUBLIC, SESSION_COOKIE, Caller
from distillr.server.state import server_of
from distillr.server.throttle import Busy

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(..., max_length=256)
    password: str = Field(..., max_length=1024)


@router.get("/api/me")
def me(request: Request, caller: Caller = ANALYST) -> dict[str, Any]:
    """Who is logged in, their role, whether a login is needed, the page's CSRF token, and
    how many rows of a result the page's grid shows."""
    server = server_of(request)
    return {
        "user": caller.user,
        "auth_required": server.require_auth,
        "csrf": caller.csrf,
        "role": caller.role.label,
        "grid_rows": server.settings.grid_rows,
    }


@router.post("/api/login", openapi_extra={"security": []})
async def login(
    body: LoginIn, request: Request, response: Response, caller: Caller = PUBLIC
) -> dict[str, Any]:
    """Log in with a user name and password; sets the session cookie. Tries are throttled per
    user name and client address (429 with ``Retry-After``)."""
    server = server_of(request)
    if not server.require_auth:
        return {
            "user": None,
            "auth_required": False,
            "csrf": None,
            "role": "admin",
            "grid_rows": server.settings.grid_rows,
        }
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{body.username.lower()}", f"address:{address}")
    try:
        server.throttle.attempt(*keys)
        ok = await server.hashes.run(server.auth.check_password, body.username, body.password)
    except Busy as busy:
        raise ApiProblem(
            429,
            "Too many requests",
            busy.reason,
            "throttled",
            headers={"Retry-After": str(busy.retry_after)},
        ) from None
    if not ok:
        raise ApiProblem(401, "Wrong user name or password", "Wrong user name or password.", "auth")
    server.throttle.succeeded(*keys)
    sid, sess = await asyncio.to_thread(server.auth.start_session, body.username)
    response.set_cookie(
        SESSION_COOKIE,
        sid,
        httponly=True,
        secure=server.secure_cookies,
        samesite="strict",
        path="/",
        max_age=12 * 3600,
    )
    return {
        "user": sess.user,
        "auth_required": True,
        "csrf": sess.csrf,
        "role": sess.role,
        "grid_rows": server.settings.grid_rows,
    }


@router.post("/api/logout", status_code=204)
def logout(request: Request, caller: Caller = ANALYST) -> Response:
    """End the login session and drop its cookie."""
    server = server_of(request)
    server.auth.end_session(request.cookies.get(SESSION_COOKIE) or "")
    out = Response(status_code=204)
    out.delete_cookie(
        SESSION_COOKIE, path="/", secure=server.secure_cookies, httponly=True, samesite="strict"
    )
    return out
