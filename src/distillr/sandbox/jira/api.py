"""The JIRA Cloud endpoints: Agile 1.0 boards, epics, issues, projects and sprints; REST 3
project search, one issue, and JQL search with ``nextPageToken`` paging.

Paging is JIRA's, per endpoint (see ``docs/sandbox.md``): ``startAt`` (0-based) and
``maxResults`` (default 50, lowered to the endpoint's maximum), with ``total`` and/or
``isLast`` where JIRA gives them; ``search/jql`` pages with a ``nextPageToken`` that is absent
(not null) on the last page and gives no ``total``. ``GET /rest/api/3/search`` is gone (410).
A board that does not exist is a 404; bad parameters and bad JQL are 400s with JIRA's body.
"""

from __future__ import annotations

import base64
import zlib

import msgspec
import numpy as np

from distillr.sandbox.jira import render as R
from distillr.sandbox.jira.errors import bad_request, jira, shown
from distillr.sandbox.jira.jql import JqlError
from distillr.sandbox.jira.params import Param, max_results, start_at
from distillr.sandbox.jira.routing import Ctx, Endpoint, Reply, encode

AGILE = "/rest/agile/1.0"
REST = "/rest/api/3"
BOARD_ID = Param("boardId", "integer", "The board's id.", format="int64", location="path")
FIELDS_PARAM = Param(
    "fields",
    "array",
    "The fields to return: names, '*all', '*navigable', or '-name' to leave one out "
    "(default: all).",
)


def _board(ctx: Ctx):
    raw = ctx.path["boardId"]
    board = ctx.app.data.board(int(raw)) if raw.isdigit() and len(raw) < 12 else None
    if board is None:
        raise jira(404, "Board does not exist or you do not have permission to see it.")
    return board


def _page(items: list, ctx: Ctx) -> tuple[list, int, int]:
    start, size = ctx.args["startAt"], ctx.args["maxResults"]
    return items[start : start + size], start, size


def _values(ctx: Ctx, items: list, render, *, total: bool) -> Reply:
    sel, start, size = _page(items, ctx)
    body: dict = {"maxResults": size, "startAt": start}
    if total:
        body["total"] = len(items)
    body["isLast"] = start + len(sel) >= len(items)
    body["values"] = [render(x) for x in sel]
    return Reply(encode(body))


def wanted_fields(names: list[str] | None, default="all"):
    """The set of fields a ``fields`` parameter asks for (``None``: only the id)."""
    if not names:
        return R.ALL_FIELDS if default == "all" else None
    keep: set[str] = set()
    drop: set[str] = set()
    for name in names:
        if name in ("*all", "*navigable"):
            keep |= R.ALL_FIELDS
        elif name.startswith("-"):
            drop.add(name[1:])
        else:
            keep.add(name)
    if not keep and drop:
        keep = set(R.ALL_FIELDS)
    chosen = keep - drop
    return R.ALL_FIELDS if chosen >= R.ALL_FIELDS else frozenset(chosen)


def _jql(ctx: Ctx, jql: str | None, scope: str, rows: np.ndarray, *, bounded: bool) -> np.ndarray:
    try:
        return ctx.app.searcher.run(jql or "", scope, rows, bounded=bounded)
    except JqlError as e:
        raise bad_request(str(e)) from None


# ---------------------------------------------------------------------- agile: boards
def get_boards(ctx: Ctx) -> Reply:
    a, data = ctx.args, ctx.app.data
    boards = list(data.boards)
    if a["type"]:
        boards = [b for b in boards if b.type in a["type"]]
    if a["name"]:
        boards = [b for b in boards if a["name"].lower() in b.name.lower()]
    if a["projectKeyOrId"]:
        project = data.project(a["projectKeyOrId"])
        if project is None:
            raise bad_request(
                f"No project could be found with key or id {shown(a['projectKeyOrId'])}.",
                errors={"projectKeyOrId": "No such project."},
            )
        boards = [b for b in boards if project in b.projects]
    if a["orderBy"]:
        boards.sort(key=lambda b: b.name.lower(), reverse=a["orderBy"] == "-name")
    return _values(ctx, boards, R.board_json, total=True)


def get_board(ctx: Ctx) -> Reply:
    return Reply(encode(R.board_json(_board(ctx))))


def get_epics(ctx: Ctx) -> Reply:
    board = _board(ctx)
    data = ctx.app.data
    rows = data.board_epics(board).tolist()
    done = ctx.args["done"]
    if done is not None:
        rows = [r for r in rows if data.epic_objects[r]["done"] == done]
    return _values(ctx, rows, data.epic_objects.__getitem__, total=False)


def get_board_issues(ctx: Ctx) -> Reply:
    board = _board(ctx)
    app = ctx.app
    rows = _jql(
        ctx, ctx.args["jql"], f"board:{board.id}", app.data.board_rows(board), bounded=False
    )
    sel, start, size = _page(rows, ctx)
    wanted = wanted_fields(ctx.args["fields"])
    body = {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": size,
        "total": len(rows),
        "issues": msgspec.Raw(app.encoder.issues(sel, agile=True, wanted=wanted)),
    }
    return Reply(encode(body))


def get_board_projects(ctx: Ctx) -> Reply:
    board = _board(ctx)
    projects = sorted(board.projects, key=lambda p: p.name.lower())
    return _values(ctx, projects, lambda p: p.json, total=True)


def get_sprints(ctx: Ctx) -> Reply:
    board = _board(ctx)
    if board.type != "scrum":
        raise bad_request("The board does not support sprints")
    data = ctx.app.data
    sprints = data.board_sprints(board)
    if ctx.args["state"]:
        sprints = [s for s in sprints if s.state in ctx.args["state"]]
    return _values(ctx, sprints, lambda s: data.sprint_objects[s.index], total=False)


# ---------------------------------------------------------------------- REST 3
_PROJECT_ORDER = {"key": "key", "name": "name", "id": "id"}


def get_projects(ctx: Ctx) -> Reply:
    a, data = ctx.args, ctx.app.data
    projects = list(data.projects)
    if a["query"]:
        q = a["query"].lower()
        projects = [p for p in projects if q in p.key.lower() or q in p.name.lower()]
    if a["keys"]:
        wanted = {k.upper() for k in a["keys"]}
        projects = [p for p in projects if p.key in wanted or str(p.id) in wanted]
    order = a["orderBy"]
    attr = _PROJECT_ORDER[order.lstrip("+-")]
    projects.sort(key=lambda p: str(getattr(p, attr)).lower(), reverse=order.startswith("-"))
    sel, start, size = _page(projects, ctx)
    last = start + len(sel) >= len(projects)
    keep = [(k, v) for k, v in ctx.req.query if k not in ("startAt", "maxResults")]
    body: dict = {"self": _url(ctx, keep + [("startAt", start), ("maxResults", size)])}
    if not last:
        body["nextPage"] = _url(ctx, keep + [("startAt", start + size), ("maxResults", size)])
    body.update(
        maxResults=size,
        startAt=start,
        total=len(projects),
        isLast=last,
        values=[R.project_json(p) for p in sel],
    )
    return Reply(encode(body))


def _url(ctx: Ctx, pairs) -> str:
    from urllib.parse import urlencode

    from distillr.sandbox.jira.values import BASE

    return f"{BASE}{ctx.req.path}?{urlencode(pairs)}"


def get_issue(ctx: Ctx) -> Reply:
    app = ctx.app
    row = app.data.row(ctx.path["issueIdOrKey"])
    if row is None:
        raise jira(404, "Issue does not exist or you do not have permission to see it.")
    return Reply(app.encoder.issue(row, wanted=wanted_fields(ctx.args["fields"])))


def search_jql(ctx: Ctx) -> Reply:
    a = ctx.args
    return _search(ctx, a["jql"], a["nextPageToken"], a["maxResults"], a["fields"])


def search_jql_post(ctx: Ctx) -> Reply:
    try:
        body = msgspec.json.decode(ctx.body or b"{}")
    except msgspec.DecodeError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object with 'jql'.")
    jql, token, size, fields = (
        body.get(k) for k in ("jql", "nextPageToken", "maxResults", "fields")
    )
    if not isinstance(jql, str) or not jql.strip():
        raise bad_request("The 'jql' field is required.", errors={"jql": "Give a JQL query."})
    if size is None:
        size = 50
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise bad_request("The 'maxResults' field must be a whole number >= 0.")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise bad_request("The 'fields' field must be a list of field names.")
    if token is not None and not isinstance(token, str):
        raise bad_request("The 'nextPageToken' field must be a string.")
    return _search(ctx, jql, token, min(size, SEARCH_MAX), fields)


SEARCH_MAX = 5000
SEARCH_MAX_WITH_FIELDS = 100


def _search(ctx: Ctx, jql: str, token: str | None, size: int, fields) -> Reply:
    app = ctx.app
    if not jql.strip():
        raise bad_request("The 'jql' parameter is required.", errors={"jql": "Give a JQL query."})
    rows = _jql(ctx, jql, "search", app.search_order, bounded=True)
    wanted = wanted_fields(fields, default="id")
    if wanted is not None and wanted & R.ALL_FIELDS:
        size = min(size, SEARCH_MAX_WITH_FIELDS)
    start = _token_position(token, jql) if token else 0
    sel = rows[start : start + size]
    body: dict = {"issues": msgspec.Raw(app.encoder.issues(sel, wanted=wanted))}
    if start + len(sel) < len(rows) and size > 0:
        body["nextPageToken"] = _token(start + len(sel), jql)
    body["isLast"] = start + len(sel) >= len(rows)  # (maxResults=0: no token, not last)
    return Reply(encode(body))


def _token(position: int, jql: str) -> str:
    raw = f"{position}:{zlib.crc32(jql.encode()):08x}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _token_position(token: str, jql: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        pos, check = text.split(":")
        if check == f"{zlib.crc32(jql.encode()):08x}" and pos.isdigit():
            return int(pos)
    except (ValueError, UnicodeDecodeError):
        pass
    raise bad_request(
        f"The nextPageToken {shown(token)} is not valid for this query: send the token of the "
        "previous page with the same jql, or none for the first page."
    )


def gone(ctx: Ctx) -> Reply:
    raise jira(
        410,
        "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.",
    )


def endpoints() -> list[Endpoint]:
    """The JIRA endpoints, in the order the OpenAPI document lists them."""
    return _agile() + _platform()


def _agile() -> list[Endpoint]:
    page = [start_at(), max_results(50)]
    fields = [FIELDS_PARAM]
    return [
        Endpoint(
            "GET",
            f"{AGILE}/board",
            get_boards,
            "Get all boards",
            [
                *page,
                Param(
                    "type",
                    "array",
                    "Only boards of these types.",
                    enum=("scrum", "kanban", "simple"),
                ),
                Param("name", "string", "Only boards whose name contains this (any case)."),
                Param("projectKeyOrId", "string", "Only boards that show this project's issues."),
                Param("orderBy", "string", "Order by name.", enum=("name", "-name", "+name")),
            ],
            "BoardPage",
        ),
        Endpoint(
            "GET",
            f"{AGILE}/board/{{boardId}}",
            get_board,
            "Get board",
            [BOARD_ID],
            "Board",
            errors=(401, 404),
        ),
        Endpoint(
            "GET",
            f"{AGILE}/board/{{boardId}}/epic",
            get_epics,
            "Get epics of a board (no total)",
            [BOARD_ID, *page, Param("done", "boolean", "Only epics that are (not) done.")],
            "EpicPage",
            errors=(400, 401, 404),
        ),
        Endpoint(
            "GET",
            f"{AGILE}/board/{{boardId}}/issue",
            get_board_issues,
            "Get issues of a board, ordered by rank (no isLast)",
            [
                BOARD_ID,
                start_at(),
                max_results(100),
                Param("jql", "string", "A JQL filter (and ORDER BY) within the board."),
                *fields,
                Param("expand", "string", "Accepted and ignored."),
            ],
            "BoardIssuePage",
            errors=(400, 401, 404),
        ),
        Endpoint(
            "GET",
            f"{AGILE}/board/{{boardId}}/project",
            get_board_projects,
            "Get projects of a board, ordered by name",
            [BOARD_ID, *page],
            "BoardProjectPage",
            errors=(400, 401, 404),
        ),
        Endpoint(
            "GET",
            f"{AGILE}/board/{{boardId}}/sprint",
            get_sprints,
            "Get sprints of a scrum board (no total)",
            [
                BOARD_ID,
                *page,
                Param(
                    "state",
                    "array",
                    "Only sprints in these states.",
                    enum=("future", "active", "closed"),
                ),
            ],
            "SprintPage",
            errors=(400, 401, 404),
        ),
    ]


def _platform() -> list[Endpoint]:
    return [
        Endpoint(
            "GET",
            f"{REST}/project/search",
            get_projects,
            "Get projects paginated",
            [
                start_at(),
                max_results(100),
                Param(
                    "orderBy",
                    "string",
                    "Order by key, name or id ('-' descending).",
                    default="key",
                    enum=("key", "+key", "-key", "name", "+name", "-name", "id", "+id", "-id"),
                ),
                Param("query", "string", "Only projects whose key or name contains this."),
                Param("keys", "array", "Only projects with these keys or ids."),
            ],
            "ProjectPage",
        ),
        Endpoint(
            "GET",
            f"{REST}/issue/{{issueIdOrKey}}",
            get_issue,
            "Get issue",
            [
                Param("issueIdOrKey", "string", "The issue's id or key.", location="path"),
                FIELDS_PARAM,
            ],
            "Issue",
            errors=(401, 404),
        ),
        Endpoint(
            "GET",
            f"{REST}/search/jql",
            search_jql,
            "Search for issues using JQL (nextPageToken paging, no total)",
            [
                Param(
                    "jql",
                    "string",
                    "The JQL query; a query with no condition is refused.",
                    required=True,
                ),
                Param(
                    "nextPageToken",
                    "string",
                    "The token of the page to return (from the previous page).",
                ),
                Param(
                    "maxResults",
                    "integer",
                    f"Issues per page (at most {SEARCH_MAX} for ids only, "
                    f"{SEARCH_MAX_WITH_FIELDS} with fields).",
                    default=50,
                    minimum=0,
                    maximum=SEARCH_MAX,
                    format="int32",
                ),
                Param(
                    "fields",
                    "array",
                    "The fields to return: names, '*all', '*navigable', '-name' "
                    "(default: only ids).",
                ),
                Param("expand", "string", "Accepted and ignored."),
            ],
            "SearchResults",
        ),
        Endpoint(
            "POST",
            f"{REST}/search/jql",
            search_jql_post,
            "Search for issues using JQL (POST)",
            [],
            "SearchResults",
            body_schema={"$ref": "#/components/schemas/SearchRequest"},
        ),
        Endpoint("GET", f"{REST}/search", gone, "Removed: use search/jql", [], None, errors=(410,)),
        Endpoint(
            "POST", f"{REST}/search", gone, "Removed: use search/jql", [], None, errors=(410,)
        ),
    ]
