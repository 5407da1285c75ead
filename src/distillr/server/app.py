"""The web app: a JSON API (OpenAPI docs at /docs) and the built front end, on the same library
calls the CLI uses. ``create_app`` only assembles it: the routers are in ``views/``, the
middleware in ``guard.py``, who may call what in ``roles.py``, the limits in ``settings.py``.

Security model: bound to loopback, no login is needed (the local user is an admin), but
requests must name a loopback host (no DNS rebinding) and state-changing requests from another
origin are refused. With ``require_auth`` (any other address), every API call needs an API
token (``Authorization: Bearer dst_...``) or a login session cookie (Secure, HttpOnly,
SameSite=Strict) plus the session's CSRF token in ``X-CSRF-Token`` for state-changing
requests, and acts with its user's role. Request bodies are capped before they are read.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

import distillr
from distillr.errors import DistillrError
from distillr.server.auth import AuthStore
from distillr.server.guard import BodyLimit, Guard
from distillr.server.jobs import JobManager
from distillr.server.problems import ApiProblem, Redactor, problem, problem_for
from distillr.server.results import ResultStore
from distillr.server.settings import ServerSettings
from distillr.server.state import ServerState
from distillr.server.throttle import HashGate, LoginThrottle
from distillr.server.views import ROUTERS
from distillr.server.views.static import mount_files

__all__ = ["LOOPBACK_HOSTS", "STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def create_app(
    home: str | os.PathLike | None = None,
    *,
    require_auth: bool = False,
    connect: Callable[[], Any] | None = None,
    allowed_hosts: set[str] | None = None,
    static_dir: str | os.PathLike | None = None,
    secure_cookies: bool = True,
    settings: ServerSettings | None = None,
) -> FastAPI:
    """Build the web app.

    ``connect`` returns a Session for one query or one catalog look-up (default: a new
    ``distillr.connect(home)`` each time, so sources added in the wizard are seen at once).
    ``allowed_hosts`` are the Host names accepted without ``require_auth`` (loopback names
    by default). ``settings`` are the limits (``ServerSettings``).
    """
    state = _state(home, require_auth, connect, static_dir, secure_cookies, settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="distillr",
        version=distillr.__version__,
        description="Query web APIs with Apache Drill-style SQL.",
        docs_url=None,  # views/static.py serves Swagger UI's files from the package (no CDN)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.server = state
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    _handle_errors(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_files(app, state.static)
    app.add_middleware(Guard, require_auth=require_auth, hosts=allowed_hosts or LOOPBACK_HOSTS)
    limits = {"max_body": state.settings.max_body, "max_upload": state.settings.max_upload}
    app.add_middleware(BodyLimit, **limits)  # outermost: first
    return app


def _state(
    home: str | os.PathLike | None,
    require_auth: bool,
    connect: Callable[[], Any] | None,
    static_dir: str | os.PathLike | None,
    secure_cookies: bool,
    settings: ServerSettings | None,
) -> ServerState:
    home_path = Path(home).expanduser() if home is not None else None
    settings = settings or ServerSettings()
    own_sessions = connect is None
    if connect is None:
        where = str(home_path) if home_path else None

        def connect() -> Any:
            return distillr.connect(where)

    redactor = Redactor(home_path)
    results = ResultStore(
        max_rows=settings.result_rows,
        max_bytes=settings.result_bytes,
        memory=settings.results_memory,
        disk=settings.results_disk,
        folder=settings.results_dir,
    )
    jobs = JobManager(
        connect,
        results=results,
        keep=settings.keep_results,
        close=own_sessions,
        max_running=settings.max_running,
        max_running_per_user=settings.max_running_per_user,
        max_queued_per_user=settings.max_queued_per_user,
        timeout=settings.query_timeout,
        redactor=redactor,
    )
    return ServerState(
        settings=settings,
        home=home_path,
        require_auth=require_auth,
        secure_cookies=secure_cookies,
        auth=AuthStore(home_path),
        jobs=jobs,
        connect=connect,
        own_sessions=own_sessions,
        static=Path(static_dir) if static_dir else STATIC_DIR,
        redactor=redactor,
        throttle=LoginThrottle(
            settings.login_free_attempts, settings.login_delay, settings.login_max_delay
        ),
        hashes=HashGate(settings.login_hashes, settings.login_waiting),
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> Any:
    yield
    state: ServerState = app.state.server
    await asyncio.to_thread(state.jobs.shutdown)
    state.hashes.close()


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    base = app.openapi

    def openapi() -> dict[str, Any]:
        """The schema, with the API token as a bearer scheme (Swagger UI's Authorize button);
        a request without one is fine on loopback, where no login is needed."""
        schema = base()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["token"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `distillr users token NAME` (needed when the"
            " server requires a login).",
        }
        schema["security"] = [{"token": []}, {}]
        return schema

    return openapi


def _redactor(request: Request) -> Redactor:
    return request.app.state.server.redactor


async def _distillr_error(request: Request, exc: DistillrError) -> Response:
    return problem_for(exc, _redactor(request))


async def _api_problem(request: Request, exc: ApiProblem) -> Response:
    headers = dict(exc.headers or {})
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    detail = _redactor(request)(exc.detail)
    return problem(exc.status, exc.title, detail, exc.kind, headers=headers, **exc.extra)


async def _bad_body(request: Request, exc: RequestValidationError) -> Response:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    detail = "; ".join(parts) or "The request is not valid."
    return problem(422, "Bad request", _redactor(request)(detail), "validation")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 413:  # a body past the cap: close, so the rest is never read
        return problem(413, "Request too large", str(exc.detail), "limit", {"connection": "close"})
    return problem(exc.status_code, "Error", str(exc.detail))


def _handle_errors(app: FastAPI) -> None:
    """Every error as a problem document (``problems.py``), with nothing of the server's own
    paths or platform in it."""
    app.add_exception_handler(DistillrError, _distillr_error)
    app.add_exception_handler(ApiProblem, _api_problem)
    app.add_exception_handler(RequestValidationError, _bad_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
