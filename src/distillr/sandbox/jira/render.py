"""The JSON shapes JIRA Cloud serves, built from :class:`~distillr.sandbox.jira.data.JiraData`.

Rules: every URL starts with :data:`~distillr.sandbox.jira.values.BASE` (replaced per response);
board, sprint and epic ids and ``location.projectId`` are JSON numbers, issue and project ids are
strings of digits, as JIRA gives them. Missing values are ``null`` (``assignee``,
``resolution``, ``parent``, ``sprint``, ...), lists are ``[]`` when empty. REST 3 issues
(``/rest/api/3``) carry the platform fields; Agile issues (``/rest/agile/1.0``) add ``sprint``,
``closedSprints``, ``flagged`` and ``epic``. :func:`flat_row` is the one-level form of an issue
that the CSV and XML test endpoints serve.
"""

from __future__ import annotations

import msgspec

from distillr.sandbox.jira import values as V
from distillr.sandbox.jira.data import NONE, Board, JiraData, Project, Sprint

REST_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"
AGILE_EXPAND = "operations,versionedRepresentations,editmeta,changelog,renderedFields"

#: The platform fields of an issue, in the order JIRA lists them.
FIELDS = (
    "summary",
    "description",
    "status",
    "priority",
    "issuetype",
    "project",
    "assignee",
    "reporter",
    "creator",
    "labels",
    "created",
    "updated",
    "resolution",
    "resolutiondate",
    "duedate",
    "parent",
    "customfield_10016",  # Story point estimate
    "customfield_10019",  # Rank
    "customfield_10020",  # Sprint (every sprint the issue was in)
)
#: The fields the Agile API adds.
AGILE_FIELDS = ("sprint", "closedSprints", "flagged", "epic")

AGILE_ORDER = FIELDS + AGILE_FIELDS

#: Columns of :func:`flat_row`, in order.
FLAT_COLUMNS = (
    "id",
    "key",
    "project",
    "issuetype",
    "summary",
    "status",
    "status_category",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "story_points",
    "sprint",
    "epic",
    "created",
    "updated",
    "resolved",
    "duedate",
)


def board_json(board: Board) -> dict:
    p = board.location
    return {
        "id": board.id,
        "self": f"{V.BASE}/rest/agile/1.0/board/{board.id}",
        "name": board.name,
        "type": board.type,
        "location": {
            "projectId": p.id,
            "displayName": f"{p.name} ({p.key})",
            "projectName": p.name,
            "projectKey": p.key,
            "projectTypeKey": "software",
            "avatarURI": p.json["avatarUrls"]["16x16"],
            "name": f"{p.name} ({p.key})",
        },
        "isPrivate": False,
    }


def project_json(project: Project) -> dict:
    """A project as ``project/search`` lists it."""
    return {
        "expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
        **project.json,
        "style": "classic",
        "isPrivate": False,
        "properties": {},
    }


def sprint_json(sprint: Sprint) -> dict:
    """A sprint as the Agile API gives it (future sprints have no dates yet)."""
    out: dict = {
        "id": sprint.id,
        "self": f"{V.BASE}/rest/agile/1.0/sprint/{sprint.id}",
        "state": sprint.state,
        "name": sprint.name,
    }
    if sprint.start != NONE:
        out["startDate"] = V.sprint_time(sprint.start)
        out["endDate"] = V.sprint_time(sprint.end)
    if sprint.complete != NONE:
        out["completeDate"] = V.sprint_time(sprint.complete)
    out["createdDate"] = V.sprint_time(sprint.created)
    out["originBoardId"] = sprint.board_id
    out["goal"] = sprint.goal
    return out


def sprint_field(sprint: Sprint) -> dict:
    """A sprint as ``customfield_10020`` lists it."""
    out: dict = {"id": sprint.id, "name": sprint.name, "state": sprint.state}
    out["boardId"] = sprint.board_id
    out["goal"] = sprint.goal
    if sprint.start != NONE:
        out["startDate"] = V.sprint_time(sprint.start)
        out["endDate"] = V.sprint_time(sprint.end)
    if sprint.complete != NONE:
        out["completeDate"] = V.sprint_time(sprint.complete)
    return out


def epic_json(data: JiraData, row: int) -> dict:
    iss = data.issues
    return {
        "id": int(iss.id[row]),
        "key": iss.key[row],
        "self": f"{V.BASE}/rest/agile/1.0/epic/{int(iss.id[row])}",
        "name": iss.summary[row],
        "summary": iss.summary[row],
        "color": {"key": V.EPIC_COLORS[iss.color[row]]},
        "done": bool(iss.status[row] == V.DONE),
    }


def _sprints_of(data: JiraData, row: int) -> list[Sprint]:
    r = data.rows
    return [data.sprints[i] for i in (r.prev_sprint[row], r.sprint[row]) if i != NONE]


def _adf(text: str) -> dict:
    para = {"type": "paragraph", "content": [{"type": "text", "text": text}]}
    return {"type": "doc", "version": 1, "content": [para]}


def parent_json(data: JiraData, row: int) -> dict:
    """An epic as the ``parent`` field of its issues shows it."""
    r = data.rows
    ident = r.id[row]
    return {
        "id": ident,
        "key": data.issues.key[row],
        "self": f"{V.BASE}/rest/api/3/issue/{ident}",
        "fields": {
            "summary": data.issues.summary[row],
            "status": V.STATUSES[r.status[row]].json,
            "priority": V.PRIORITIES[r.priority[row]].json,
            "issuetype": V.ISSUETYPES[r.type[row]].json,
        },
    }


def rank_text(position: int) -> str:
    """A LexoRank-like rank whose text order is the rank order."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        position, d = divmod(position, 36)
        out = digits[d] + out
        if not position:
            break
    return f"0|i{out.rjust(5, '0')}:"


ALL_FIELDS = frozenset(AGILE_ORDER)
_KEYS = {name: b',"' + name.encode() + b'":' for name in AGILE_ORDER}
_NULL = b"null"


class IssueEncoder:
    """Issues as JSON bytes, joined from fragments encoded once (a user, a status, a sprint
    list, an epic), so a page of 100 full issues costs a few thousand bytes operations and no
    per-issue ``dict``. :meth:`issue_json` decodes the same bytes, so the Python view of an
    issue is exactly what the API serves."""

    def __init__(self, data: JiraData) -> None:
        enc = msgspec.json.encode
        self.data = data
        r = data.rows
        self._users = [enc(u.json) for u in data.users]
        self._statuses = [enc(x.json) for x in V.STATUSES]
        self._priorities = [enc(x.json) for x in V.PRIORITIES]
        self._types = [enc(x.json) for x in V.ISSUETYPES]
        self._projects = [enc(p.json) for p in data.projects]
        self._summary = [enc(t) for t in data.issues.summary]
        self._descriptions = {t: enc(_adf(t)) for t in set(data.issues.description) if t}
        self._parents = {int(e): enc(parent_json(data, int(e))) for e in data.epic_rows}
        self._epics = {e: enc(obj) for e, obj in data.epic_objects.items()}
        self._resolution = enc(V.RESOLUTION_DONE)
        self._labels: dict[int, bytes] = {}
        self._sprint_lists: dict[tuple[int, int], tuple[bytes, bytes, bytes]] = {}
        self._times = {
            name: [_NULL if t is None else b'"' + t.encode() + b'"' for t in getattr(r, name)]
            for name in ("created", "updated", "resolved", "due")
        }

    def _sprint_parts(self, row: int) -> tuple[bytes, bytes, bytes]:
        """(customfield_10020, sprint, closedSprints) of a row, cached per pair of sprints."""
        r = self.data.rows
        pair = (r.prev_sprint[row], r.sprint[row])
        got = self._sprint_lists.get(pair)
        if got is None:
            d, enc = self.data, msgspec.json.encode
            sprints = [d.sprints[i] for i in pair if i != NONE]
            current = [d.sprint_objects[s.index] for s in sprints if s.state != "closed"]
            closed = [d.sprint_objects[s.index] for s in sprints if s.state == "closed"]
            got = (
                enc([d.sprint_fields[s.index] for s in sprints] or None),
                enc(current[-1] if current else None),
                enc(closed),
            )
            self._sprint_lists[pair] = got
        return got

    def _label_bytes(self, row: int) -> bytes:
        bits = int(self.data.issues.labels[row])
        got = self._labels.get(bits)
        if got is None:
            got = self._labels[bits] = msgspec.json.encode(self.data.rows.labels[row])
        return got

    def fields(self, row: int, agile: bool) -> dict[str, bytes]:
        """Every field of a row as encoded JSON, by name, in JIRA's order."""
        r, iss = self.data.rows, self.data.issues
        t = self._times
        desc = iss.description[row]
        parent = r.parent[row]
        reporter = self._users[r.reporter[row]]
        assignee = r.assignee[row]
        points = r.points[row]
        out = {
            "summary": self._summary[row],
            "description": self._descriptions[desc] if desc else _NULL,
            "status": self._statuses[r.status[row]],
            "priority": self._priorities[r.priority[row]],
            "issuetype": self._types[r.type[row]],
            "project": self._projects[r.project[row]],
            "assignee": self._users[assignee] if assignee != NONE else _NULL,
            "reporter": reporter,
            "creator": reporter,
            "labels": self._label_bytes(row),
            "created": t["created"][row],
            "updated": t["updated"][row],
            "resolution": self._resolution if r.resolved[row] is not None else _NULL,
            "resolutiondate": t["resolved"][row],
            "duedate": t["due"][row],
            "parent": self._parents[parent] if parent != NONE else _NULL,
            "customfield_10016": _NULL if points is None else repr(points).encode(),
            "customfield_10019": b'"' + rank_text(r.rank[row]).encode() + b'"',
        }
        sprint_list, current, closed = self._sprint_parts(row)
        out["customfield_10020"] = sprint_list
        if agile:
            out["sprint"] = current
            out["closedSprints"] = closed
            out["flagged"] = b"true" if r.flagged[row] else b"false"
            out["epic"] = self._epics[parent] if parent != NONE else _NULL
        return out

    def issue(self, row: int, *, agile: bool = False, wanted=ALL_FIELDS) -> bytes:
        """One issue's JSON; ``wanted`` names the fields to include (``None``: just the id)."""
        ident = self.data.rows.id[row]
        if wanted is None:
            return b'{"id":"' + ident.encode() + b'"}'
        api = "agile/1.0" if agile else "api/3"
        head = (
            f'{{"expand":"{AGILE_EXPAND if agile else REST_EXPAND}","id":"{ident}",'
            f'"self":"{V.BASE}/rest/{api}/issue/{ident}","key":"{self.data.issues.key[row]}",'
            '"fields":{'
        )
        parts = [head.encode()]
        for k, v in self.fields(row, agile).items():
            if wanted is ALL_FIELDS or k in wanted:
                parts.append(_KEYS[k])
                parts.append(v)
        if len(parts) > 1:
            parts[1] = parts[1][1:]  # no comma before the first field
        parts.append(b"}}")
        return b"".join(parts)

    def issues(self, rows, *, agile: bool = False, wanted=ALL_FIELDS) -> bytes:
        """A JSON array of the issues at ``rows``."""
        return b"[" + b",".join(self.issue(int(i), agile=agile, wanted=wanted) for i in rows) + b"]"

    def issue_json(self, row: int, *, agile: bool = False, wanted=ALL_FIELDS) -> dict:
        return msgspec.json.decode(self.issue(row, agile=agile, wanted=wanted))


def flat_row(data: JiraData, row: int) -> dict:
    """An issue in one level (see :data:`FLAT_COLUMNS`): names for objects, labels joined by
    ``;``, JIRA's time text; ``None`` where JIRA has null (and for no labels)."""
    r = data.rows
    assignee = r.assignee[row]
    sprints = _sprints_of(data, row)
    parent = r.parent[row]
    return {
        "id": int(r.id[row]),
        "key": data.issues.key[row],
        "project": data.projects[r.project[row]].key,
        "issuetype": V.ISSUETYPES[r.type[row]].name,
        "summary": data.issues.summary[row],
        "status": V.STATUSES[r.status[row]].name,
        "status_category": V.STATUS_CATEGORY[r.status[row]],
        "priority": V.PRIORITIES[r.priority[row]].name,
        "assignee": data.users[assignee].name if assignee != NONE else None,
        "reporter": data.users[r.reporter[row]].name,
        "labels": ";".join(r.labels[row]) or None,
        "story_points": r.points[row],
        "sprint": sprints[-1].name if sprints else None,
        "epic": data.issues.key[parent] if parent != NONE else None,
        "created": r.created[row],
        "updated": r.updated[row],
        "resolved": r.resolved[row],
        "duedate": r.due[row],
    }


def precompute(data: JiraData) -> JiraData:
    """Fill ``data``'s JSON of sprints and epics, which every answer that holds them reuses."""
    data.sprint_objects = [sprint_json(s) for s in data.sprints]
    data.sprint_fields = [sprint_field(s) for s in data.sprints]
    data.epic_objects = {int(r): epic_json(data, int(r)) for r in data.epic_rows}
    return data
