"""The web app: a JSON API (OpenAPI docs at /docs) and the built front end, on the same library
calls the CLI uses.

Security model: bound to loopback, no login is needed, but requests must name a loopback host
(no DNS rebinding) and state-changing requests from another origin are refused. With
``require_auth`` (any other address), every API call needs an API token (``Authorization:
Bearer dst_...``) or a login session cookie (Secure, HttpOnly, SameSite=Strict) plus the
session's CSRF token in ``X-CSRF-Token`` for state-changing requests.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

import distillr
from distillr.errors import CatalogError, ConfigError, DistillrError, SqlError
from distillr.server import export
from distillr.server.auth import AuthStore, same_secret
from distillr.server.jobs import JobManager
from distillr.server.problems import ApiProblem, problem, problem_for
from distillr.server.sources import CATEGORIES, NAME_RE, NAME_RULE, TYPES, field_for, source_dict


def _check_name(name: str) -> str:
    from distillr.registry import check_name as registry_check

    return registry_check(name)


__all__ = ["LOOPBACK_HOSTS", "STATIC_DIR", "create_app"]

log = logging.getLogger("distillr.server")

STATIC_DIR = Path(__file__).parent / "static"
SESSION_COOKIE = "distillr_session"
CSRF_HEADER = "x-csrf-token"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
#: the most rows one JSON page returns
MAX_PAGE = 10_000


# request bodies ------------------------------------------------------------------------------
class SourceIn(BaseModel):
    type: str = Field("twilio", description="Data source type, e.g. twilio")
    name: str = Field(..., description="Lowercase letters, digits and underscores")
    options: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    verify: bool = Field(True, description="Test the connection before saving")


class SourcePatch(BaseModel):
    name: str | None = Field(None, description="A new name (rename)")
    options: dict[str, Any] | None = None
    secrets: dict[str, str] | None = Field(None, description="Only the secrets to replace")
    verify: bool = True


class QueryIn(BaseModel):
    sql: str
    pushdown: bool = True
    timeout: float | None = Field(None, gt=0)


class ExplainIn(BaseModel):
    sql: str
    pushdown: bool = True


class LoginIn(BaseModel):
    username: str
    password: str


# the app -------------------------------------------------------------------------------------
def create_app(
    home: str | os.PathLike | None = None,
    *,
    require_auth: bool = False,
    connect: Callable[[], Any] | None = None,
    allowed_hosts: set[str] | None = None,
    static_dir: str | os.PathLike | None = None,
    secure_cookies: bool = True,
) -> FastAPI:
    """Build the web app.

    ``connect`` returns a Session for one query or one catalog look-up (default: a new
    ``distillr.connect(home)`` each time, so sources added in the wizard are seen at once).
    ``allowed_hosts`` are the Host names accepted without ``require_auth`` (loopback names
    by default).
    """
    home_path = Path(home).expanduser() if home is not None else None
    own_sessions = connect is None
    if connect is None:

        def connect() -> Any:
            return distillr.connect(str(home_path) if home_path else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        await asyncio.to_thread(app.state.jobs.shutdown)

    app = FastAPI(
        lifespan=lifespan,
        title="distillr",
        version=distillr.__version__,
        description="Query web APIs (Twilio first) with Apache Drill-style SQL.",
        docs_url=None,  # served below with Swagger UI's files from the package (no CDN)
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    base_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        """The schema, with the API token as a bearer scheme (Swagger UI's Authorize button);
        a request without one is fine on loopback, where no login is needed."""
        schema = base_openapi()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})["token"] = {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `distillr users token NAME` (needed when the"
            " server requires a login).",
        }
        schema["security"] = [{"token": []}, {}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.auth = AuthStore(home_path)
    app.state.require_auth = require_auth
    app.state.jobs = JobManager(connect, close=own_sessions)
    app.state.connect = connect
    app.state.home = home_path
    hosts = {h.lower() for h in (allowed_hosts or LOOPBACK_HOSTS)}
    static = Path(static_dir) if static_dir else STATIC_DIR

    examples: dict[str, dict[str, Any]] = {}  # source -> filter values for its samples

    def registry() -> Any:
        from distillr.registry import Registry

        return Registry(str(home_path) if home_path else None)

    # errors ----------------------------------------------------------------------------------
    @app.exception_handler(DistillrError)
    async def _distillr_error(request: Request, exc: DistillrError) -> Response:
        return problem_for(exc)

    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.title, exc.detail, exc.kind, headers=headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _bad_body(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return problem(
            422, "Bad request", "; ".join(parts) or "The request is not valid.", "validation"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, "Error", str(exc.detail))

    # security --------------------------------------------------------------------------------
    @app.middleware("http")
    async def _guard(request: Request, call_next: Callable) -> Response:
        host = (request.headers.get("host") or "").lower()
        hostname = urlsplit(f"//{host}").hostname or ""
        if not require_auth and hostname not in {h.strip("[]") for h in hosts} | hosts:
            return problem(
                421,
                "Wrong host",
                f"This server answers to {sorted(hosts)[0]} only."
                " Open it through a loopback address.",
                "host",
            )
        origin = request.headers.get("origin")
        if (
            request.method not in _SAFE_METHODS
            and origin
            and origin != "null"
            and urlsplit(origin).netloc.lower() != host
        ):
            return problem(
                403,
                "Cross-origin request refused",
                "Requests that change data must come from this app's own page.",
                "csrf",
            )
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.url.path.startswith(("/docs", "/openapi")):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:;"
                " frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
            )
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        elif request.url.path.startswith("/assets/") and response.status_code == 200:
            # built files carry a content hash in their names
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        elif request.url.path.startswith("/swagger-ui/"):  # fixed names: revalidate
            response.headers.setdefault("Cache-Control", "no-cache")
        return response

    def user(request: Request) -> str | None:
        """The authenticated user (``None`` when no login is needed)."""
        if not require_auth:
            return None
        store: AuthStore = app.state.auth
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            name = store.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if name is None:
                raise ApiProblem(
                    401,
                    "Not authenticated",
                    "The API token is not valid (wrong, revoked, or its user was"
                    " removed). Create one with `distillr users token NAME`.",
                    "auth",
                )
            return name
        sid = request.cookies.get(SESSION_COOKIE)
        sess = store.session(sid) if sid else None
        if sess is None:
            raise ApiProblem(
                401,
                "Not authenticated",
                "Log in, or send an API token as `Authorization: Bearer TOKEN`.",
                "auth",
            )
        if request.method not in _SAFE_METHODS and not same_secret(
            request.headers.get(CSRF_HEADER), sess.csrf
        ):
            raise ApiProblem(
                403, "CSRF token missing or wrong", "Reload the page and try again.", "csrf"
            )
        return sess.user

    # auth routes -----------------------------------------------------------------------------
    @app.get("/api/me", tags=["auth"])
    def me(request: Request) -> dict[str, Any]:
        """Who is logged in, whether a login is needed, and the CSRF token for the page."""
        if not require_auth:
            return {"user": None, "auth_required": False, "csrf": None}
        sid = request.cookies.get(SESSION_COOKIE)
        sess = app.state.auth.session(sid) if sid else None
        if sess is None:
            name = user(request) if request.headers.get("authorization") else None
            if name is None:
                raise ApiProblem(401, "Not authenticated", "Log in to use distillr.", "auth")
            return {"user": name, "auth_required": True, "csrf": None}
        return {"user": sess.user, "auth_required": True, "csrf": sess.csrf}

    @app.post("/api/login", tags=["auth"], openapi_extra={"security": []})
    def login(body: LoginIn, response: Response) -> dict[str, Any]:
        """Log in with a user name and password; sets the session cookie."""
        store: AuthStore = app.state.auth
        if not require_auth:
            return {"user": None, "auth_required": False, "csrf": None}
        if not store.check_password(body.username, body.password):
            raise ApiProblem(
                401, "Wrong user name or password", "Wrong user name or password.", "auth"
            )
        sid, sess = store.start_session(body.username)
        response.set_cookie(
            SESSION_COOKIE,
            sid,
            httponly=True,
            secure=secure_cookies,
            samesite="strict",
            path="/",
            max_age=12 * 3600,
        )
        return {"user": sess.user, "auth_required": True, "csrf": sess.csrf}

    @app.post("/api/logout", tags=["auth"], status_code=204)
    def logout(request: Request, response: Response, _: str | None = Depends(user)) -> Response:
        sid = request.cookies.get(SESSION_COOKIE)
        app.state.auth.end_session(sid or "")
        out = Response(status_code=204)
        out.delete_cookie(
            SESSION_COOKIE, path="/", secure=secure_cookies, httponly=True, samesite="strict"
        )
        return out

    # data sources ----------------------------------------------------------------------------
    @app.get("/api/types", tags=["sources"])
    def types(_: str | None = Depends(user)) -> dict[str, Any]:
        """Source categories and types, with the fields of each type's form."""
        return {
            "categories": CATEGORIES,
            "types": TYPES,
            "name_rule": NAME_RULE,
            "name_pattern": NAME_RE.pattern,
        }

    @app.get("/api/sources", tags=["sources"])
    def list_sources(_: str | None = Depends(user)) -> list[dict[str, Any]]:
        """Every saved data source (secrets masked)."""
        return [source_dict(s) for s in registry().list()]

    @app.get("/api/sources/{name}", tags=["sources"])
    def get_source(name: str, _: str | None = Depends(user)) -> dict[str, Any]:
        return source_dict(registry().get(name))

    @app.get("/api/names/check", tags=["sources"])
    def name_check(
        name: str = Query(...), current: str | None = Query(None), _: str | None = Depends(user)
    ) -> dict[str, Any]:
        """Is ``name`` a valid, unused source name? (``current``: the source being edited)"""
        try:
            _check_name(name)
        except ConfigError as exc:
            return {"name": name, "valid": False, "available": False, "message": str(exc)}
        taken = name != current and name in {s.name for s in registry().list()}
        return {
            "name": name,
            "valid": True,
            "available": not taken,
            "message": f"A data source named '{name}' already exists." if taken else "",
        }

    def _secret_field(
        type_: str, secrets_: dict[str, Any] | None, options: dict[str, Any] | None
    ) -> str:
        if (secrets_ and "api_secret" in secrets_) or (options and options.get("api_key")):
            return "api_secret"
        if secrets_ and "auth_token" not in secrets_:
            return next(iter(secrets_))
        return "auth_token"

    def _clean(values: dict[str, Any] | None) -> dict[str, Any]:
        return {
            k: v.strip() if isinstance(v, str) else v
            for k, v in (values or {}).items()
            if v is not None and not (isinstance(v, str) and not v.strip())
        }

    @app.post("/api/sources", tags=["sources"], status_code=201)
    def add_source(body: SourceIn, _: str | None = Depends(user)) -> Any:
        """Test the connection and save the source. Nothing is saved when the test fails."""
        options, secrets_ = _clean(body.options), _clean(body.secrets)
        try:
            _check_name(body.name)
            info = registry().add(
                body.type, body.name, options=options, secrets=secrets_, verify=body.verify
            )
        except DistillrError as exc:
            return problem_for(
                exc, field=field_for(exc, _secret_field(body.type, secrets_, options))
            )
        return JSONResponse(source_dict(info), status_code=201)

    @app.patch("/api/sources/{name}", tags=["sources"])
    def edit_source(name: str, body: SourcePatch, _: str | None = Depends(user)) -> Any:
        """Change options and/or secrets (blank secrets are kept), and/or rename."""
        reg = registry()
        current = reg.get(name)
        new_name = (body.name or name).strip()
        options = None
        if body.options is not None:  # blank or null values remove an option
            options = {
                k: (v.strip() or None) if isinstance(v, str) else v for k, v in body.options.items()
            }
        secrets_ = _clean(body.secrets) or None
        try:
            _check_name(new_name)
            if new_name != name and new_name in {s.name for s in reg.list()}:
                raise ConfigError(
                    f"A data source named '{new_name}' already exists. Choose another name."
                )
            if options is not None or secrets_:
                reg.update(name, options=options, secrets=secrets_, verify=body.verify)
            if new_name != name:
                reg.rename(name, new_name)
        except DistillrError as exc:
            return problem_for(
                exc,
                field=field_for(
                    exc, _secret_field(current.type, secrets_, options or current.options)
                ),
            )
        examples.pop(name.lower(), None)
        return source_dict(reg.get(new_name))

    @app.delete("/api/sources/{name}", tags=["sources"], status_code=204)
    def delete_source(name: str, _: str | None = Depends(user)) -> Response:
        registry().remove(name)
        examples.pop(name.lower(), None)
        return Response(status_code=204)

    # catalog ---------------------------------------------------------------------------------
    @app.get("/api/tree", tags=["catalog"])
    def tree(source: str | None = None, _: str | None = Depends(user)) -> dict[str, Any]:
        """Sources -> tables (description, required parameters) -> columns with types."""
        from distillr.server.catalog import tree_data

        return tree_data(app.state.connect(), source, close=own_sessions)

    @app.get("/api/samples/{source}", tags=["catalog"])
    def samples(
        source: str, table: str | None = None, _: str | None = Depends(user)
    ) -> dict[str, Any]:
        """Ready-to-run sample queries for a source (optionally for one of its tables)."""
        from distillr.server.catalog import examples_for, sample_queries

        key = source.lower()
        if key not in examples:
            # real filter values (a few cheap queries), so every sample returns rows
            examples[key] = examples_for(app.state.connect(), source, close=own_sessions)
        return {
            "source": source,
            "samples": sample_queries(
                app.state.connect(), source, table, close=own_sessions, examples=examples[key]
            ),
        }

    # queries ---------------------------------------------------------------------------------
    @app.post("/api/queries", tags=["queries"], status_code=202)
    def start_query(body: QueryIn, who: str | None = Depends(user)) -> dict[str, Any]:
        """Start a query as a job; poll ``GET /api/queries/{id}`` for progress."""
        if not body.sql.strip():
            raise SqlError("The query is empty. Type a SELECT statement and run it.")
        job = app.state.jobs.start(
            body.sql, pushdown=body.pushdown, timeout=body.timeout, owner=who
        )
        return job.to_dict()

    def _job(job_id: str, who: str | None) -> Any:
        job = app.state.jobs.get(job_id, owner=who if require_auth else None)
        if job is None:
            raise ApiProblem(
                404,
                "Not found",
                f"There is no query '{job_id}' (results are kept"
                " for the most recent queries only). Run the query again.",
                "catalog",
            )
        return job

    @app.get("/api/queries/{job_id}", tags=["queries"])
    def query_status(
        job_id: str, wait: float = Query(0, ge=0, le=30), who: str | None = Depends(user)
    ) -> dict[str, Any]:
        """State, elapsed time and live stats (requests, pages, rows) of a query job.
        ``wait`` seconds: return early once it finishes (long polling)."""
        job = _job(job_id, who)
        if wait:
            deadline = time.monotonic() + wait
            while job.state == "running" and time.monotonic() < deadline:
                time.sleep(0.02)
        return job.to_dict()

    @app.delete("/api/queries/{job_id}", tags=["queries"])
    def cancel_query(job_id: str, who: str | None = Depends(user)) -> dict[str, Any]:
        """Cancel a running query."""
        job = _job(job_id, who)
        job.cancel()
        return job.to_dict()

    def _finished_table(job_id: str, who: str | None) -> Any:
        job = _job(job_id, who)
        if job.state == "running":
            raise ApiProblem(
                409,
                "Still running",
                "The query is still running; wait for it to finish, or cancel it.",
                "running",
            )
        if job.error is not None:
            raise job.error
        return job

    @app.get("/api/queries/{job_id}/result", tags=["queries"])
    def query_result(
        job_id: str,
        format: str = Query("json", pattern="^(json|arrow)$"),
        offset: int = Query(0, ge=0),
        limit: int | None = Query(None, ge=0),
        who: str | None = Depends(user),
    ) -> Response:
        """The result: ``format=json``: one page of rows (``limit`` at most 10,000, default
        1,000); ``format=arrow``: an Arrow IPC stream of the rows (all by default) in display
        types, for the grid."""
        job = _finished_table(job_id, who)
        if format == "arrow":
            table = job.table.slice(offset, limit) if (offset or limit is not None) else job.table
            data = export.to_arrow_ipc(export.display_table(table))
            return Response(data, media_type=export.FORMATS["arrow"][0])
        if limit is not None and limit > MAX_PAGE:
            raise ApiProblem(
                422,
                "Bad request",
                f"limit: at most {MAX_PAGE:,} rows per JSON page;"
                " use format=arrow or an export for more.",
                "validation",
            )
        return JSONResponse(export.json_page(job.table, offset, 1000 if limit is None else limit))

    @app.get("/api/queries/{job_id}/export", tags=["queries"])
    def query_export(
        job_id: str,
        format: str = Query("csv", pattern="^(csv|json|parquet)$"),
        who: str | None = Depends(user),
    ) -> Response:
        """Download the whole result as CSV, JSON or Parquet."""
        job = _finished_table(job_id, who)
        media, ext = export.FORMATS[format]
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return Response(
            export.to_file(job.table, format),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="distillr-{stamp}.{ext}"'},
        )

    @app.post("/api/explain", tags=["queries"])
    def explain(body: ExplainIn, _: str | None = Depends(user)) -> dict[str, Any]:
        """The query plan: what is pushed to each API, and what DuckDB does."""
        if not body.sql.strip():
            raise SqlError("The query is empty. Type a SELECT statement to explain.")
        session = app.state.connect()
        try:
            plan = _explain(session, body.sql, body.pushdown)
            data = plan.to_dict() if hasattr(plan, "to_dict") else {}
            return {"text": getattr(plan, "text", str(plan)), "plan": _plain(data)}
        finally:
            if own_sessions and hasattr(session, "close"):
                session.close()

    @app.get("/api/health", tags=["meta"], openapi_extra={"security": []})
    def health() -> dict[str, Any]:
        return {"status": "ok", "version": distillr.__version__}

    # the page --------------------------------------------------------------------------------
    if (static / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=static / "assets"), name="assets")

    swagger = static / "swagger-ui"
    if swagger.is_dir():
        app.mount("/swagger-ui", StaticFiles(directory=swagger), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        """The OpenAPI docs (Swagger UI), working offline: its files ship in the package."""
        if not (swagger / "swagger-ui-bundle.js").is_file():
            return problem(
                503,
                "Front end missing",
                "The API docs' files are not built. Run `make frontend`.",
                "config",
            )
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/favicon.svg",
            swagger_ui_parameters={"validatorUrl": None},  # no calls to an online validator
        )

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = static / "index.html"
        if not page.exists():
            return problem(
                503,
                "Front end missing",
                "The web app's files are not built. Run `make frontend`.",
                "config",
            )
        return FileResponse(page, headers={"Cache-Control": "no-cache"})

    @app.get("/favicon.svg", include_in_schema=False)
    def favicon() -> Response:
        icon = static / "favicon.svg"
        if not icon.exists():
            raise CatalogError("No icon.")
        return FileResponse(icon)

    return app


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
