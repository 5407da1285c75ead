"""How a connector's page is read in two steps, and kept by the response cache as Arrow.

A scan's page is worth keeping as what the connector made of it (its Arrow batch and its paging
fields), not as the JSON it came as: served from the cache, it then costs no decoding and no
conversion. :class:`PageCodec` is the seam: the connector says how its page is decoded, finished
and split into a batch and a JSON remainder (and joined again); ``HttpClient`` runs the steps
and the cache (:mod:`distillr.connectors.cache`) stores the parts, knowing no source type.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["PageCodec", "from_ipc", "page_tag", "to_ipc"]

#: bumped when what an Arrow entry holds changes: older entries then miss
_ARROW_VERSION = 1


@dataclass(frozen=True)
class PageCodec:
    """How a connector reads a page, in the two steps ``HttpClient`` runs, and how its result
    splits into what the response cache keeps.

    ``decode(content)`` parses the bytes; a ``ValueError`` means the body was cut short or
    mangled, and the request is retried. ``finish(parsed)`` makes the page the caller gets (its
    errors are the caller's, never retried). ``split(page)`` gives ``(batch, rest)``: an Arrow
    record batch and anything JSON can hold; ``join(batch, rest)`` makes the page again, equal
    to the one ``finish`` made. ``tag`` (:func:`page_tag`) names everything else the page
    depends on."""

    decode: Callable[[bytes], Any]
    finish: Callable[[Any], Any]
    split: Callable[[Any], tuple[pa.RecordBatch, Any]]
    join: Callable[[pa.RecordBatch, Any], Any]
    tag: str

    def __call__(self, content: bytes) -> Any:
        """The whole read, for callers that have the bytes already."""
        return self.finish(self.decode(content))


def page_tag(schema: pa.Schema, constants: Mapping[str, Any] | None = None) -> str:
    """A codec's tag: a digest of the batch's schema (types, metadata) and of the values the
    reader fills in from the request."""
    text = json.dumps(sorted((constants or {}).items()), default=str)
    digest = hashlib.sha256(str(_ARROW_VERSION).encode())
    digest.update(schema.serialize().to_pybytes())
    digest.update(text.encode())
    return digest.hexdigest()


def to_ipc(batch: pa.RecordBatch) -> bytes:
    """One batch as an Arrow IPC stream, its buffers compressed (LZ4: fast to read back)."""
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with pa.ipc.new_stream(sink, batch.schema, options=options) as writer:
        writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def from_ipc(data: bytes) -> pa.RecordBatch:
    """The batch :func:`to_ipc` wrote (a ``ValueError`` if ``data`` is not one)."""
    import pyarrow as pa

    try:
        reader = pa.ipc.open_stream(pa.py_buffer(data))
        batches = list(reader)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"not an Arrow page: {exc}") from None
    if len(batches) != 1:
        raise ValueError("not an Arrow page")
    return batches[0]
