"""Where a connection's queries run: in this process (a ``Session`` over the local registry)
or on a ``distillr serve`` server (its JSON API, with an API token).

Both give a ``Run``: the result's Arrow schema, its batches as they arrive, live stats and a
way to cancel. Planning, pushdown, limits and secrets are the session's, wherever it runs.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from distillr.dbapi.exceptions import (
    DatabaseError,
    InterfaceError,
    NotSupportedError,
    OperationalError,
    ProgrammingError,
    translate,
)

__all__ = ["LocalBackend", "RemoteBackend", "Run"]


@dataclass
class Run:
    """One executed statement."""

    schema: pa.Schema
    batches: Iterator[pa.RecordBatch]
    stats: Callable[[], dict[str, Any]]
    cancel: Callable[[], None]
    close: Callable[[], None]


class LocalBackend:
    """Queries run in this process, on a ``distillr.Session``."""

    def __init__(self, home: str | None = None, **options: Any) -> None:
        from distillr.session import Session

        self.session = Session(home, **options)

    def execute(self, sql: str, *, pushdown: bool, timeout: float | None) -> Run:
        try:
            result = self.session.sql(sql, pushdown=pushdown, timeout=timeout)
            schema = result.schema
        except Exception as err:
            raise translate(err) from err
        return Run(
            schema=schema,
            batches=_translated(result.batches()),
            stats=result.stats.to_dict,
            cancel=result.cancel,
            close=result.close,
        )

    def close(self) -> None:
        self.session.close()


def _translated(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    try:
        yield from batches
    except Exception as err:
        raise translate(err) from err


#: PEP 249 classes for the ``kind`` of a server's error
_KINDS = {
    "sql": ProgrammingError,
    "catalog": ProgrammingError,
    "missing_parameter": ProgrammingError,
    "usage": ProgrammingError,
    "validation": ProgrammingError,
    "unsupported": NotSupportedError,
}


class RemoteBackend:
    """Queries run on a ``distillr serve`` server; ``token`` is an API token
    (``distillr users token NAME``). The result comes back as Parquet, in its own types."""

    #: seconds of one long-poll
    WAIT = 30.0

    def __init__(self, url: str, token: str | None = None, *, timeout: float = 60.0) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.client = httpx.Client(
            base_url=self.url, headers=headers, timeout=httpx.Timeout(timeout, read=self.WAIT + 30)
        )

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as err:
            raise OperationalError(
                f"Cannot reach the distillr server at {self.url} ({type(err).__name__})."
                " Check the URL and that `distillr serve` is running."
            ) from None
        if response.status_code >= 400:
            raise _problem(response)
        return response

    def execute(self, sql: str, *, pushdown: bool, timeout: float | None) -> Run:
        body: dict[str, Any] = {"sql": sql, "pushdown": pushdown}
        if timeout is not None:
            body["timeout"] = timeout
        job = self._call("POST", "/api/queries", json=body).json()
        job_id = job["id"]
        while job["state"] == "running":
            job = self._call("GET", f"/api/queries/{job_id}", params={"wait": self.WAIT}).json()
        if job.get("error"):
            error = job["error"]
            cls = _KINDS.get(error.get("kind"), OperationalError)
            raise cls(error.get("detail") or error.get("title") or "The query failed.")
        if job["state"] != "done":
            raise OperationalError(f"The query ended as {job['state']!r} on the server.")
        data = self._call("GET", f"/api/queries/{job_id}/export", params={"format": "parquet"})
        table = pq.read_table(io.BytesIO(data.content))
        stats = dict(job.get("stats") or {})
        return Run(
            schema=table.schema,
            batches=iter(table.to_batches(max_chunksize=10_000)),
            stats=lambda: stats,
            cancel=lambda: None,
            close=lambda: None,
        )

    def close(self) -> None:
        self.client.close()


def _problem(response: httpx.Response) -> DatabaseError:
    try:
        doc = response.json()
    except ValueError:
        doc = {}
    detail = doc.get("detail") or doc.get("title") or f"HTTP {response.status_code}"
    if response.status_code in (401, 403):
        return InterfaceError(
            f"The server refused the request ({response.status_code}): {detail}"
            " Pass a valid API token: connect(url, token='dst_...')."
        )
    kind = str(doc.get("type", "")).rsplit(":", 1)[-1]
    return _KINDS.get(kind, OperationalError)(detail)
