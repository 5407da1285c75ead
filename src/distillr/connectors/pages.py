"""JSON pages straight from their bytes to Arrow, in C++ and without holding the GIL.

Parsing a page with orjson and converting its records with :class:`BatchBuilder` builds a
Python object for every value, all while holding the GIL, so concurrent scans of one source
take turns on one core. :class:`PageDecoder` reads the page's bytes with ``pyarrow.json``
(an explicit schema: the list's records in the JSON types the builder learnt from an earlier
page, plus the paging fields), which neither builds Python objects nor holds the GIL, and
hands the raw columns to ``BatchBuilder.finish`` for the same conversions.

The decoder only answers when it gives exactly what orjson and ``BatchBuilder.build`` would:
``decode`` returns None for a page it cannot be sure of (a value of another JSON type than
learnt, a truncated body, a nested value it does not read, ...), and the caller reads that
page the usual way. Object-of-text fields (``map``, Twilio's ``subresource_uris``) are read as
structs of the keys found; the JSON null and a missing key look the same there, so a page
where the two could differ is left to the usual path too.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from distillr.connectors.arrow import BatchBuilder, FieldSpec, arrow_type

__all__ = ["DecodedPage", "PageDecoder"]

#: after a page it could not read, a decoder leaves 1, 2, 4, ... (at most this many) pages
#: to the usual path before it tries again
_MAX_SKIP = 64
_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, pa.ArrowKeyError,
           KeyError, IndexError, TypeError, ValueError, OverflowError)


class _Decline(Exception):
    """The page must be read the usual way."""


class DecodedPage:
    """A page read by :class:`PageDecoder`: its batch and its paging fields."""

    __slots__ = ("batch", "paging")

    def __init__(self, batch: pa.RecordBatch, paging: dict[str, Any]) -> None:
        self.batch = batch
        #: ``{"next_page_uri": ...}`` (API 2010) or ``{"meta": {"next_page_url", "key"}}``
        self.paging = paging


class PageDecoder:
    """Reads pages whose records live in the array ``list_key`` (``envelope`` "v2010" has
    ``next_page_uri`` beside it, "meta" a ``meta`` object with ``next_page_url``)."""

    def __init__(self, builder: BatchBuilder, list_key: str, envelope: str) -> None:
        self.builder = builder
        self.list_key = list_key
        self.envelope = envelope
        scalar = {f.name for f in builder.one_pass_fields}
        others = [f for f in builder.fields if f.name not in scalar]
        #: the fields read as structs and turned into maps
        self._maps = {f.json_key for f in others if f.kind == "map"}
        self.supported = len(self._maps) == len(others) and bool(scalar) \
            and len({f.json_key for f in others}) == len(others)
        self._options: tuple[pa.DataType, Any] | None = None
        self._skip = 0
        self._backoff = 0
        self._lock = threading.Lock()

    def decode(self, body: bytes, constants: Mapping[str, Any] | None = None
               ) -> DecodedPage | None:
        """The page as a batch of the builder's schema, or None: read it the usual way."""
        if not self.supported:
            return None
        raw = self.builder.learnt_struct()
        if raw is None:
            return None  # the JSON types are learnt from a page read the usual way
        with self._lock:
            if self._skip:
                self._skip -= 1
                return None
        try:
            page = self._decode(body, raw, constants or {})
        except (_Decline, *_ERRORS):
            with self._lock:
                self._backoff = min(max(1, 2 * self._backoff), _MAX_SKIP)
                self._skip = self._backoff
            return None
        with self._lock:
            self._backoff = 0
        return page

    def _decode(self, body: bytes, raw: pa.StructType,
                constants: Mapping[str, Any]) -> DecodedPage:
        import pyarrow.json as pj

        read = pj.ReadOptions(use_threads=False, block_size=max(len(body) + 1, 1 << 16))
        table = pj.read_json(pa.BufferReader(body), read_options=read,
                             parse_options=self._parse_options(raw))
        if table.num_rows != 1:
            raise _Decline  # not one JSON object
        paging = self._paging(table)
        lists = table.column(self.list_key).combine_chunks()
        if lists.null_count:
            raise _Decline  # no list: the usual path says what is wrong
        items = lists.flatten()
        if items.null_count:
            raise _Decline  # a null where a record was expected
        columns = [items.field(f.name) for f in raw]

        def column(spec: FieldSpec) -> pa.Array:
            if spec.kind != "map" or constants.get(spec.name) is not None:
                raise _Decline
            return _map_from_struct(items.field(spec.json_key), arrow_type(spec))

        return DecodedPage(self.builder.finish(columns, constants, column), paging)

    def _parse_options(self, raw: pa.StructType) -> Any:
        import pyarrow.json as pj

        cached = self._options
        if cached is not None and cached[0] is raw:
            return cached[1]
        record = pa.struct(list(raw) + [pa.field(k, pa.struct([])) for k in self._maps])
        fields = [pa.field(self.list_key, pa.list_(record))]
        if self.envelope == "v2010":
            fields.append(pa.field("next_page_uri", pa.string()))
        else:
            fields.append(pa.field("meta", pa.struct([("next_page_url", pa.string()),
                                                      ("key", pa.string())])))
        # keys beyond the schema (other paging fields, a map's keys) get their types inferred
        options = pj.ParseOptions(explicit_schema=pa.schema(fields),
                                  unexpected_field_behavior="infer")
        self._options = (raw, options)
        return options

    def _paging(self, table: pa.Table) -> dict[str, Any]:
        if self.envelope == "v2010":
            return {"next_page_uri": table.column("next_page_uri")[0].as_py()}
        meta = table.column("meta")[0].as_py()
        if meta is not None and meta.get("key") not in (None, self.list_key):
            raise _Decline  # the records are under another key
        return {"meta": meta}


def _map_from_struct(values: pa.StructArray, target: pa.DataType) -> pa.Array:
    """Objects of text read as a struct (one child per key found) as map<string, string>."""
    children = [values.field(i) for i in range(values.type.num_fields)]
    if any(child.type != pa.string() for child in children):
        raise _Decline  # a number or an object among the values
    n, k = len(values), len(children)
    valid = np.ones(n, dtype=bool) if not values.null_count else \
        values.is_valid().to_numpy(zero_copy_only=False)
    for child in children:
        if child.null_count and np.any(valid & child.is_null().to_numpy(zero_copy_only=False)):
            raise _Decline  # null or missing: only the records can say
    rows = np.flatnonzero(valid)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.where(valid, k, 0), out=offsets[1:])
    names = pa.array([f.name for f in values.type], pa.string())
    keys = names.take(pa.array(np.tile(np.arange(k), len(rows))))
    if k:
        items = pa.concat_arrays(children).take(
            pa.array((np.arange(k)[None, :] * n + rows[:, None]).ravel()))
    else:
        items = pa.array([], pa.string())
    mask = None if not values.null_count else pa.array(~valid)
    return pa.MapArray.from_arrays(pa.array(offsets), keys, items, type=target, mask=mask)
