"""Ready-to-run sample queries for a data source, by source type.

``for_source(catalog, source)`` gives the samples with placeholder values;
``find_examples(session, source)`` looks up real values in the source (a few one-row
queries) so that every sample returns rows: the demo and ``distillr samples`` use both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Sample", "find_examples", "for_source"]


@dataclass(frozen=True)
class Sample:
    title: str
    sql: str
    table: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _lit(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# -- Twilio ------------------------------------------------------------------------------

TWILIO_PLACEHOLDERS = {
    "to": "+15005550006",
    "from": "+15005550001",
    "call_sid": "CA" + "0" * 32,
}


def _twilio(source: str, ex: dict[str, Any]) -> list[Sample]:
    s = _q(source)
    day = ex.get("day") or (dt.date.today() - dt.timedelta(days=30)).isoformat()
    since = ex.get("since") or day
    placeholder = "call_sid" not in ex
    return [
        Sample(
            "Recent calls",
            f"SELECT *\nFROM {s}.`calls`\nLIMIT 100",
            "calls",
            "LIMIT travels to the API: one page of 100 calls is fetched.",
        ),
        Sample(
            "Messages by to, from and date sent",
            f"SELECT date_sent, `from`, `to`, status, body\nFROM {s}.`messages`\n"
            f"WHERE `to` = {_lit(ex.get('to', TWILIO_PLACEHOLDERS['to']))}\n"
            f"  AND `from` = {_lit(ex.get('from', TWILIO_PLACEHOLDERS['from']))}\n"
            f"  AND `DateSent` >= DATE {_lit(day)}\nLIMIT 100",
            "messages",
            "To, From and DateSent become the API's own filters.",
        ),
        Sample(
            "Recordings of one call (a path parameter)",
            "SELECT sid, call_sid, duration, status, date_created\n"
            f"FROM {s}.`/Calls/:CallSid/Recordings`\n"
            f"WHERE `CallSid` = {_lit(ex.get('call_sid', TWILIO_PLACEHOLDERS['call_sid']))}",
            "call_recordings",
            (
                "Replace the CallSid with one of your calls' SIDs."
                if placeholder
                else "CallSid fills the :CallSid in the API path."
            ),
        ),
        Sample(
            "Calls with their recordings (a join)",
            "SELECT c.`from`, c.`to`, c.status, c.duration AS call_secs, r.duration AS rec_secs,\n"
            "       r.sid AS recording_sid, c.sid AS call_sid\n"
            f"FROM {s}.`recordings` r\nJOIN {s}.`calls` c ON c.sid = r.call_sid\n"
            f"WHERE c.start_time >= TIMESTAMP {_lit(since + ' 00:00:00')}\n"
            f"  AND r.date_created >= TIMESTAMP {_lit(since + ' 00:00:00')}\n"
            "ORDER BY r.date_created DESC\nLIMIT 20",
            "recordings",
            "Both date filters go to the API; DuckDB joins the two tables.",
        ),
        Sample(
            "Messages by status (an aggregate)",
            f"SELECT status, COUNT(*) AS messages\nFROM {s}.`messages`\n"
            f"WHERE `DateSent` >= DATE {_lit(since)}\nGROUP BY status\nORDER BY messages DESC",
            "messages",
            "Twilio cannot count; distillr fetches the pages and DuckDB aggregates.",
        ),
    ]


def _twilio_examples(session: Any, source: str) -> dict[str, Any]:
    s = _q(source)
    out: dict[str, Any] = {}
    # plain LIMIT 1 queries: the LIMIT travels to the API, so each is one small request
    rows = session.sql(f"SELECT `to`, `from`, date_sent FROM {s}.`messages` LIMIT 1").fetchall()
    if rows and all(v is not None for v in rows[0]):
        to, frm, sent = rows[0]
        day = sent.date() if hasattr(sent, "date") else dt.date.fromisoformat(str(sent)[:10])
        out.update(to=to, day=day.isoformat(), since=(day - dt.timedelta(days=30)).isoformat())
        out["from"] = frm
    rows = session.sql(f"SELECT call_sid FROM {s}.`recordings` LIMIT 1").fetchall()
    if rows and rows[0][0]:
        out["call_sid"] = rows[0][0]
    return out


# -- any other type ----------------------------------------------------------------------


def _generic(source: str, conn: Any) -> list[Sample]:
    out = []
    for t in list(conn.tables())[:20]:
        where = " AND ".join(f"{_q(p)} = '...'" for p in t.parameters)
        sql = f"SELECT *\nFROM {_q(source)}.{_q(t.name)}\n"
        sql += (f"WHERE {where}\n" if where else "") + "LIMIT 100"
        note = f"Fill in {', '.join(t.parameters)}." if t.parameters else ""
        out.append(Sample(f"First rows of {t.name}", sql, t.name, note))
    return out


BY_TYPE: dict[str, Callable[[str, dict[str, Any]], list[Sample]]] = {"twilio": _twilio}
EXAMPLES: dict[str, Callable[[Any, str], dict[str, Any]]] = {"twilio": _twilio_examples}


def for_source(catalog: Any, source: str, examples: dict[str, Any] | None = None) -> list[Sample]:
    """Sample queries for ``source`` (``catalog``: a ``Session`` or ``Registry``)."""
    conn = catalog.connector(source)
    maker = BY_TYPE.get(getattr(conn, "type", ""))
    if maker is None:
        return _generic(source, conn)
    return maker(source, examples or {})


def find_examples(session: Any, source: str) -> dict[str, Any]:
    """Real values from ``source`` for the samples' filters (a few cheap queries)."""
    finder = EXAMPLES.get(getattr(session.connector(source), "type", ""))
    return finder(session, source) if finder else {}
