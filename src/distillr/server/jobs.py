"""Queries run as server-side jobs: start one, watch its progress, cancel it, fetch its result.

Each job runs ``Session.sql`` on a worker thread. The live ``QueryStats`` reach the job through
the ``progress`` callback; cancelling calls ``Result.cancel()`` if the result object exists,
and makes the next progress call raise ``QueryCancelled`` (the engine stops on a failing
callback), so a query stops wherever it is. Finished results stay in memory (the
most recent few) for paging and export.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from distillr.errors import DistillrError, QueryCancelled
from distillr.server.problems import title_for

__all__ = ["Job", "JobManager"]

log = logging.getLogger("distillr.server")

_STAT_NAMES = ("requests", "pages", "rows", "bytes", "retries")


def stats_dict(stats: Any) -> dict[str, Any]:
    """A JSON-friendly view of an engine ``QueryStats`` (or ``None``)."""
    if stats is None:
        return {}
    if hasattr(stats, "to_dict"):
        try:
            out = stats.to_dict()
            if isinstance(out, dict):
                return _jsonable(out)
        except Exception:  # noqa: BLE001 - stats are informative only
            pass
    return {n: getattr(stats, n) for n in _STAT_NAMES if isinstance(getattr(stats, n, None), int)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


@dataclass
class Job:
    id: str
    sql: str
    owner: str | None
    started: float = field(default_factory=time.monotonic)
    created_at: float = field(default_factory=time.time)
    state: str = "running"  # running | done | error | cancelled
    finished: float | None = None
    table: pa.Table | None = None
    error: DistillrError | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    _live: Any = None
    _result: Any = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.monotonic()
        return end - self.started

    def progress(self, stats: Any) -> None:
        """The engine's progress callback: keep the live stats for ``GET /api/queries/{id}``;
        once cancelled, raise so that the engine stops (a failing callback stops the query)."""
        self._live = stats
        if self._cancel.is_set():
            raise QueryCancelled("The query was cancelled. Run it again when you are ready.")

    def cancel(self) -> bool:
        """Ask the query to stop. False when it had already finished."""
        with self._lock:
            if self.state != "running":
                return False
            self._cancel.set()
            result = self._result
        if result is not None and hasattr(result, "cancel"):
            try:
                result.cancel()
            except Exception:  # noqa: BLE001 - the flag above stops it anyway
                pass
        return True

    def live_stats(self) -> dict[str, Any]:
        if self.state != "running":
            return self.stats
        live = self._live
        if live is None and self._result is not None:
            live = getattr(self._result, "stats", None)
        return stats_dict(live)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "sql": self.sql,
            "state": self.state,
            "elapsed": round(self.elapsed, 3),
            "created_at": self.created_at,
            "stats": self.live_stats(),
        }
        if self.table is not None:
            out["rows"] = self.table.num_rows
            out["columns"] = [{"name": f.name, "type": str(f.type)} for f in self.table.schema]
        if self.error is not None:
            out["error"] = {
                "kind": self.error.kind,
                "title": title_for(self.error),
                "detail": str(self.error),
            }
        return out


class JobManager:
    """Starts queries on threads and keeps the latest ``keep`` finished jobs."""

    def __init__(self, connect: Callable[[], Any], keep: int = 20, close: bool = True) -> None:
        self._connect = connect
        self._close = close
        self._keep = keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def start(
        self,
        sql: str,
        *,
        pushdown: bool = True,
        timeout: float | None = None,
        owner: str | None = None,
    ) -> Job:
        job = Job(id=f"q{next(self._seq)}_{secrets.token_hex(6)}", sql=sql, owner=owner)
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
        thread = threading.Thread(
            target=self._run, args=(job, pushdown, timeout), name=f"distillr-{job.id}", daemon=True
        )
        thread.start()
        return job

    def get(self, job_id: str, owner: str | None = None) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner is not None and job.owner != owner):
            return None
        return job

    def wait(self, job: Job, timeout: float = 30.0) -> Job:
        """Block until ``job`` finishes (tests and the synchronous API)."""
        deadline = time.monotonic() + timeout
        while job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.01)
        return job

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every running query and wait (up to ``timeout`` s) for them to stop."""
        with self._lock:
            running = [j for j in self._jobs.values() if j.state == "running"]
        for job in running:
            job.cancel()
        deadline = time.monotonic() + timeout
        for job in running:
            self.wait(job, max(0.0, deadline - time.monotonic()))

    def _trim(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.state != "running"]
        for key in finished[: max(0, len(self._jobs) - self._keep)]:
            del self._jobs[key]

    def _run(self, job: Job, pushdown: bool, timeout: float | None) -> None:
        session = None
        try:
            session = self._connect()
            result = session.sql(job.sql, pushdown=pushdown, timeout=timeout, progress=job.progress)
            with job._lock:
                job._result = result
            if job._cancel.is_set():
                result.cancel()
                raise QueryCancelled("The query was cancelled. Run it again when you are ready.")
            table = result.arrow()
            stats = getattr(result, "stats", None)
            job.stats = stats_dict(stats) or stats_dict(job._live)
            job.table = table
            state = "done"
        except QueryCancelled as exc:
            job.error, state = exc, "cancelled"
            job.stats = stats_dict(job._live)
        except DistillrError as exc:
            job.error, state = exc, "error"
            job.stats = stats_dict(job._live)
        except Exception as exc:
            log.exception("query %s failed unexpectedly", job.id)
            job.error = DistillrError(
                f"The query failed unexpectedly ({type(exc).__name__}). Please report this."
            )
            state = "error"
        finally:
            close = getattr(session, "close", None) if self._close else None
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001
                    pass
        if job._cancel.is_set() and state == "done":
            job.table, state = None, "cancelled"
            job.error = QueryCancelled("The query was cancelled. Run it again when you are ready.")
        job.finished = time.monotonic()
        job.state = state
