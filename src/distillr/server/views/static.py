"""What anyone may load without a login: the page, its files, the API docs (Swagger UI from
the package, no CDN) and the health check. The page holds no data; it shows the login form
when one is needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

import distillr
from distillr.errors import CatalogError
from distillr.server.problems import problem
from distillr.server.roles import PUBLIC, Caller
from distillr.server.state import server_of

router = APIRouter()


def mount_files(app: FastAPI, static: Any) -> None:
    """Serve the built assets and Swagger UI's files (when they are there)."""
    if (static / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=static / "assets"), name="assets")
    if (static / "swagger-ui").is_dir():
        app.mount("/swagger-ui", StaticFiles(directory=static / "swagger-ui"), name="swagger-ui")


def _missing(what: str) -> Response:
    return problem(
        503, "Front end missing", f"The {what} files are not built. Run `make frontend`.", "config"
    )


@router.get("/api/health", tags=["meta"], openapi_extra={"security": []})
def health(caller: Caller = PUBLIC) -> dict[str, Any]:
    """Is the server up, and which version."""
    return {"status": "ok", "version": distillr.__version__}


@router.get("/docs", include_in_schema=False)
def docs(request: Request, caller: Caller = PUBLIC) -> Response:
    """The OpenAPI docs (Swagger UI), working offline: its files ship in the package."""
    if not (server_of(request).static / "swagger-ui" / "swagger-ui-bundle.js").is_file():
        return _missing("API docs'")
    app = request.app
    return get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/favicon.svg",
        swagger_ui_parameters={"validatorUrl": None},  # no calls to an online validator
    )


@router.get("/", include_in_schema=False)
def index(request: Request, caller: Caller = PUBLIC) -> Response:
    page = server_of(request).static / "index.html"
    if not page.exists():
        return _missing("web app's")
    return FileResponse(page, headers={"Cache-Control": "no-cache"})


@router.get("/favicon.svg", include_in_schema=False)
def favicon(request: Request, caller: Caller = PUBLIC) -> Response:
    icon = server_of(request).static / "favicon.svg"
    if not icon.exists():
        raise CatalogError("No icon.")
    return FileResponse(icon)
