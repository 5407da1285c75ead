"""File uploads into a source that takes them (a directory of files), and its file list.

Only admins upload. Sizes are bounded (``ServerSettings.max_upload`` a request, the same per
file), names made safe, types checked against the first bytes, and each file written to a
temporary file and renamed, all by the connector (``store_upload``): a failed upload leaves
nothing. A source whose connector has no ``store_upload`` answers 400. ``POST
/api/upload-folders`` gives a new, empty folder under the server's home for a source that is
to hold uploads only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from distillr.errors import CatalogError, ConfigError, DistillrError
from distillr.home import default_home
from distillr.registry import check_name
from distillr.server.problems import ApiProblem, problem_for
from distillr.server.roles import ADMIN, ANALYST, Caller
from distillr.server.state import server_of

router = APIRouter(tags=["files"])

#: the most files one upload request may hold
MAX_FILES = 1000


class FolderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., description="The source the folder is for")


def _uploads(request: Request, name: str) -> Any:
    connector = server_of(request).registry().connector(name)
    if not hasattr(connector, "store_upload"):
        connector.close()
        raise ApiProblem(
            400,
            "Bad request",
            f"Source '{name}' does not take uploads: only sources that read a directory do.",
            "validation",
        )
    return connector


@router.get("/api/sources/{name}/files")
def list_files(name: str, request: Request, caller: Caller = ANALYST) -> Any:
    """The files of a source that reads a directory: table name, size, modification time."""
    server = server_of(request)
    try:
        return {"source": name, "files": _uploads(request, name).list_files()}
    except DistillrError as exc:
        return problem_for(exc, server.redactor)


@router.post("/api/sources/{name}/files", status_code=201)
def upload(
    name: str,
    request: Request,
    files: list[UploadFile] = File(..., description="The files"),
    paths: list[str] | None = Form(None, description="Each file's path in a dropped folder"),
    replace: bool = Query(False, description="Overwrite files of the same name"),
    caller: Caller = ADMIN,
) -> Any:
    """Upload files (or a folder's files, with ``paths``) into the source's directory."""
    server = server_of(request)
    if len(files) > MAX_FILES:
        raise ApiProblem(413, "Request too large", f"At most {MAX_FILES} files at once.", "limit")
    if paths is not None and len(paths) != len(files):
        raise ApiProblem(422, "Bad request", "Give one path per file.", "validation")
    try:
        connector = _uploads(request, name)
        saved = []
        for i, f in enumerate(files):
            wanted = paths[i] if paths else (f.filename or "")
            table = connector.store_upload(
                wanted, f.file.read, max_bytes=server.settings.max_upload, replace=replace
            )
            saved.append({"name": wanted, "table": table, "sql": f"SELECT * FROM {name}.`{table}`"})
    except DistillrError as exc:
        status = 413 if type(exc).__name__ == "TooLarge" else None
        response = problem_for(exc, server.redactor, saved=locals().get("saved", []))
        if status is not None:
            response.status_code = status
        elif isinstance(exc, (CatalogError, ConfigError)):
            response.status_code = 422
        return response
    server.examples.pop(name.lower(), None)
    return {"source": name, "saved": saved}


@router.post("/api/upload-folders", status_code=201)
def new_folder(body: FolderIn, request: Request, caller: Caller = ADMIN) -> Any:
    """A new empty folder under the server's home, for a source of uploaded files."""
    server = server_of(request)
    try:
        check_name(body.name)
    except ConfigError as exc:
        return problem_for(exc, server.redactor, field="name")
    home = Path(server.home) if server.home else default_home()
    folder = home / "files" / body.name
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return {"path": str(folder)}
