"""JSON pages straight from their bytes to Arrow, without a dict per record.

The usual way to read a page is ``msgspec.json.decode`` into dicts and lists, then
:class:`BatchBuilder.build`: a dict for every record, a string for every key of it, and a hash
lookup per field when Arrow reads the dicts. Once a table's JSON types are known (learnt from a
page read the usual way), :class:`PageDecoder` reads a page in one of two ways, and both end in
``BatchBuilder.finish``, the same conversions the usual way ends in:

- **records** (one page at a time): msgspec decodes the page into a typed record per row (the
  fields the builder reads in one pass, in their learnt JSON types, plus the map fields), and
  Arrow reads each record as a tuple. This spends the least CPU: about 1.3 times the speed of
  the usual way on a page of Twilio messages (``bench/twilio_bench.py``).
- **columns** (while another page of the table is being decoded, as in a parallel scan):
  ``pyarrow.json`` parses the one-pass fields in C++ without holding the GIL, so the splits of a
  scan parse on every core; msgspec only checks the JSON and reads the paging and map fields.

The decoder only answers when it gives exactly what the usual way would: ``decode`` returns
None for a page it cannot be sure of (malformed JSON or UTF-8, a value of another JSON type than
learnt, an integer beyond 64 bits, records under another key, ...), and the caller reads that
page the usual way, which then raises or converts as it always does. Keys the table does not
know are skipped, as the usual way skips them; msgspec checks their syntax, with one difference
left: a number there too large for a double, which the usual way refuses. A missing key reads
as null, as ``dict.get`` does.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from operator import itemgetter
from typing import Any

import msgspec
import pyarrow as pa
from msgspec.structs import astuple

from distillr.connectors.arrow import BatchBuilder, FieldSpec, convert

__all__ = ["DecodedPage", "PageDecoder"]

#: after a page it could not read, a decoder leaves 1, 2, 4, ... (at most this many) pages
#: to the usual path before it tries again
_MAX_SKIP = 64
_ERRORS = (
    msgspec.DecodeError,
    UnicodeDecodeError,
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    KeyError,
    OverflowError,
)
#: the Python type msgspec checks each learnt JSON type with
_PYTHON_TYPES = {pa.string(): str, pa.int64(): int, pa.float64(): float, pa.bool_(): bool}


class _Decline(Exception):
    """The page must be read the usual way."""


class DecodedPage:
    """A page read by :class:`PageDecoder`: its batch and its paging fields."""

    __slots__ = ("batch", "paging")

    def __init__(self, batch: pa.RecordBatch, paging: dict[str, Any]) -> None:
        self.batch = batch
        #: ``{"next_page_uri": ...}`` (API 2010) or ``{"meta": {"next_page_url", "key"}}``
        self.paging = paging


class _Meta(msgspec.Struct, gc=False):
    next_page_url: str | None = None
    key: str | None = None


class PageDecoder:
    """Reads pages whose records live in the array ``list_key`` (``envelope`` "v2010" has
    ``next_page_uri`` beside it, "meta" a ``meta`` object with ``next_page_url``)."""

    def __init__(self, builder: BatchBuilder, list_key: str, envelope: str) -> None:
        self.builder = builder
        self.list_key = list_key
        self.envelope = envelope
        scalar = {f.name for f in builder.one_pass_fields}
        others = [f for f in builder.fields if f.name not in scalar]
        #: the fields decoded as objects of text, after the one-pass fields
        self._maps = [f for f in others if f.kind == "map"]
        keys = [f.json_key for f in builder.one_pass_fields] + [f.json_key for f in self._maps]
        self.supported = (
            bool(scalar)
            and len(self._maps) == len(others)
            and len(set(keys)) == len(keys)
            and list_key not in ("next_page_uri", "meta")
        )
        #: per learnt struct: msgspec decoders of whole records and of maps and paging only,
        #: and pyarrow.json's options
        self._readers: (
            tuple[pa.DataType, msgspec.json.Decoder, msgspec.json.Decoder, Any] | None
        ) = None
        self._active = 0  # pages of this table being decoded now
        self._skip = 0
        self._backoff = 0
        self._lock = threading.Lock()

    def decode(
        self,
        body: bytes,
        constants: Mapping[str, Any] | None = None,
        *,
        columns: bool | None = None,
    ) -> DecodedPage | None:
        """The page as a batch of the builder's schema, or None: read it the usual way.

        ``columns`` picks the way (see the module's notes); by default the columns way is taken
        while another page of this table is being decoded."""
        if not self.supported:
            return None
        raw = self.builder.learnt_struct()
        if raw is None:
            return None  # the JSON types are learnt from a page read the usual way
        with self._lock:
            if self._skip:
                self._skip -= 1
                return None
            if columns is None:
                columns = self._active > 0
            self._active += 1
        try:
            page = self._decode(body, raw, constants or {}, columns)
        except (_Decline, *_ERRORS):
            with self._lock:
                self._backoff = min(max(1, 2 * self._backoff), _MAX_SKIP)
                self._skip = self._backoff
            return None
        finally:
            with self._lock:
                self._active -= 1
        with self._lock:
            self._backoff = 0
        return page

    def _decode(
        self, body: bytes, raw: pa.StructType, constants: Mapping[str, Any], columns: bool
    ) -> DecodedPage:
        # msgspec skips the values of unknown keys without checking their UTF-8; the usual
        # way refuses a page with bad UTF-8 anywhere, so this does too (a fast pass in C)
        body.decode("utf-8")
        _, records, maps_only, json_options = self._reader(raw)
        n = len(raw) if not columns else 0
        page = (maps_only if columns else records).decode(body)
        rows = list(map(astuple, page.records))
        maps = {spec.name: list(map(itemgetter(n + j), rows)) for j, spec in enumerate(self._maps)}
        if columns:
            arrays = self._read_columns(body, json_options, raw)
            if len(arrays[0]) != len(rows):
                raise _Decline  # cannot happen for one valid JSON text; never guess
        else:
            if self._maps:
                rows = list(map(itemgetter(slice(0, n)), rows))
            arrays = pa.array(rows, type=raw).flatten()

        def column(spec: FieldSpec) -> pa.Array:
            if constants.get(spec.name) is not None:
                raise _Decline  # a map filled from the constants: the usual way does that
            return convert(spec, maps[spec.name])

        return DecodedPage(self.builder.finish(arrays, constants, column), self._paging(page))

    def _read_columns(self, body: bytes, options: Any, raw: pa.StructType) -> list[pa.Array]:
        """The one-pass fields of every record, parsed by pyarrow.json (GIL released)."""
        import pyarrow.json as pj

        read = pj.ReadOptions(use_threads=False, block_size=max(len(body) + 1, 1 << 16))
        table = pj.read_json(pa.BufferReader(body), read_options=read, parse_options=options)
        if table.num_rows != 1:
            raise _Decline  # not one JSON object
        lists = table.column(self.list_key).combine_chunks()
        if lists.null_count:
            raise _Decline  # no list: the usual path says what is wrong
        items = lists.flatten()
        if items.null_count:
            raise _Decline  # a null where a record was expected
        return [items.field(i) for i in range(len(raw))]

    def _paging(self, page: Any) -> dict[str, Any]:
        if self.envelope == "v2010":
            return {"next_page_uri": page.next_page_uri}
        meta = page.meta
        if meta is None:
            return {"meta": None}
        if meta.key not in (None, "", self.list_key):
            raise _Decline  # the records are under another key
        return {"meta": {"next_page_url": meta.next_page_url, "key": meta.key}}

    def _reader(
        self, raw: pa.StructType
    ) -> tuple[pa.DataType, msgspec.json.Decoder, msgspec.json.Decoder, Any]:
        """The decoders of pages whose records have the learnt JSON types, made once."""
        cached = self._readers
        if cached is not None and cached[0] is raw:
            return cached
        import pyarrow.json as pj

        scalars = [(f"f{i}", _PYTHON_TYPES[f.type] | None, None) for i, f in enumerate(raw)]
        maps = [(f"m{j}", dict[str, str] | None, None) for j in range(len(self._maps))]
        rename = {f"f{i}": f.name for i, f in enumerate(raw)}
        rename.update({f"m{j}": spec.json_key for j, spec in enumerate(self._maps)})
        if self.envelope == "v2010":
            paging: list[tuple[str, Any, None]] = [("next_page_uri", str | None, None)]
        else:
            paging = [("meta", _Meta | None, None)]

        def page_decoder(fields: list[tuple[str, Any, None]]) -> msgspec.json.Decoder:
            record = msgspec.defstruct("Record", fields, rename=rename, gc=False)
            page = msgspec.defstruct(
                "Page",
                [("records", list[record]), *paging],
                rename={"records": self.list_key},
                gc=False,
            )
            return msgspec.json.Decoder(page)

        schema = pa.schema([pa.field(self.list_key, pa.list_(raw))])
        options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        readers = (raw, page_decoder(scalars + maps), page_decoder(maps), options)
        self._readers = readers
        return readers
