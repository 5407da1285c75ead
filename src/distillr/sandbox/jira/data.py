"""The JIRA sandbox's data: users, projects, boards, sprints, epics and issues, from a seed.

Rules: the same seed, scale and ``now`` give the same data on every machine. Dates span the
540 days before ``now`` (default 2025-07-01T00:00Z, so the data does not change with the day the
tests run). Issue ids grow with creation time (``10000`` upwards) and keys count per project
(``ENG-1``, ``ENG-2``, ...). Issues are stored as numpy columns (:class:`Issues`), so 50,000 of
them are built in well under a second and JQL filters are vectorised masks; the JSON shapes are
built per page by :mod:`distillr.sandbox.jira.render`.

Relations: every project has a board (scrum or kanban) located in it; one more kanban board
spans the first and third projects, and the last one ("All work", kanban) every project, so its
``/board/{id}/issue`` lists every issue. Scrum boards have two-week sprints (closed ones, one
active, two future). Epics are issues of type Epic; about two thirds of the other issues have
an epic of their own project as ``parent``. Issues on scrum boards sit in sprints: done ones in
the sprint they were resolved in, open ones in the active or next sprint or the backlog; some
were carried over from the sprint before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from distillr.errors import ConfigError
from distillr.sandbox.jira import values as V
from distillr.sandbox.jira import words as W
from distillr.sandbox.seeds import rng_for, secret

SCALES = {"tiny": 150, "small": 2_000, "large": 50_000}
PROJECTS_PER_SCALE = {"tiny": 3, "small": 5, "large": 8}
SPAN_DAYS = 540
DEFAULT_NOW = dt.datetime(2025, 7, 1, tzinfo=dt.UTC)
SPRINT_DAYS = 14
NONE = -1  # a missing index or time in an integer column


@dataclass
class User:
    index: int
    account_id: str
    name: str
    email: str
    time_zone: str
    active: bool
    json: dict = field(repr=False, default_factory=dict)


@dataclass
class Project:
    index: int
    id: int
    key: str
    name: str
    board_type: str
    lead: User
    json: dict = field(repr=False, default_factory=dict)  # the form issues and boards embed


@dataclass
class Board:
    id: int
    name: str
    type: str  # scrum | kanban
    location: Project
    projects: list[Project]


@dataclass
class Sprint:
    index: int
    id: int
    board_id: int
    name: str
    state: str  # closed | active | future
    start: int  # epoch ms (NONE for future sprints)
    end: int
    complete: int  # NONE unless closed
    created: int
    goal: str


@dataclass
class Issues:
    """One numpy column per attribute, one row per issue, rows in id (creation) order."""

    id: np.ndarray  # int64, 10000 + row
    project: np.ndarray  # project index
    number: np.ndarray  # the number in the key
    type: np.ndarray  # index into values.ISSUETYPES
    status: np.ndarray  # index into values.STATUSES
    priority: np.ndarray  # index into values.PRIORITIES
    assignee: np.ndarray  # user index or NONE
    reporter: np.ndarray  # user index
    created: np.ndarray  # epoch ms
    updated: np.ndarray  # epoch ms
    resolved: np.ndarray  # epoch ms or NONE
    due: np.ndarray  # epoch ms of a UTC day, or NONE
    parent: np.ndarray  # row of the epic, or NONE
    labels: np.ndarray  # bit i set: values.LABELS[i]
    points: np.ndarray  # float64 story points, NaN when none
    sprint: np.ndarray  # sprint index (the latest the issue was in) or NONE
    prev_sprint: np.ndarray  # an earlier, closed sprint it was carried over from, or NONE
    flagged: np.ndarray  # bool
    rank: np.ndarray  # position in the global rank order
    color: np.ndarray  # epic colour index
    summary: list[str]
    description: list[str | None]
    key: list[str]

    def __len__(self) -> int:
        return len(self.id)


class Rows:
    """The issue columns as Python lists and the times as JIRA's text, computed once, so that
    rendering a page reads list items instead of numpy scalars and formats no date."""

    def __init__(self, iss: Issues) -> None:
        for name in (
            "project",
            "type",
            "status",
            "priority",
            "assignee",
            "reporter",
            "parent",
            "sprint",
            "prev_sprint",
            "flagged",
            "rank",
            "color",
        ):
            setattr(self, name, getattr(iss, name).tolist())
        self.id = [str(i) for i in iss.id.tolist()]
        self.points = [None if p != p else p for p in iss.points.tolist()]
        self.created = _times(iss.created, "+0000")
        self.updated = _times(iss.updated, "+0000")
        self.resolved = _times(iss.resolved, "+0000")
        self.due = _days(iss.due)
        names = V.LABELS
        by_bits: dict[int, list[str]] = {}
        labels = []
        for bits in iss.labels.tolist():
            got = by_bits.get(bits)
            if got is None:
                got = by_bits[bits] = [n for i, n in enumerate(names) if bits >> i & 1]
            labels.append(got)
        self.labels = labels


def _times(ms: np.ndarray, suffix: str) -> list[str | None]:
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms").tolist()
    return [None if m == NONE else t + suffix for t, m in zip(text, ms.tolist())]


def _days(ms: np.ndarray) -> list[str | None]:
    text = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="D").tolist()
    return [None if m == NONE else t for t, m in zip(text, ms.tolist())]


class JiraData:
    """Everything the sandbox serves, generated from ``seed`` (see the module docstring)."""

    def __init__(
        self,
        seed: int = 42,
        scale: str = "small",
        issues: int | None = None,
        now: dt.date | dt.datetime | str | None = None,
        email: str | None = None,
        api_token: str | None = None,
    ) -> None:
        if scale not in SCALES:
            raise ConfigError(f"Unknown scale {scale!r}; use one of: {', '.join(SCALES)}.")
        if issues is not None and not 0 <= issues <= 1_000_000:
            raise ConfigError("issues must be from 0 to 1,000,000.")
        self.seed = seed
        self.scale = scale
        self.now = _now_ms(now)
        self.start = self.now - SPAN_DAYS * V.DAY_MS
        self.users = self._users(email)
        self.me = self.users[0]
        self.api_token = api_token if api_token is not None else _token(seed)
        if not self.api_token:
            raise ConfigError("api_token must not be empty.")
        self.projects = self._projects(PROJECTS_PER_SCALE[scale])
        self.boards = self._boards()
        self.sprints = self._sprints()
        n = SCALES[scale] if issues is None else issues
        self.issues = _IssueBuilder(self, n).build()
        self.epic_rows = np.flatnonzero(self.issues.type == V.EPIC)
        self.row_of_key = {k: i for i, k in enumerate(self.issues.key)}
        self.rank_order = np.argsort(self.issues.rank, kind="stable")
        self.rows = Rows(self.issues)
        # the JSON of sprints and epics, made once by render.precompute (render builds on this)
        self.sprint_objects: list[dict] = []
        self.sprint_fields: list[dict] = []
        self.epic_objects: dict[int, dict] = {}

    # ------------------------------------------------------------------ lookups
    def board(self, board_id: int) -> Board | None:
        return self.boards[board_id - 1] if 1 <= board_id <= len(self.boards) else None

    def project(self, key_or_id: str) -> Project | None:
        text = key_or_id.strip()
        for p in self.projects:
            if text.upper() == p.key or text == str(p.id):
                return p
        return None

    def sprint_by_id(self, sprint_id: int) -> Sprint | None:
        i = sprint_id - 1
        return self.sprints[i] if 0 <= i < len(self.sprints) else None

    def row(self, id_or_key: str) -> int | None:
        """The row of an issue given its key (any case) or its numeric id."""
        text = id_or_key.strip()
        if text.isdigit():
            row = int(text) - 10_000
            return row if 0 <= row < len(self.issues) else None
        return self.row_of_key.get(text.upper())

    def board_rows(self, board: Board) -> np.ndarray:
        """The rows on a board, in rank order: its projects' issues, less epics on scrum boards."""
        iss = self.issues
        mask = np.isin(iss.project, [p.index for p in board.projects])
        if board.type == "scrum":
            mask &= iss.type != V.EPIC
        return self.rank_order[mask[self.rank_order]]

    def board_epics(self, board: Board) -> np.ndarray:
        """Epic rows of a board's projects, in rank order."""
        iss = self.issues
        mask = np.isin(iss.project, [p.index for p in board.projects]) & (iss.type == V.EPIC)
        return self.rank_order[mask[self.rank_order]]

    def board_sprints(self, board: Board) -> list[Sprint]:
        return [s for s in self.sprints if s.board_id == board.id]

    # ------------------------------------------------------------------ generation
    def _users(self, email: str | None) -> list[User]:
        users = []
        for i, (name, tz) in enumerate(V.PEOPLE):
            raw = secret(self.seed, "user", i, length=32)
            account = raw[:24] if i % 2 == 0 else f"712020:{_uuid(raw)}"
            ascii_name = name.lower().replace("á", "a").replace(" ", ".")
            address = f"{ascii_name}@example.com"
            if i == 0 and email is not None:
                if "@" not in email or email.strip() != email or len(email) > 200:
                    raise ConfigError("email must be an address like name@example.com.")
                address = email
            u = User(i, account, name, address, tz, i != V.INACTIVE)
            u.json = {
                "self": f"{V.BASE}/rest/api/3/user?accountId={account}",
                "accountId": account,
                "emailAddress": address,
                "avatarUrls": V.avatar_urls("user", account),
                "displayName": name,
                "active": u.active,
                "timeZone": tz,
                "accountType": "atlassian",
            }
            users.append(u)
        return users

    def _projects(self, count: int) -> list[Project]:
        out = []
        for i, (key, name, board_type) in enumerate(V.PROJECTS[:count]):
            pid = 10_000 + i
            p = Project(i, pid, key, name, board_type, self.users[1 + i % (len(self.users) - 2)])
            p.json = {
                "self": f"{V.BASE}/rest/api/3/project/{pid}",
                "id": str(pid),
                "key": key,
                "name": name,
                "projectTypeKey": "software",
                "simplified": False,
                "avatarUrls": V.avatar_urls("project", str(10_400 + i)),
            }
            out.append(p)
        return out

    def _boards(self) -> list[Board]:
        boards = []
        for p in self.projects:
            name = f"{p.key} board" if p.index % 2 == 0 else f"{p.name} {p.board_type.title()}"
            boards.append(Board(len(boards) + 1, name, p.board_type, p, [p]))
        if len(self.projects) >= 3:
            first, third = self.projects[0], self.projects[2]
            boards.append(
                Board(len(boards) + 1, "Platform overview", "kanban", first, [first, third])
            )
        first = self.projects[0]
        boards.append(Board(len(boards) + 1, "All work", "kanban", first, list(self.projects)))
        return boards

    def _sprints(self) -> list[Sprint]:
        sprints: list[Sprint] = []
        first_day = _next_monday(self.start + 21 * V.DAY_MS) + 9 * 3_600_000  # Mondays 09:00
        rng = rng_for(self.seed, "sprints")
        length = SPRINT_DAYS * V.DAY_MS
        for board in self.boards:
            if board.type != "scrum":
                continue
            number, t = 1, first_day + board.id * V.DAY_MS % (3 * V.DAY_MS)
            future = 0
            while future < 2:
                state = (
                    "closed" if t + length <= self.now else "active" if t <= self.now else "future"
                )
                future += state == "future"
                done = (
                    t + length + int(rng.integers(0, 4 * 3_600_000)) if state == "closed" else NONE
                )
                sprints.append(
                    Sprint(
                        index=len(sprints),
                        id=len(sprints) + 1,
                        board_id=board.id,
                        name=f"{board.location.key} Sprint {number}",
                        state=state,
                        start=t if state != "future" else NONE,
                        end=t + length if state != "future" else NONE,
                        complete=done,
                        created=t - int(rng.integers(1, 4)) * V.DAY_MS,
                        goal=str(rng.choice(W.GOALS)).capitalize() if rng.random() < 0.7 else "",
                    )
                )
                number += 1
                t += length
        return sprints


class _IssueBuilder:
    """Builds the :class:`Issues` columns, vectorised with numpy (see JiraData's docstring)."""

    def __init__(self, data: JiraData, n: int) -> None:
        self.data = data
        self.n = n
        self.rng = rng_for(data.seed, "issues", n, data.scale)

    def build(self) -> Issues:
        d, n, rng = self.data, self.n, self.rng
        span = d.now - d.start
        # creation grows over time; times of day cluster in working hours
        day = np.floor(np.sqrt(rng.random(n)) * (span // V.DAY_MS)).astype(np.int64)
        tod = np.clip(rng.normal(13.5, 2.5, n), 0, 23.99) * 3_600_000
        created = np.sort(d.start + day * V.DAY_MS + tod.astype(np.int64))
        created = np.minimum(created, d.now - 60_000)
        nproj = len(d.projects)
        weights = np.linspace(1.6, 0.7, nproj)
        project = rng.choice(nproj, size=n, p=weights / weights.sum()).astype(np.int16)
        number = np.zeros(n, dtype=np.int32)
        for p in range(nproj):
            rows = project == p
            number[rows] = np.arange(1, int(rows.sum()) + 1)
        kind = rng.choice(4, size=n, p=[0.03, 0.45, 0.30, 0.22]).astype(np.int8)
        age = (d.now - created) / V.DAY_MS
        done = rng.random(n) < 1 - np.exp(-age / 80)
        open_status = rng.choice([0, 1, 2], size=n, p=[0.5, 0.35, 0.15])
        status = np.where(done, V.DONE, open_status).astype(np.int8)
        resolved = np.where(done, created + (rng.random(n) ** 2 * (d.now - created)), NONE)
        resolved = resolved.astype(np.int64)
        later = (rng.random(n) * (d.now - created)).astype(np.int64)
        bump = (rng.random(n) * 2 * V.DAY_MS).astype(np.int64)
        updated = np.where(done, np.minimum(resolved + bump, d.now - 1), created + later)
        priority = rng.choice(5, size=n, p=[0.07, 0.2, 0.5, 0.15, 0.08]).astype(np.int8)
        assignee = self._people(created)
        reporter = rng.integers(0, len(d.users) - 1, size=n).astype(np.int16)
        due = np.where(
            rng.random(n) < 0.2,
            (created // V.DAY_MS + rng.integers(7, 60, size=n)) * V.DAY_MS,
            NONE,
        ).astype(np.int64)
        parent = self._parents(project, kind)
        labels = self._labels()
        points = np.full(n, np.nan)
        pick = (kind == 1) & (rng.random(n) < 0.8) | (kind == 2) & (rng.random(n) < 0.3)
        points[pick] = rng.choice([1.0, 2.0, 3.0, 5.0, 8.0, 13.0], size=int(pick.sum()))
        sprint, prev = self._sprints(project, kind, status, created, resolved)
        flagged = (status != V.DONE) & (rng.random(n) < 0.03)
        rank = rng.permutation(n).astype(np.int64)
        color = rng.integers(0, len(V.EPIC_COLORS), size=n).astype(np.int8)
        ids = np.arange(10_000, 10_000 + n, dtype=np.int64)
        keys = [f"{d.projects[p].key}-{k}" for p, k in zip(project.tolist(), number.tolist())]
        summary, description = self._texts(project, kind)
        return Issues(
            id=ids,
            project=project,
            number=number,
            type=kind,
            status=status,
            priority=priority,
            assignee=assignee,
            reporter=reporter,
            created=created,
            updated=updated.astype(np.int64),
            resolved=resolved,
            due=due,
            parent=parent,
            labels=labels,
            points=points,
            sprint=sprint,
            prev_sprint=prev,
            flagged=flagged,
            rank=rank,
            color=color,
            summary=summary,
            description=description,
            key=keys,
        )

    def _people(self, created: np.ndarray) -> np.ndarray:
        d, n, rng = self.data, self.n, self.rng
        active = len(d.users) - 1
        who = rng.integers(0, active, size=n)
        old = created < d.now - 300 * V.DAY_MS
        who = np.where(old & (rng.random(n) < 0.1), V.INACTIVE, who)
        return np.where(rng.random(n) < 0.85, who, NONE).astype(np.int16)

    def _parents(self, project: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """Two thirds of the non-epics get an epic of their project created before them."""
        n, rng = self.n, self.rng
        parent = np.full(n, NONE, dtype=np.int32)
        rows = np.arange(n)
        for p in np.unique(project):
            epics = rows[(project == p) & (kind == V.EPIC)]
            members = rows[(project == p) & (kind != V.EPIC)]
            if not len(epics) or not len(members):
                continue
            before = np.searchsorted(
                epics, members
            )  # epics created earlier (rows are in time order)
            has = (before > 0) & (rng.random(len(members)) < 0.66)
            pick = (rng.random(len(members)) * np.maximum(before, 1)).astype(np.int64)
            parent[members[has]] = epics[pick[has]]
        return parent

    def _labels(self) -> np.ndarray:
        n, rng = self.n, self.rng
        count = rng.choice(4, size=n, p=[0.4, 0.35, 0.18, 0.07])
        bits = np.zeros(n, dtype=np.int64)
        for k in range(3):
            choice = rng.integers(0, len(V.LABELS), size=n)
            bits |= np.where(count > k, np.int64(1) << choice, 0)
        return bits

    def _sprints(self, project, kind, status, created, resolved):
        """The latest sprint of each issue on a scrum board, and one it was carried over from."""
        d, n, rng = self.data, self.n, self.rng
        sprint = np.full(n, NONE, dtype=np.int32)
        prev = np.full(n, NONE, dtype=np.int32)
        for board in d.boards:
            if board.type != "scrum":
                continue
            sprints = d.board_sprints(board)
            starts = np.array([s.start for s in sprints if s.state != "future"])
            first = sprints[0].index
            active = next(s.index for s in sprints if s.state == "active")
            future = next(s.index for s in sprints if s.state == "future")
            rows = np.flatnonzero((project == board.location.index) & (kind != V.EPIC))
            if not len(rows):
                continue
            done = status[rows] == V.DONE
            at = np.searchsorted(starts, resolved[rows], side="right") - 1
            closed = np.where(at >= 0, first + at, NONE)
            u = rng.random(len(rows))
            open_pick = np.where(u < 0.55, active, np.where(u < 0.7, future, NONE))
            chosen = np.where(done, closed, open_pick).astype(np.int32)
            sprint[rows] = chosen
            # carried over: in the sprint before too, if the issue existed when it started
            before = chosen - 1
            can = (chosen > first) & (chosen != future)
            if can.any():
                prior_start = np.array([d.sprints[max(i, 0)].start for i in before])
                can &= created[rows] < prior_start
            prev[rows] = np.where(can & (rng.random(len(rows)) < 0.2), before, NONE)
        return sprint, prev

    def _texts(self, project: np.ndarray, kind: np.ndarray) -> tuple[list[str], list[str | None]]:
        n, rng = self.n, self.rng
        a, b, c = (rng.integers(0, 1 << 30, size=n).tolist() for _ in range(3))
        out = []
        seen: dict[tuple[int, str], int] = {}
        for p, k, x, y, z in zip(project.tolist(), kind.tolist(), a, b, c):
            if k == V.EPIC:
                theme = W.THEMES[x % len(W.THEMES)]
                again = seen[p, theme] = seen.get((p, theme), 0) + 1
                out.append(theme if again == 1 else f"{theme} phase {again}")
            elif k == 1:
                out.append(
                    f"As a {W.ROLES[x % len(W.ROLES)]}, I can {W.ACTIONS[y % len(W.ACTIONS)]}"
                )
            elif k == 2:
                comp = W.COMPONENTS[y % len(W.COMPONENTS)]
                out.append(
                    f"{W.VERBS[x % len(W.VERBS)]} the {comp} {W.DETAILS[z % len(W.DETAILS)]}"
                )
            else:
                comp = W.COMPONENTS[x % len(W.COMPONENTS)].capitalize()
                problem = W.PROBLEMS[y % len(W.PROBLEMS)]
                out.append(f"{comp} {problem} {W.CONDITIONS[z % len(W.CONDITIONS)]}")
        has = (rng.random(n) < 0.7).tolist()
        pick = rng.integers(0, len(W.SENTENCES), size=n).tolist()
        desc = [W.SENTENCES[p] if h else None for h, p in zip(has, pick)]
        return out, desc


def _now_ms(now) -> int:
    if now is None:
        when = DEFAULT_NOW
    elif isinstance(now, str):
        try:
            when = dt.datetime.fromisoformat(now)
        except ValueError:
            raise ConfigError(f"now={now!r} is not an ISO date or date-time.") from None
    elif isinstance(now, dt.datetime):
        when = now
    elif isinstance(now, dt.date):
        when = dt.datetime(now.year, now.month, now.day)
    else:
        raise ConfigError("now must be a date, a datetime or an ISO string.")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return int(when.timestamp() * 1000)


def _next_monday(ms: int) -> int:
    day = ms // V.DAY_MS
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday (3)
    return (day + (7 - weekday) % 7) * V.DAY_MS


def _uuid(hex32: str) -> str:
    h = hex32
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _token(seed: int) -> str:
    return "ATATT3xFfGF0" + secret(seed, "api-token", length=52)
