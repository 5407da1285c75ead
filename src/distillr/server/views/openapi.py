"""OpenAPI import for the web wizard: an uploaded spec -> the proposed tables (admins only).

``POST /api/openapi/preview`` takes the spec as a multipart file (``spec``) and the import's
choices as form fields (``base_url``, ``include`` and ``exclude`` repeated, ``params`` and
``options`` as JSON objects) and answers ``{"report", "definition", "missing"}``: the report
to show (tables with their parameters and paginators, operations skipped with the reason),
the definition to save through ``POST /api/sources`` (type ``rest``) once the user has ticked
the tables to keep, and the auth options still needed. Nothing is saved here, and no URL is
fetched: the spec comes with the request (bounded by the server's body limit), and a ``$ref``
to another file or URL is unresolvable.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from distillr.errors import DistillrError
from distillr.server.problems import ApiProblem, problem_for
from distillr.server.roles import ADMIN, Caller

router = APIRouter(tags=["sources"])


def _mapping(text: str | None, field: str) -> dict[str, str]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise ApiProblem(
            422, "Bad request", f"{field} is a JSON object of names to values.", "validation",
            field=field,
        )  # fmt: skip
    return {str(k): str(v) for k, v in value.items()}


@router.post("/api/openapi/preview")
async def preview(
    request: Request,
    spec: UploadFile = File(..., description="The API's OpenAPI (or Swagger 2.0) spec"),
    base_url: str | None = Form(None, description="Overrides the spec's servers"),
    include: list[str] = Form([], description="Only these operations (path glob or tag)"),
    exclude: list[str] = Form([], description="Leave these out (path glob or tag)"),
    params: str | None = Form(None, description="JSON: a parameter's value for every table"),
    options: str | None = Form(None, description="JSON: the auth scheme's options (username)"),
    caller: Caller = ADMIN,
) -> Any:
    """The tables an OpenAPI spec would make, and their definition (nothing is saved)."""
    from distillr.connectors.rest.openapi import OpenApiError, import_openapi, parse_spec

    data = await spec.read()
    given = {"params": _mapping(params, "params"), "options": _mapping(options, "options")}
    try:
        made = import_openapi(
            parse_spec(data, spec.filename or "the uploaded spec"),
            base_url=(base_url or "").strip() or None,
            include=[i for i in include if i.strip()],
            exclude=[e for e in exclude if e.strip()],
            **given,
        )
    except OpenApiError as exc:
        report = exc.report.to_dict() if exc.report is not None else None
        return problem_for(exc, report=report)
    except DistillrError as exc:
        return problem_for(exc)
    body = {"report": made.report.to_dict(), "definition": made.definition, "missing": made.missing}
    return JSONResponse(body)
