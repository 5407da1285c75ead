"""JQL evaluated over the issue columns: fields, values, operators, order, and a result cache.

Rules (what JIRA does, as far as the subset goes):
- Field names and keywords in any case; text values compare without case (labels too).
- ``!=`` and ``NOT IN`` never match an empty field (``assignee != x`` leaves out unassigned
  issues), as in JIRA; ``IS EMPTY`` finds those. ``IN`` lists may hold ``EMPTY``.
- On a list field (``labels``, ``sprint``) ``=`` means "contains" and ``!=`` "has values and
  not this one".
- Dates are UTC instants: ``"2025-01-01"`` is its midnight, ``"2025-01-01 10:30"`` that minute;
  relative dates (``-7d``, ``"-2w 3d"``, ``4h``, ``-30m``) and ``now()``, ``startOfDay()``,
  ``endOfDay()`` count from the data's ``now``.
- An unknown field, a value that does not exist (a project, a status, a user, an issue key, a
  sprint) or an operator a field does not take is a 400 with JIRA's message.
- ``ORDER BY`` sorts with empty values last in ascending order (first in descending); ties go
  by issue id, ascending. Without ``ORDER BY`` the caller's order stands (rank on boards,
  ``created DESC`` in search).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from distillr.sandbox.jira import values as V
from distillr.sandbox.jira.data import NONE, JiraData
from distillr.sandbox.jira.jql import Bool, Clause, JqlError, Query, Value, parse


@dataclass(frozen=True)
class Field:
    name: str  # JIRA's name for messages
    kind: str  # choice | user | key | labels | sprint | date | number | text
    nullable: bool = False


FIELDS = {
    "project": Field("project", "choice"),
    "key": Field("key", "key"),
    "issuekey": Field("key", "key"),
    "id": Field("key", "key"),
    "issue": Field("key", "key"),
    "status": Field("status", "choice"),
    "statuscategory": Field("statusCategory", "choice"),
    "category": Field("statusCategory", "choice"),
    "priority": Field("priority", "choice"),
    "issuetype": Field("issuetype", "choice"),
    "type": Field("issuetype", "choice"),
    "resolution": Field("resolution", "choice", nullable=True),
    "assignee": Field("assignee", "user", nullable=True),
    "reporter": Field("reporter", "user"),
    "creator": Field("reporter", "user"),
    "labels": Field("labels", "labels", nullable=True),
    "sprint": Field("sprint", "sprint", nullable=True),
    "parent": Field("parent", "key", nullable=True),
    "created": Field("created", "date"),
    "createddate": Field("created", "date"),
    "updated": Field("updated", "date"),
    "updateddate": Field("updated", "date"),
    "resolved": Field("resolved", "date", nullable=True),
    "resolutiondate": Field("resolved", "date", nullable=True),
    "due": Field("duedate", "date", nullable=True),
    "duedate": Field("duedate", "date", nullable=True),
    "story points": Field("Story Points", "number", nullable=True),
    "story point estimate": Field("Story Points", "number", nullable=True),
    "cf[10016]": Field("Story Points", "number", nullable=True),
    "summary": Field("summary", "text"),
    "description": Field("description", "text", nullable=True),
    "text": Field("text", "text"),
}

OPERATORS = {
    "choice": {"=", "!=", "in", "not in", "is", "is not"},
    "user": {"=", "!=", "in", "not in", "is", "is not"},
    "key": {"=", "!=", "in", "not in", "is", "is not"},
    "labels": {"=", "!=", "in", "not in", "is", "is not"},
    "sprint": {"=", "!=", "in", "not in", "is", "is not"},
    "date": {"=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"},
    "number": {"=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not"},
    "text": {"~", "!~", "is", "is not"},
}

SORTABLE = {
    "key": "key",
    "issuekey": "key",
    "id": "key",
    "created": "created",
    "createddate": "created",
    "updated": "updated",
    "updateddate": "updated",
    "resolved": "resolved",
    "resolutiondate": "resolved",
    "due": "duedate",
    "duedate": "duedate",
    "priority": "priority",
    "status": "status",
    "issuetype": "issuetype",
    "type": "issuetype",
    "summary": "summary",
    "assignee": "assignee",
    "reporter": "reporter",
    "project": "project",
    "rank": "rank",
    "story points": "points",
    "cf[10016]": "points",
}

_RELATIVE = re.compile(r"^([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)$", re.IGNORECASE)
_PART = re.compile(r"(\d+)\s*([wdhm])", re.IGNORECASE)
_UNIT_MS = {"w": 7 * V.DAY_MS, "d": V.DAY_MS, "h": 3_600_000, "m": 60_000}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


class Evaluator:
    """Masks over every issue row for a parsed query, against one :class:`JiraData`."""

    def __init__(self, data: JiraData) -> None:
        self.data = data
        iss = data.issues
        self.n = len(iss)
        self._lower = {
            "summary": [t.lower() for t in iss.summary],
            "description": [(t or "").lower() for t in iss.description],
        }
        self._has_desc = np.array([t is not None for t in iss.description], dtype=bool)
        self._sprint_state = np.array([s.state for s in data.sprints] + ["none"])

    # ------------------------------------------------------------------ the tree
    def mask(self, node) -> np.ndarray:
        if isinstance(node, Bool):
            masks = [self.mask(x) for x in node.items]
            if node.op == "not":
                return ~masks[0]
            out = masks[0].copy()
            for m in masks[1:]:
                out = out & m if node.op == "and" else out | m
            return out
        return self.clause(node)

    def clause(self, c: Clause) -> np.ndarray:
        f = FIELDS.get(c.field.lower())
        if f is None:
            raise _no_field(c.field)
        if c.op not in OPERATORS[f.kind]:
            raise JqlError(
                f"The operator '{c.op.upper()}' is not supported by the '{f.name}' field."
            )
        if c.op in ("is", "is not"):
            if not f.nullable:
                raise JqlError(f"The field '{f.name}' does not support searching for EMPTY values.")
            empty = self.empty(f)
            return empty if c.op == "is" else ~empty
        if f.kind == "text":
            return self.text(f, c)
        if f.kind in ("date", "number") and c.op in (">", ">=", "<", "<="):
            col, missing = self.numeric(f)
            x = self.scalar(f, c.values[0])
            cmp = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
            return cmp[c.op](col, x) & ~missing
        wants_empty = any(v.empty for v in c.values)
        if wants_empty and not f.nullable:
            raise JqlError(f"The field '{f.name}' does not support searching for EMPTY values.")
        hits = np.zeros(self.n, dtype=bool)
        for v in c.values:
            if not v.empty:
                hits |= self.equals(f, v)
        empty = self.empty(f) if f.nullable else np.zeros(self.n, dtype=bool)
        if c.op in ("=", "in"):
            return hits | empty if wants_empty else hits
        return ~hits & ~empty  # != and NOT IN never match an empty field

    # ------------------------------------------------------------------ per kind
    def empty(self, f: Field) -> np.ndarray:
        iss = self.data.issues
        return {
            "resolution": iss.resolved == NONE,
            "assignee": iss.assignee == NONE,
            "labels": iss.labels == 0,
            "sprint": iss.sprint == NONE,
            "parent": iss.parent == NONE,
            "resolved": iss.resolved == NONE,
            "duedate": iss.due == NONE,
            "Story Points": np.isnan(iss.points),
            "description": ~self._has_desc,
        }[f.name]

    def equals(self, f: Field, v: Value) -> np.ndarray:
        iss = self.data.issues
        if f.kind == "choice":
            col = {
                "project": iss.project,
                "status": iss.status,
                "priority": iss.priority,
                "issuetype": iss.type,
            }.get(f.name)
            if f.name == "statusCategory":
                cat = self.category(v)
                return np.isin(iss.status, [i for i, c in enumerate(V.STATUS_CATEGORY) if c == cat])
            if f.name == "resolution":
                if v.text.lower() == "unresolved":
                    return iss.resolved == NONE
                self.choice(f, v, ["Done"], ["10000"])
                return iss.resolved != NONE
            return col == self.code(f, v)
        if f.kind == "user":
            col = iss.assignee if f.name == "assignee" else iss.reporter
            return col == self.user(f, v)
        if f.kind == "key":
            col = np.arange(self.n) if f.name == "key" else iss.parent
            return col == self.issue_row(f, v)
        if f.kind == "labels":
            if v.function:
                raise _no_function(v, f)
            bit = next((i for i, n in enumerate(V.LABELS) if n == v.text.lower()), None)
            if bit is None:
                return np.zeros(self.n, dtype=bool)
            return (iss.labels >> bit & 1).astype(bool)
        if f.kind == "sprint":
            ids = self.sprint_indexes(v)
            return np.isin(iss.sprint, ids) | np.isin(iss.prev_sprint, ids)
        col, missing = self.numeric(f)
        return (col == self.scalar(f, v)) & ~missing

    def code(self, f: Field, v: Value) -> int:
        if f.name == "project":
            if v.function:
                raise _no_function(v, f)
            for p in self.data.projects:
                if (
                    v.text.upper() == p.key
                    or v.text == str(p.id)
                    or v.text.lower() == p.name.lower()
                ):
                    return p.index
            raise _no_value(v, f)
        choices = {"status": V.STATUSES, "priority": V.PRIORITIES, "issuetype": V.ISSUETYPES}[
            f.name
        ]
        return self.choice(f, v, [c.name for c in choices], [c.id for c in choices])

    def choice(self, f: Field, v: Value, names: list[str], ids: list[str]) -> int:
        if v.function:
            raise _no_function(v, f)
        for i, (name, ident) in enumerate(zip(names, ids)):
            if v.text.lower() == name.lower() or v.text == ident:
                return i
        raise _no_value(v, f)

    def category(self, v: Value) -> str:
        for key, cat in V.CATEGORIES.items():
            if v.text.lower() in (key, cat["name"].lower(), str(cat["id"])):
                return key
        raise _no_value(v, FIELDS["statuscategory"])

    def user(self, f: Field, v: Value) -> int:
        if v.function:
            if v.function == "currentuser" and not v.args:
                return self.data.me.index
            raise _no_function(v, f)
        text = v.text.lower()
        for u in self.data.users:
            if text in (u.account_id.lower(), u.name.lower(), u.email.lower()):
                return u.index
        raise _no_value(v, f)

    def issue_row(self, f: Field, v: Value) -> int:
        if v.function:
            raise _no_function(v, f)
        row = self.data.row(v.text)
        if row is None:
            raise JqlError(f"An issue with key '{v.text}' does not exist for field '{f.name}'.")
        return row

    def sprint_indexes(self, v: Value) -> list[int]:
        sprints = self.data.sprints
        if v.function:
            states = {
                "opensprints": ("active", "future"),
                "closedsprints": ("closed",),
                "futuresprints": ("future",),
            }.get(v.function)
            if states is None or v.args:
                raise _no_function(v, FIELDS["sprint"])
            return [s.index for s in sprints if s.state in states]
        if v.text.isdigit() and not v.quoted:
            s = self.data.sprint_by_id(int(v.text))
            if s is None:
                raise _no_value(v, FIELDS["sprint"])
            return [s.index]
        found = [s.index for s in sprints if s.name.lower() == v.text.lower()]
        if not found:
            raise _no_value(v, FIELDS["sprint"])
        return found

    def numeric(self, f: Field) -> tuple[np.ndarray, np.ndarray]:
        iss = self.data.issues
        if f.kind == "number":
            return iss.points, np.isnan(iss.points)
        col = {"created": iss.created, "updated": iss.updated, "resolved": iss.resolved}.get(
            f.name, iss.due
        )
        return col, col == NONE

    def scalar(self, f: Field, v: Value) -> float:
        if f.kind == "number":
            if v.function:
                raise _no_function(v, f)
            try:
                return float(v.text)
            except ValueError:
                raise JqlError(
                    f"The value '{v.text}' for field '{f.name}' is not a number."
                ) from None
        return self.instant(f, v)

    def instant(self, f: Field, v: Value) -> int:
        now = self.data.now
        if v.function:
            day = now - now % V.DAY_MS
            got = {"now": now, "startofday": day, "endofday": day + V.DAY_MS - 1}.get(v.function)
            if got is None or v.args:
                raise _no_function(v, f)
            return got
        text = v.text.strip()
        m = _RELATIVE.match(text)
        if m:
            total = sum(int(k) * _UNIT_MS[u.lower()] for k, u in _PART.findall(m.group(2)))
            return now - total if m.group(1) == "-" else now + total
        for fmt in _DATE_FORMATS:
            try:
                when = dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
            except ValueError:
                continue
            return int(when.timestamp() * 1000)
        raise JqlError(
            f"Date value '{v.text}' for field '{f.name}' is invalid. Valid formats include: "
            "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
            "format e.g. '-5d', '4w 2d'."
        )

    def text(self, f: Field, c: Clause) -> np.ndarray:
        v = c.values[0]
        if v.empty or v.function:
            raise JqlError(
                f"The '{f.name}' field takes text after '{c.op}', e.g. {f.name} ~ \"login\"."
            )
        needle = v.text.lower().strip().rstrip("*")
        if not needle:
            raise JqlError(f"The text to search for in '{f.name}' is empty.")
        cols = {"summary": ("summary",), "description": ("description",)}.get(
            f.name, ("summary", "description")
        )
        hit = np.zeros(self.n, dtype=bool)
        for name in cols:
            hit |= np.fromiter((needle in t for t in self._lower[name]), dtype=bool, count=self.n)
        if c.op == "~":
            return hit
        present = self._has_desc if f.name == "description" else np.ones(self.n, dtype=bool)
        return ~hit & present

    # ------------------------------------------------------------------ order
    def order(self, rows: np.ndarray, order: list[tuple[str, bool]]) -> np.ndarray:
        """``rows`` sorted by the ORDER BY list (empty values last when ascending)."""
        if not order:
            return rows
        keys = [rows]  # the last tie-break: id ascending (rows are in id order)
        for name, desc in reversed(order):
            col = self.sort_column(name)[rows].astype(np.float64)
            col = np.where(np.isnan(col), np.inf, col)
            keys.append(-col if desc else col)
        return rows[np.lexsort(keys)]

    def sort_column(self, name: str) -> np.ndarray:
        what = SORTABLE.get(name.lower())
        if what is None:
            if name.lower() in FIELDS:
                raise JqlError(f"Not able to sort using field '{name}'.")
            raise _no_field(name)
        iss = self.data.issues
        if what == "key":
            keys = np.array([p.key for p in self.data.projects])
            proj_rank = np.argsort(np.argsort(keys))
            return proj_rank[iss.project] * 10_000_000.0 + iss.number
        if what in ("created", "updated", "resolved", "duedate"):
            col = {"duedate": iss.due}.get(what, getattr(iss, what, None))
            return np.where(col == NONE, np.nan, col.astype(np.float64))
        if what == "priority":
            return (len(V.PRIORITIES) - 1 - iss.priority).astype(np.float64)  # DESC: Highest first
        if what in ("status", "rank"):
            return getattr(iss, what).astype(np.float64)
        if what == "points":
            return iss.points
        if what == "project":
            keys = np.array([p.key for p in self.data.projects])
            return np.argsort(np.argsort(keys))[iss.project].astype(np.float64)
        if what == "issuetype":
            return _text_rank([t.name for t in V.ISSUETYPES])[iss.type]
        if what == "summary":
            return _text_rank(iss.summary)
        users = _text_rank([u.name for u in self.data.users] + ["\uffff"])
        col = iss.assignee if what == "assignee" else iss.reporter
        return np.where(col == NONE, np.nan, users[col])


def _text_rank(texts: list[str]) -> np.ndarray:
    """Each text's position in case-insensitive order, as floats."""
    lowered = np.array([t.lower() for t in texts])
    return np.argsort(np.argsort(lowered, kind="stable"), kind="stable").astype(np.float64)


def _no_field(name: str) -> JqlError:
    return JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")


def _no_value(v: Value, f: Field) -> JqlError:
    return JqlError(f"The value '{v.text}' does not exist for the field '{f.name}'.")


def _no_function(v: Value, f: Field) -> JqlError:
    return JqlError(
        f"The sandbox's JQL does not support the function '{v}' for '{f.name}'; it supports "
        "currentUser() (assignee, reporter), openSprints(), closedSprints(), futureSprints() "
        "(sprint) and now(), startOfDay(), endOfDay() (dates)."
    )


class Searcher:
    """Runs JQL over a set of rows, caching the latest results (queries repeat page by page)."""

    def __init__(self, data: JiraData, size: int = 256) -> None:
        self.data = data
        self.evaluator = Evaluator(data)
        self._cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def run(self, jql: str, scope: str, rows: np.ndarray, *, bounded: bool = False) -> np.ndarray:
        """Rows of ``rows`` (ordered) that match ``jql``, ordered by its ORDER BY.

        ``scope`` names ``rows`` for the cache; ``bounded`` refuses a query with no condition.
        """
        key = (scope, jql, bounded)
        with self._lock:
            got = self._cache.get(key)
            if got is not None:
                self._cache.move_to_end(key)
                return got
        query = parse(jql)
        if bounded and query.where is None:
            raise JqlError(
                "Unbounded JQL queries are not allowed here. Please add a search restriction "
                "to your query."
            )
        got = self.select(query, rows)
        with self._lock:
            self._cache[key] = got
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return got

    def select(self, query: Query, rows: np.ndarray) -> np.ndarray:
        ev = self.evaluator
        if query.where is not None:
            rows = rows[ev.mask(query.where)[rows]]
        return ev.order(rows, query.order)
