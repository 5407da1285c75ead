"""JSON and NDJSON pages straight from their bytes to the table's Arrow batch, in C++.

The usual way to read a page (``formats`` -> ``schema.fit`` -> ``BatchBuilder.build``) makes a
dict per record and walks every nested value in Python: for deep records such as JIRA issues
that costs far more than fetching them. Once a table has a schema, :class:`ColumnarReader`
reads a page another way: msgspec splits the page into its envelope (decoded, for the
paginator) and the raw bytes of its records, which ``pyarrow.json`` parses against the table's
types (GIL released, so the pages of a concurrent scan parse on every core); text kinds
(timestamps, dates, decimals) go through the builder's own kernels afterwards.

It answers only when it gives exactly what the usual way would. ``pyarrow.json`` is told to
refuse any field the schema lacks (at any depth) and any value of another JSON type, which are
exactly the records whose leftovers the usual way puts in ``_extra``; so ``_extra`` is null in
every batch it makes. ``read`` returns ``None`` for any page it cannot be sure of (a refused
field or type, a record that is not an object, bad UTF-8, a kernel that rejects a text, a
paginator path inside the records, ...), and the caller reads that page the usual way, which
converts or raises as it always does. ``tests/rest/test_rest_columnar.py`` checks the two ways
agree on every page of the JIRA sandbox, and decline where they would not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
import pyarrow as pa

from distillr.connectors.arrow import FieldSpec, arrow_type, convert, from_text
from distillr.connectors.formats import Format
from distillr.connectors.paginators import Paginator
from distillr.connectors.rest.schema import EXTRA

__all__ = ["ColumnarReader"]

_RAW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
_TEXT = frozenset({"timestamp_iso", "timestamp_rfc", "date", "decimal"})
_ENVELOPE = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_ERRORS = (
    msgspec.DecodeError,
    msgspec.ValidationError,
    UnicodeDecodeError,
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    KeyError,
    OverflowError,
    TypeError,
    ValueError,
)


class _Decline(Exception):
    """The page must be read the usual way."""


def _raw_type(spec: FieldSpec) -> pa.DataType | None:
    """The type ``pyarrow.json`` reads a field's JSON as (``None``: a kind it cannot)."""
    if spec.kind in _RAW_TYPES:
        return _RAW_TYPES[spec.kind]
    if spec.kind in _TEXT:
        return pa.string()
    if spec.kind == "json":
        return pa.null()  # only ever null here: any value declines the page
    if spec.kind == "struct":
        children = [(c.json_key, _raw_type(c)) for c in spec.children]
        if any(t is None for _, t in children) or len({k for k, _ in children}) < len(children):
            return None
        return pa.struct([pa.field(k, t) for k, t in children])
    if spec.kind == "list":
        item = _raw_type(spec.children[0])
        return None if item is None else pa.list_(item)
    return None


class _Plan:
    """How one field's raw array becomes its final one, worked out once per table: a subtree
    whose raw type is already its final type (no text kind, no json) is taken as it is."""

    __slots__ = ("children", "fields", "kind", "same", "type")

    def __init__(self, spec: FieldSpec) -> None:
        self.kind = spec.kind
        self.type = arrow_type(spec)
        self.same = _raw_type(spec) == self.type
        self.children = [_Plan(c) for c in spec.children]
        self.fields = list(self.type) if spec.kind == "struct" else []

    def finish(self, arr: pa.Array) -> pa.Array:
        """A column read in its raw JSON type, in the table's type (as the usual way makes
        it)."""
        if self.same:
            return arr
        kind = self.kind
        if kind in _TEXT:
            return from_text(kind, arr)
        if kind == "json":
            return pa.nulls(len(arr), pa.string())
        mask = arr.is_null() if arr.null_count else None
        if kind == "struct":
            children = [c.finish(a) for c, a in zip(self.children, arr.flatten(), strict=True)]
            return pa.StructArray.from_arrays(children, fields=self.fields, mask=mask)
        items = self.children[0].finish(arr.values)
        return pa.ListArray.from_arrays(arr.offsets, items, type=self.type, mask=mask)


def _paths(paginator: Paginator) -> list[str]:
    return [
        v for k, v in vars(paginator).items() if k.endswith("_path") and isinstance(v, str) and v
    ]


class ColumnarReader:
    """Reads a table's JSON (records at a data path, or a top-level array) or NDJSON pages."""

    def __init__(
        self, fields: tuple[FieldSpec, ...], fmt: Format, paginator: Paginator, schema: pa.Schema
    ) -> None:
        self.fields = fields
        self.schema = schema
        self.ndjson = fmt.name == "ndjson"
        self.path = [] if not fmt.path else fmt.path.split(".")
        data = [f for f in fields if f.name != EXTRA]
        types = [(f.json_key, _raw_type(f)) for f in data]
        records_path = ".".join(self.path)
        self.supported = (
            fmt.name in ("json", "ndjson")
            and (self.ndjson or not fmt.path or all(not s.lstrip("-").isdigit() for s in self.path))
            and not (self.ndjson and fmt.path)
            and bool(data)
            and all(t is not None for _, t in types)
            and len({k for k, _ in types}) == len(types)
            and not any(
                p == records_path or p.startswith(records_path + ".") or not records_path
                for p in _paths(paginator)
            )
        )
        if not self.supported:
            return
        import pyarrow.json as pj

        self._plans = {f.name: _Plan(f) for f in data}
        record = pa.struct([pa.field(k, t) for k, t in types])
        wanted = pa.schema(list(record) if self.ndjson else [pa.field("r", pa.list_(record))])
        self._options = pj.ParseOptions(explicit_schema=wanted, unexpected_field_behavior="error")

    def read(
        self, content: bytes, constants: Mapping[str, Any]
    ) -> tuple[Any, pa.RecordBatch] | None:
        """(the page's document without its records, the batch), or ``None``: read it the
        usual way."""
        if not self.supported:
            return None
        try:
            content.decode("utf-8")  # the usual way refuses bad UTF-8 anywhere: so does this
            if self.ndjson:
                table = self._parse(content)
                lines = sum(1 for line in content.splitlines() if line.strip())
                if table.num_rows != lines:
                    raise _Decline  # two records on a line, or one over two: the usual way
                return None, self._batch(table, constants)
            document, records = self._split(content)
            wrapped = b'{"r":' + records + b"}"
            table = self._parse(wrapped)
            if table.num_rows != 1:
                raise _Decline
            lists = table.column("r").combine_chunks()
            if lists.null_count:
                raise _Decline  # no list: the usual way says what is wrong
            items = lists.flatten()
            if items.null_count:
                raise _Decline  # a null where a record was expected
            return document, self._batch(items, constants)
        except (_Decline, *_ERRORS):
            return None

    def _parse(self, content: bytes) -> pa.Table:
        import pyarrow.json as pj

        read = pj.ReadOptions(use_threads=False, block_size=max(len(content) + 1, 1 << 16))
        options = self._options
        return pj.read_json(pa.BufferReader(content), read_options=read, parse_options=options)

    def _split(self, content: bytes) -> tuple[Any, bytes]:
        """The document with the records left out, and the records' raw JSON."""
        if not self.path:
            if content.lstrip()[:1] != b"[":
                raise _Decline  # one object is one row: the usual way
            _LIST.decode(content)  # one JSON array, and nothing after it
            return None, content
        top = _ENVELOPE.decode(content)
        document: dict[str, Any] = {}
        level, here = top, document
        for i, step in enumerate(self.path):
            for key, raw in level.items():
                if key != step:
                    here[key] = msgspec.json.decode(raw)
            if step not in level:
                raise _Decline  # the usual way names what the answer holds
            if i == len(self.path) - 1:
                records = bytes(level[step])
                if records.lstrip()[:1] != b"[":
                    raise _Decline  # null, one object or a scalar: the usual way
                return document, records
            level = _ENVELOPE.decode(level[step])
            here[step] = {}
            here = here[step]
        raise _Decline

    def _batch(self, items: Any, constants: Mapping[str, Any]) -> pa.RecordBatch:
        n = len(items)
        columns = items.flatten() if isinstance(items, pa.StructArray) else None
        arrays = []
        j = 0
        for spec in self.fields:
            if spec.name == EXTRA:
                arrays.append(pa.nulls(n, pa.string()))
                continue
            raw = columns[j] if columns is not None else items.column(j).combine_chunks()
            j += 1
            arr = self._plans[spec.name].finish(raw)
            fill = constants.get(spec.name)
            if fill is not None and arr.null_count:
                if arr.null_count != n and spec.kind not in _RAW_TYPES:
                    raise _Decline  # a text kind partly filled: the usual way does that
                values = [None] * n if arr.null_count == n else arr.to_pylist()
                arr = convert(spec, [fill if v is None else v for v in values])
            arrays.append(arr)
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)
