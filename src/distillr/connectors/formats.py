"""Response formats: a page's bytes -> its records (plain dicts) and, for JSON, its document.

==========  ====================================================================
``json``    records at a data path (``values``, ``data.items``); with no path, a
            top-level array is the records and one object is one record
``ndjson``  one JSON object per line (blank lines skipped)
``csv``     a header row, then one record per row (every value text; empty is null)
``xml``     records at an element path (``channel/item``, ``.//entry``); an element
            becomes an object of its attributes and children, a leaf its text,
            repeated children a list; text beside children or attributes is ``_text``
==========  ====================================================================

Rules: a body that cannot be parsed raises ``ValueError`` (the HTTP layer retries it: it was
cut short or mangled on the way), never a partial page. A CSV or NDJSON body that does not end
with a line break may have been cut at a record's end, or inside the last value: the connector
fetches it again (:meth:`Format.ends_cleanly`). A data path that matches nothing in a
parsed document is a :class:`~distillr.errors.SourceError` naming the path and what the document
holds (the definition is wrong, a retry would not help). XML is parsed with ``defusedxml``,
which refuses entity expansion and external entities (untrusted input).

>>> value_at({"data": {"items": [1, 2]}}, "data.items")
[1, 2]
>>> make_format("json", "values").parse(b'{"values": [{"id": 1}], "isLast": true}').records
[{'id': 1}]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec

from distillr.errors import SourceError, did_you_mean

__all__ = [
    "FORMATS",
    "CsvFormat",
    "Format",
    "JsonFormat",
    "NdjsonFormat",
    "Parsed",
    "XmlFormat",
    "make_format",
    "value_at",
]

_MISSING = object()


def value_at(document: Any, path: str | None, default: Any = None) -> Any:
    """The value at a dotted path (``data.items``, ``links.next``; a number indexes a list);
    ``default`` when any step is missing."""
    if not path:
        return document
    current = document
    for step in path.split("."):
        if isinstance(current, Mapping):
            current = current.get(step, _MISSING)
        elif isinstance(current, list) and step.lstrip("-").isdigit():
            i = int(step)
            current = current[i] if -len(current) <= i < len(current) else _MISSING
        else:
            current = _MISSING
        if current is _MISSING:
            return default
    return current


@dataclass(frozen=True)
class Parsed:
    """One page: its records, and the whole document (``None`` for CSV and XML). A reader that
    makes the page's Arrow batch itself gives it as ``batch`` (then ``records`` is empty)."""

    records: list[dict[str, Any]]
    document: Any = None
    batch: Any = None

    @property
    def count(self) -> int:
        return len(self.records) if self.batch is None else self.batch.num_rows


class Format:
    """Base class: ``parse(content)`` -> :class:`Parsed`."""

    name: ClassVar[str] = ""
    #: whether values arrive as text only (then inference reads numbers and booleans in text)
    textual: ClassVar[bool] = False
    content_type: ClassVar[str] = "*/*"
    #: whether records are lines (a body cut at a line's end still parses)
    lines: ClassVar[bool] = False

    def __init__(self, path: str | None = None) -> None:
        self.path = path or None

    def parse(self, content: bytes) -> Parsed:
        raise NotImplementedError

    def ends_cleanly(self, content: bytes) -> bool:
        """Whether the body ends where a complete one would: for line formats, with a line
        break (a body cut short mid-record can still parse, and a cut value would be wrong).
        An API that writes no final line break shows it by sending the same bytes twice."""
        return not self.lines or not content.strip() or content.endswith(b"\n")

    def _no_path(self, found: str) -> SourceError:
        return SourceError(
            f"The data path '{self.path}' matches nothing in the API's answer ({found})."
            " Fix the endpoint's data_path (leave it empty for a top-level list)."
        )


class JsonFormat(Format):
    name = "json"
    content_type = "application/json"

    def parse(self, content: bytes) -> Parsed:
        document = msgspec.json.decode(content)
        return Parsed(self.records(document), document)

    def records(self, document: Any) -> list[dict[str, Any]]:
        found = value_at(document, self.path, _MISSING) if self.path else document
        if found is _MISSING:
            raise self._no_path(_shape(document, self.path))
        if found is None:
            return []
        if isinstance(found, dict):
            return [found]
        if isinstance(found, list):
            return [r if isinstance(r, dict) else {"value": r} for r in found]
        return [{"value": found}]


class NdjsonFormat(Format):
    name = "ndjson"
    content_type = "application/x-ndjson"
    lines = True

    def parse(self, content: bytes) -> Parsed:
        out = []
        for line in content.splitlines():
            if line.strip():
                record = msgspec.json.decode(line)
                out.append(record if isinstance(record, dict) else {"value": record})
        return Parsed(out)


class CsvFormat(Format):
    name = "csv"
    textual = True
    content_type = "text/csv"
    lines = True

    def parse(self, content: bytes) -> Parsed:
        text = content.decode("utf-8-sig")
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        except csv.Error as exc:  # a quote never closed: cut short or mangled
            raise ValueError(f"not well-formed CSV: {exc}") from None
        if not rows:
            return Parsed([])
        header = rows[0]
        out = []
        for row in rows[1:]:
            if not row:
                continue
            if len(row) != len(header):
                raise ValueError(f"a CSV row has {len(row)} fields, the header {len(header)}")
            out.append({k: (v if v != "" else None) for k, v in zip(header, row, strict=True)})
        return Parsed(out)


class XmlFormat(Format):
    name = "xml"
    textual = True
    content_type = "application/xml"

    def parse(self, content: bytes) -> Parsed:
        from xml.etree.ElementTree import ParseError

        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import fromstring

        try:
            root = fromstring(content)
        except ParseError as exc:
            raise ValueError(f"not well-formed XML: {exc}") from None
        except DefusedXmlException as exc:
            raise SourceError(
                f"The API's XML answer was refused as unsafe ({type(exc).__name__}: entity"
                " expansion or external entities)."
            ) from None
        if not self.path:
            elements = list(root)
        else:
            elements = root.findall(self.path)
            if not elements and _tag(root) == self.path:
                elements = [root]
            if not elements and not _has_path_prefix(root, self.path):
                children = sorted({_tag(c) for c in root})
                raise self._no_path(f"root <{_tag(root)}> holds {', '.join(children) or 'nothing'}")
        out = []
        for element in elements:
            value = _element(element)
            out.append(value if isinstance(value, dict) else {"value": value})
        return Parsed(out)


def _has_path_prefix(root: Any, path: str) -> bool:
    """Whether the path's first step exists (so no match is an empty page, not a wrong path)."""
    first = path.lstrip("./").split("/", 1)[0]
    return bool(first) and (root.find(first) is not None or "/" not in path.strip("./"))


def _tag(element: Any) -> str:
    tag = element if isinstance(element, str) else element.tag
    return tag.split("}", 1)[1] if isinstance(tag, str) and tag.startswith("{") else str(tag)


def _element(element: Any) -> Any:
    children = list(element)
    text = (element.text or "").strip() or None
    if not children and not element.attrib:
        return text
    out: dict[str, Any] = {_tag(k): v for k, v in element.attrib.items()}
    tags = [_tag(c) for c in children]
    repeated = {t for t in tags if tags.count(t) > 1}
    for key, child in zip(tags, children, strict=True):
        value = _element(child)
        if key in repeated:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    if text is not None:
        out["_text"] = text
    return out


def _shape(document: Any, path: str | None) -> str:
    if isinstance(document, dict):
        keys = list(document)
        hint = did_you_mean(path or "", keys)
        shown = ", ".join(keys[:12]) + (", ..." if len(keys) > 12 else "")
        return f"an object with keys {shown or '(none)'}.{hint}".rstrip(".")
    if isinstance(document, list):
        return "a top-level list"
    return f"a {type(document).__name__}"


FORMATS: dict[str, type[Format]] = {
    cls.name: cls for cls in (JsonFormat, NdjsonFormat, CsvFormat, XmlFormat)
}


def make_format(name: str = "json", path: str | None = None) -> Format:
    """The format called ``name``, reading records at ``path``."""
    cls = FORMATS.get(name)
    if cls is None:
        raise SourceError(
            f"Unknown format '{name}'.{did_you_mean(name, FORMATS)} Formats: {', '.join(FORMATS)}."
        )
    return cls(path)
