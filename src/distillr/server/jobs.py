"""Queries run as server-side jobs: start one, watch its progress, cancel it, fetch its result.

- At most ``max_running`` jobs run at once, and ``max_running_per_user`` for one user; the
  others wait in a queue in the order they came (their state is ``running`` with ``queued``
  true). A user may have at most ``max_queued_per_user`` jobs waiting; past that, starting one
  raises ``Busy`` (the API answers 429 with ``Retry-After``). So a flood of queries never makes
  more than ``max_running`` job threads.
- Each job runs ``Session.sql`` on its own thread and streams its batches into the
  ``ResultStore`` (capped, spilled to disk past the memory budget). The live ``QueryStats``
  reach the job through the ``progress`` callback; cancelling calls ``Result.cancel()`` and
  makes the next progress call raise ``QueryCancelled``, so a query stops wherever it is.
- Waiting for a job never sleeps on a thread: ``Job.wait`` (async) awaits a future the job's
  thread completes when it finishes; ``JobManager.wait`` (sync, for tests) blocks on an event.
- The latest ``keep`` finished jobs are kept; older ones are dropped with their results.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from distillr.errors import DistillrError, QueryCancelled
from distillr.server.problems import Redactor, public_message, title_for
from distillr.server.results import KeptResult, ResultStore
from distillr.server.throttle import Busy
from distillr.tree import sql_type

__all__ = ["Job", "JobManager"]

log = logging.getLogger("distillr.server")

_STAT_NAMES = ("requests", "pages", "rows", "bytes", "retries")
_CANCELLED = "The query was cancelled. Run it again when you are ready."


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
    tab: str | None = None
    pushdown: bool = True
    timeout: float | None = None
    started: float = field(default_factory=time.monotonic)
    created_at: float = field(default_factory=time.time)
    state: str = "running"  # running | done | error | cancelled
    queued: bool = True
    finished: float | None = None
    result: KeptResult | None = None
    error: DistillrError | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    _live: Any = None
    _result: Any = None
    _cancel: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _waiters: list[Callable[[], None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def elapsed(self) -> float:
        end = self.finished if self.finished is not None else time.monotonic()
        return end - self.started

    @property
    def table(self) -> Any:
        """The result as an Arrow table (memory-mapped when it was spilled)."""
        return self.result.table() if self.result is not None else None

    def progress(self, stats: Any) -> None:
        """The engine's progress callback: keep the live stats for ``GET /api/queries/{id}``;
        once cancelled, raise so that the engine stops (a failing callback stops the query)."""
        self._live = stats
        if self._cancel.is_set():
            raise QueryCancelled(_CANCELLED)

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

    def end(self, state: str) -> None:
        """Record the final state and wake every waiter."""
        with self._lock:
            self.finished = time.monotonic()
            self.state = state
            self.queued = False
            waiters, self._waiters = self._waiters, []
        self._done.set()
        for wake in waiters:
            wake()

    async def wait(self, seconds: float) -> None:
        """Return once the job finishes, or after ``seconds``; no thread waits meanwhile."""
        if seconds <= 0 or self._done.is_set():
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()

        def wake() -> None:
            try:
                loop.call_soon_threadsafe(_settle, future)
            except RuntimeError:  # the loop closed meanwhile
                pass

        with self._lock:
            if self.state != "running":
                return
            self._waiters.append(wake)
        try:
            await asyncio.wait_for(future, seconds)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                if wake in self._waiters:
                    self._waiters.remove(wake)

    def live_stats(self) -> dict[str, Any]:
        if self.state != "running":
            return self.stats
        live = self._live
        if live is None and self._result is not None:
            live = getattr(self._result, "stats", None)
        return stats_dict(live)

    def to_dict(self, redact: Callable[[str], str] = str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "sql": self.sql,
            "tab": self.tab,
            "state": self.state,
            "queued": self.queued and self.state == "running",
            "elapsed": round(self.elapsed, 3),
            "created_at": self.created_at,
            "stats": self.live_stats(),
        }
        kept = self.result
        if kept is not None:
            out["rows"] = kept.num_rows
            out["columns"] = [
                {"name": f.name, "type": str(f.type), "sql_type": sql_type(f.type)}
                for f in kept.schema
            ]
            out["kept"] = "expired" if kept.expired else kept.where
        if self.error is not None:
            out["error"] = error_dict(self.error, redact)
        return out


def error_dict(error: DistillrError, redact: Callable[[str], str] = str) -> dict[str, Any]:
    """A job's error for the page: the message, and where in the SQL it is when known (the
    editor marks that line and column)."""
    out: dict[str, Any] = {
        "kind": error.kind,
        "title": title_for(error),
        "detail": redact(public_message(error)),
    }
    line, column = getattr(error, "line", None), getattr(error, "column", None)
    if isinstance(line, int) and isinstance(column, int):
        out["line"], out["column"] = line, column
    return out


def _settle(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


class JobManager:
    """Queues, runs and keeps query jobs (see the module's rules)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        results: ResultStore,
        keep: int = 20,
        close: bool = True,
        max_running: int = 8,
        max_running_per_user: int = 4,
        max_queued_per_user: int = 50,
        timeout: float | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self._connect = connect
        self._close = close
        self._keep = keep
        self.results = results
        self.max_running, self.max_running_per_user = max_running, max_running_per_user
        self.max_queued_per_user = max_queued_per_user
        self.timeout = timeout
        self.redact = redactor or str
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: deque[Job] = deque()
        self._running: dict[str | None, int] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def start(
        self,
        sql: str,
        *,
        pushdown: bool = True,
        timeout: float | None = None,
        owner: str | None = None,
        tab: str | None = None,
    ) -> Job:
        """Queue a query; raises ``Busy`` when ``owner`` already has too many waiting.

        ``tab`` names the page's query tab: a tab runs one query at a time, so a new query
        from the same owner and tab cancels the one still running there (each tab's queries
        run at once with other tabs', under the same caps)."""
        job = Job(
            id=f"q{next(self._seq)}_{secrets.token_hex(6)}",
            sql=sql,
            owner=owner,
            tab=tab,
            pushdown=pushdown,
            timeout=timeout if timeout is not None else self.timeout,
        )
        with self._lock:
            waiting = sum(1 for j in self._queue if j.owner == owner)
            if waiting >= self.max_queued_per_user:
                raise Busy(
                    2,
                    f"You have {waiting} queries waiting to run, the most this server queues"
                    " for one user. Wait for some to finish, or cancel them.",
                )
            before = [
                j
                for j in self._jobs.values()
                if tab is not None and j.tab == tab and j.owner == owner and j.state == "running"
            ]
            self._jobs[job.id] = job
            self._queue.append(job)
            self._trim()
        for old in before:
            self.cancel(old)
        with self._lock:
            self._dispatch()
        return job

    def get(self, job_id: str, owner: str | None = None) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner is not None and job.owner != owner):
            return None
        return job

    def recent(
        self, *, owner: str | None = None, any_owner: bool = False, tab: str | None = None
    ) -> list[Job]:
        """The kept jobs of ``owner`` (every owner's with ``any_owner``), newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return [
            j
            for j in reversed(jobs)
            if (any_owner or j.owner == owner) and (tab is None or j.tab == tab)
        ]

    def cancel(self, job: Job) -> None:
        with self._lock:
            if job in self._queue:
                self._queue.remove(job)
                job.error = QueryCancelled(_CANCELLED)
                job.end("cancelled")
                return
        job.cancel()

    def wait(self, job: Job, timeout: float = 30.0) -> Job:
        """Block until ``job`` finishes (tests and shutdown)."""
        job._done.wait(timeout)
        return job

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel every job and wait (up to ``timeout`` s) for the running ones to stop; then
        drop every kept result (and the results folder)."""
        with self._lock:
            queued, self._queue = list(self._queue), deque()
            running = [j for j in self._jobs.values() if j.state == "running" and not j.queued]
        for job in queued:
            job.error = QueryCancelled(_CANCELLED)
            job.end("cancelled")
        for job in running:
            job.cancel()
        deadline = time.monotonic() + timeout
        for job in running:
            self.wait(job, max(0.0, deadline - time.monotonic()))
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            if job.result is not None:
                job.result.release()
        self.results.close()

    def _trim(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.state != "running"]
        for key in finished[: max(0, len(self._jobs) - self._keep)]:
            job = self._jobs.pop(key)
            if job.result is not None:
                job.result.release()

    def _dispatch(self) -> None:
        """Start queued jobs while the caps allow (called with the lock held)."""
        total = sum(self._running.values())
        for job in list(self._queue):
            if total >= self.max_running:
                return
            if self._running.get(job.owner, 0) >= self.max_running_per_user:
                continue
            self._queue.remove(job)
            self._running[job.owner] = self._running.get(job.owner, 0) + 1
            total += 1
            job.queued = False
            threading.Thread(
                target=self._run, args=(job,), name=f"distillr-{job.id}", daemon=True
            ).start()

    def _ran(self, job: Job) -> None:
        with self._lock:
            self._running[job.owner] -= 1
            if not self._running[job.owner]:
                del self._running[job.owner]
            self._dispatch()

    def _run(self, job: Job) -> None:
        try:
            state = self._execute(job)
        finally:
            self._ran(job)
        job.end(state)

    def _execute(self, job: Job) -> str:
        session = None
        sink = self.results.sink(job.id)
        try:
            session = self._connect()
            result = session.sql(
                job.sql, pushdown=job.pushdown, timeout=job.timeout, progress=job.progress
            )
            with job._lock:
                job._result = result
            if job._cancel.is_set():
                result.cancel()
                raise QueryCancelled(_CANCELLED)
            _drain(result, sink)
            kept = sink.finish(result.schema)
            job.stats = stats_dict(getattr(result, "stats", None)) or stats_dict(job._live)
            if job._cancel.is_set():
                kept.release()
                raise QueryCancelled(_CANCELLED)
            job.result = kept
            return "done"
        except QueryCancelled as exc:
            sink.discard()
            job.error = exc
            job.stats = stats_dict(job._live)
            return "cancelled"
        except DistillrError as exc:
            sink.discard()
            job.error = exc
            job.stats = stats_dict(job._live)
            return "error"
        except Exception as exc:
            sink.discard()
            log.exception("query %s failed unexpectedly", job.id)
            job.error = DistillrError(
                f"The query failed unexpectedly ({type(exc).__name__}). Please report this."
            )
            return "error"
        finally:
            close = getattr(session, "close", None) if self._close else None
            if callable(close):
                try:
                    close()
                except Exception:  # noqa: BLE001
                    pass


def _drain(result: Any, sink: Any) -> None:
    """Stream ``result`` into ``sink``; a sink that refuses (too large) stops the query."""
    batches = result.batches() if hasattr(result, "batches") else iter(result.arrow().to_batches())
    try:
        for batch in batches:
            sink.add(batch)
    except BaseException:
        try:
            result.cancel()
        except Exception:  # noqa: BLE001 - stopping is best effort
            pass
        raise
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
