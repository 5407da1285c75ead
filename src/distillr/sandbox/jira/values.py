"""The fixed vocabulary of the JIRA sandbox and JIRA's value formats.

Statuses, status categories, priorities and issue types have JIRA Cloud's ids and names; URLs
start with :data:`BASE`, a marker that the app replaces with the request's ``scheme://host``, so a
page is built once and addressed to whoever asked. Times are epoch milliseconds (UTC) in the
data and JIRA's text forms on the wire: ``2025-03-01T10:15:30.000+0000`` for issue fields,
``2025-03-01T10:15:30.000Z`` for sprints, ``2025-03-01`` for due dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Stands for the server's own base URL in every stored URL (replaced per response).
BASE = "https://jira-sandbox.invalid"
BASE_BYTES = BASE.encode()

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Choice:
    """One value of a field with a fixed list (a status, a priority, an issue type)."""

    id: str
    name: str
    json: dict


def _category(cid: int, key: str, color: str, name: str) -> dict:
    return {
        "self": f"{BASE}/rest/api/3/statuscategory/{cid}",
        "id": cid,
        "key": key,
        "colorName": color,
        "name": name,
    }


CATEGORIES = {
    "new": _category(2, "new", "blue-gray", "To Do"),
    "indeterminate": _category(4, "indeterminate", "yellow", "In Progress"),
    "done": _category(3, "done", "green", "Done"),
}


def _status(sid: str, name: str, category: str, description: str) -> Choice:
    return Choice(
        sid,
        name,
        {
            "self": f"{BASE}/rest/api/3/status/{sid}",
            "description": description,
            "iconUrl": f"{BASE}/images/icons/statuses/generic.png",
            "name": name,
            "id": sid,
            "statusCategory": CATEGORIES[category],
        },
    )


#: In workflow order (the order ``ORDER BY status`` uses).
STATUSES = (
    _status("10000", "To Do", "new", "Work that has not been started."),
    _status("3", "In Progress", "indeterminate", "The issue is actively being worked on."),
    _status("10002", "In Review", "indeterminate", "Waiting for a code review."),
    _status("10001", "Done", "done", "Work that has been completed."),
)
STATUS_CATEGORY = ("new", "indeterminate", "indeterminate", "done")  # per status
DONE = 3  # index of Done in STATUSES


def _priority(pid: str, name: str) -> Choice:
    return Choice(
        pid,
        name,
        {
            "self": f"{BASE}/rest/api/3/priority/{pid}",
            "iconUrl": f"{BASE}/images/icons/priorities/{name.lower()}.svg",
            "name": name,
            "id": pid,
        },
    )


#: Highest first (JIRA's priority sequence; ``ORDER BY priority DESC`` puts Highest first).
PRIORITIES = tuple(
    _priority(str(i + 1), name)
    for i, name in enumerate(("Highest", "High", "Medium", "Low", "Lowest"))
)


def _issuetype(tid: str, name: str, description: str, avatar: int, level: int) -> Choice:
    return Choice(
        tid,
        name,
        {
            "self": f"{BASE}/rest/api/3/issuetype/{tid}",
            "id": tid,
            "description": description,
            "iconUrl": f"{BASE}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{avatar}",
            "name": name,
            "subtask": False,
            "avatarId": avatar,
            "hierarchyLevel": level,
        },
    )


ISSUETYPES = (
    _issuetype("10000", "Epic", "A big user story that needs to be broken down.", 10307, 1),
    _issuetype("10001", "Story", "Functionality or a feature expressed as a user goal.", 10315, 0),
    _issuetype("10002", "Task", "A small, distinct piece of work.", 10318, 0),
    _issuetype("10004", "Bug", "A problem or error.", 10303, 0),
)
EPIC = 0  # index of Epic in ISSUETYPES

RESOLUTION_DONE = {
    "self": f"{BASE}/rest/api/3/resolution/10000",
    "id": "10000",
    "description": "Work has been completed on this issue.",
    "name": "Done",
}

LABELS = (
    "backend",
    "frontend",
    "api",
    "customer",
    "tech-debt",
    "security",
    "performance",
    "ux",
    "regression",
    "infra",
    "docs",
    "mobile",
)

EPIC_COLORS = tuple(f"color_{i}" for i in range(1, 15))

#: (key, name, board type) of the projects, in the order scales take them.
PROJECTS = (
    ("ENG", "Engineering Platform", "scrum"),
    ("WEB", "Web Storefront", "scrum"),
    ("OPS", "Operations", "kanban"),
    ("MOB", "Mobile App", "scrum"),
    ("DATA", "Data Pipeline", "scrum"),
    ("SUP", "Customer Support", "kanban"),
    ("SEC", "Security", "scrum"),
    ("DES", "Design System", "kanban"),
)

#: (display name, time zone); the first is the account the sandbox's API token belongs to.
PEOPLE = (
    ("Morgan Lee", "Europe/London"),
    ("Avery Chen", "America/Los_Angeles"),
    ("Jordan Patel", "America/New_York"),
    ("Riley Novak", "Europe/Berlin"),
    ("Samira Haddad", "Europe/Paris"),
    ("Kenji Watanabe", "Asia/Tokyo"),
    ("Priya Raman", "Asia/Kolkata"),
    ("Lucas Oliveira", "America/Sao_Paulo"),
    ("Emma Lindqvist", "Europe/Stockholm"),
    ("Noah Fischer", "Europe/Zurich"),
    ("Grace Okafor", "Africa/Lagos"),
    ("Tomás Ruiz", "Europe/Madrid"),
    ("Chloe Martin", "Australia/Sydney"),
    ("Former Contractor", "UTC"),  # inactive: still the assignee of old issues
)
INACTIVE = len(PEOPLE) - 1


def sprint_time(ms: int) -> str:
    """Epoch milliseconds as JIRA writes sprint dates: ``2025-03-01T10:15:30.000Z``."""
    t = dt.datetime.fromtimestamp(ms // 1000, dt.UTC)
    return f"{t:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


def avatar_urls(kind: str, ident: str) -> dict:
    """JIRA's four avatar sizes for a user or a project."""
    return {
        f"{s}x{s}": f"{BASE}/rest/api/3/universal_avatar/view/type/{kind}/avatar/{ident}?size={s}"
        for s in (48, 24, 16, 32)
    }
