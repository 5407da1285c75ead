"""The OpenAPI 3.1 document of the sandbox's JIRA endpoints, served at ``/openapi.json``.

Paths and parameters come from the same declarations the app routes with
(:mod:`.routing`, :mod:`.params`); the response schemas below describe exactly the keys
:mod:`.render` writes (a test validates served pages against them and checks that no served
key is undocumented). Times are JIRA's text (``2025-03-01T10:15:30.000+0000``: an offset
without a colon), declared ``format: date-time`` with the pattern they follow.
"""

from __future__ import annotations

from distillr.sandbox.jira.render import AGILE_FIELDS

JIRA_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$"
SPRINT_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"


def _s(kind: str, description: str = "", **kw) -> dict:
    out = {"type": kind, **kw}
    if description:
        out["description"] = description
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [kind, "null"]}


def _obj(props: dict, required=(), description: str = "") -> dict:
    out = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


URI = _s("string", format="uri")
STR = _s("string")
INT = _s("integer", format="int64")
BOOL = _s("boolean")
TIME = _s(
    "string",
    "A time in JIRA's form, e.g. 2025-03-01T10:15:30.000+0000.",
    format="date-time",
    pattern=JIRA_TIME,
)
STIME = _s(
    "string",
    "A sprint time, e.g. 2025-03-01T09:00:00.000Z.",
    format="date-time",
    pattern=SPRINT_TIME,
)


def _schemas() -> dict:
    return {**_common_schemas(), **_agile_schemas(), **_issue_schemas(), **_page_schemas()}


ISSUE_PROJECT = {
    "self": URI,
    "id": _s("string", "The project id (digits, as a string)."),
    "key": STR,
    "name": STR,
    "projectTypeKey": STR,
    "simplified": BOOL,
    "avatarUrls": _ref("AvatarUrls"),
}
SPRINT_COMMON = {
    "id": INT,
    "name": STR,
    "state": _s("string", enum=["closed", "active", "future"]),
    "goal": STR,
    "startDate": STIME,
    "endDate": STIME,
    "completeDate": STIME,
}


def _common_schemas() -> dict:
    avatars = _obj({size: URI for size in ("48x48", "24x24", "16x16", "32x32")})
    issue_project = ISSUE_PROJECT
    return {
        "ErrorCollection": _obj(
            {
                "errorMessages": _s("array", items=STR),
                "errors": _s("object", additionalProperties=STR),
            },
            required=["errorMessages", "errors"],
        ),
        "AvatarUrls": avatars,
        "StatusCategory": _obj(
            {
                "self": URI,
                "id": INT,
                "key": _s("string", enum=["new", "indeterminate", "done"]),
                "colorName": STR,
                "name": STR,
            }
        ),
        "Status": _obj(
            {
                "self": URI,
                "description": STR,
                "iconUrl": URI,
                "name": STR,
                "id": STR,
                "statusCategory": _ref("StatusCategory"),
            }
        ),
        "Priority": _obj({"self": URI, "iconUrl": URI, "name": STR, "id": STR}),
        "IssueType": _obj(
            {
                "self": URI,
                "id": STR,
                "description": STR,
                "iconUrl": URI,
                "name": STR,
                "subtask": BOOL,
                "avatarId": INT,
                "hierarchyLevel": _s("integer", format="int32"),
            }
        ),
        "User": _obj(
            {
                "self": URI,
                "accountId": STR,
                "emailAddress": STR,
                "avatarUrls": _ref("AvatarUrls"),
                "displayName": STR,
                "active": BOOL,
                "timeZone": STR,
                "accountType": STR,
            }
        ),
        "IssueProject": _obj(issue_project),
        "Project": _obj(
            {
                "expand": STR,
                **issue_project,
                "style": STR,
                "isPrivate": BOOL,
                "properties": _s("object"),
            }
        ),
        "Resolution": _obj({"self": URI, "id": STR, "description": STR, "name": STR}),
        "Document": _obj(
            {
                "type": _s("string", enum=["doc"]),
                "version": _s("integer", format="int32"),
                "content": _s("array", items=_s("object", "An Atlassian Document Format node.")),
            },
            description="Atlassian Document Format.",
        ),
        "Parent": _obj(
            {
                "id": STR,
                "key": STR,
                "self": URI,
                "fields": _obj(
                    {
                        "summary": STR,
                        "status": _ref("Status"),
                        "priority": _ref("Priority"),
                        "issuetype": _ref("IssueType"),
                    }
                ),
            }
        ),
    }


def _agile_schemas() -> dict:
    sprint_common = SPRINT_COMMON
    return {
        "SprintField": _obj({**sprint_common, "boardId": INT}),
        "Sprint": _obj(
            {**sprint_common, "self": URI, "createdDate": STIME, "originBoardId": INT},
            required=["id", "self", "state", "name"],
        ),
        "Epic": _obj(
            {
                "id": INT,
                "key": STR,
                "self": URI,
                "name": STR,
                "summary": STR,
                "color": _obj({"key": STR}),
                "done": BOOL,
            },
            required=["id", "key", "self", "name", "summary", "color", "done"],
        ),
        "BoardLocation": _obj(
            {
                "projectId": INT,
                "displayName": STR,
                "projectName": STR,
                "projectKey": STR,
                "projectTypeKey": STR,
                "avatarURI": URI,
                "name": STR,
            }
        ),
        "Board": _obj(
            {
                "id": INT,
                "self": URI,
                "name": STR,
                "type": _s("string", enum=["scrum", "kanban", "simple"]),
                "location": _ref("BoardLocation"),
                "isPrivate": BOOL,
            },
            required=["id", "self", "name", "type"],
        ),
    }


def _issue_schemas() -> dict:
    fields = {
        "summary": STR,
        "description": _nullable(_ref("Document")),
        "status": _ref("Status"),
        "priority": _ref("Priority"),
        "issuetype": _ref("IssueType"),
        "project": _ref("IssueProject"),
        "assignee": _nullable(_ref("User")),
        "reporter": _ref("User"),
        "creator": _ref("User"),
        "labels": _s("array", items=STR),
        "created": TIME,
        "updated": TIME,
        "resolution": _nullable(_ref("Resolution")),
        "resolutiondate": _nullable(TIME),
        "duedate": {"type": ["string", "null"], "format": "date"},
        "parent": _nullable(_ref("Parent")),
        "customfield_10016": _nullable(_s("number", "Story point estimate.")),
        "customfield_10019": _s("string", "Rank (text order is rank order)."),
        "customfield_10020": _nullable(
            _s("array", "Sprints the issue was in.", items=_ref("SprintField"))
        ),
    }
    agile_fields = {
        **fields,
        "sprint": _nullable(_ref("Sprint")),
        "closedSprints": _s("array", items=_ref("Sprint")),
        "flagged": BOOL,
        "epic": _nullable(_ref("Epic")),
    }
    assert set(agile_fields) - set(fields) == set(AGILE_FIELDS)

    def issue(fields_ref: str) -> dict:
        return _obj(
            {
                "expand": STR,
                "id": _s("string", "The issue id (digits, as a string)."),
                "self": URI,
                "key": STR,
                "fields": _ref(fields_ref),
            },
            required=["id"],
        )

    return {
        "IssueFields": _obj(fields),
        "AgileIssueFields": _obj(agile_fields),
        "Issue": issue("IssueFields"),
        "AgileIssue": issue("AgileIssueFields"),
    }


def _page_schemas() -> dict:
    def page(item: str, *, total: bool, is_last: bool = True, key: str = "values") -> dict:
        props: dict = {"maxResults": _s("integer", format="int32"), "startAt": INT}
        if total:
            props["total"] = INT
        if is_last:
            props["isLast"] = BOOL
        props[key] = _s("array", items=_ref(item))
        return _obj(props, required=list(props))

    board_issue_page = page("AgileIssue", total=True, is_last=False, key="issues")
    board_issue_page["properties"]["expand"] = STR
    project_page = page("Project", total=True)
    project_page["properties"] = {"self": URI, "nextPage": URI, **project_page["properties"]}
    project_page["properties"]["nextPage"] = _s(
        "string", "The next page's URL; absent on the last page.", format="uri"
    )
    return {
        "BoardPage": page("Board", total=True),
        "EpicPage": page("Epic", total=False),
        "BoardIssuePage": board_issue_page,
        "BoardProjectPage": page("IssueProject", total=True),
        "SprintPage": page("Sprint", total=False),
        "ProjectPage": project_page,
        "SearchResults": _obj(
            {
                "issues": _s("array", items=_ref("Issue")),
                "nextPageToken": _s("string", "The next page's token; absent on the last page."),
                "isLast": BOOL,
            },
            required=["issues", "isLast"],
        ),
        "SearchRequest": _obj(
            {
                "jql": STR,
                "nextPageToken": STR,
                "maxResults": _s("integer", format="int32", minimum=0),
                "fields": _s("array", items=STR),
                "expand": STR,
            },
            required=["jql"],
        ),
    }


_ERRORS = {
    400: "Bad parameters or JQL.",
    401: "Missing or wrong credentials.",
    404: "The board or issue does not exist (or is not visible).",
    410: "This API was removed.",
}


def _operation(ep) -> dict:
    words = ep.handler.__name__.split("_")
    op: dict = {
        "operationId": words[0] + "".join(w.title() for w in words[1:]) + ep.method.title(),
        "summary": ep.summary,
        "tags": ["Agile" if "/agile/" in ep.path else "Platform"],
        "parameters": [p.openapi() for p in ep.params],
        "responses": {},
    }
    if ep.schema:
        content = {"application/json": {"schema": _ref(ep.schema)}}
        op["responses"]["200"] = {"description": "OK", "content": content}
    for code in ep.errors:
        error = {"application/json": {"schema": _ref("ErrorCollection")}}
        op["responses"][str(code)] = {"description": _ERRORS[code], "content": error}
    op["responses"]["429"] = {
        "description": "Rate limited: retry after the given seconds.",
        "headers": {"Retry-After": {"schema": _s("integer")}},
        "content": {"application/json": {"schema": _ref("ErrorCollection")}},
    }
    if ep.body_schema:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ep.body_schema}},
        }
    return op


def document(endpoints) -> dict:
    """The OpenAPI document of the endpoints tagged ``jira``."""
    paths: dict = {}
    for ep in endpoints:
        if ep.tag != "jira":
            continue
        paths.setdefault(ep.path, {})[ep.method.lower()] = _operation(ep)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "JIRA Cloud sandbox",
            "version": "1.0.0",
            "description": "The JIRA Cloud endpoints distillr's JIRA sandbox serves: Agile 1.0 "
            "boards, epics, issues, projects and sprints, and REST 3 project search, issues and "
            "JQL search. Basic auth with the account's email and an API token.",
        },
        "servers": [{"url": "/"}],
        "security": [{"basicAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "basicAuth": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The account's email as the user name, "
                    "an API token as the password.",
                }
            },
            "schemas": _schemas(),
        },
    }
