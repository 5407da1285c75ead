"""Columnar record storage: build JSON only for the rows a page serves.

A :class:`Table` holds one resource's rows in the API's own order, as columns. Each column turns
an index array into a list of JSON values in one go; :meth:`Table.render` zips them into dicts.
Filters work on the raw column data (integer codes, epoch seconds) with numpy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from distillr.sandbox.twilio import values as V

_dumps = json.JSONEncoder().encode  # ASCII: one byte per character all the way


_PLAIN = re.compile(r'^[^"\\\x00-\x1f\x7f-\U0010ffff]*$')
_TEXT_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def json_texts(values: np.ndarray) -> np.ndarray:
    """JSON texts of an object array's values; shared between columns with the same categories
    (the phone-number list of calls and messages holds 100,000s of numbers)."""
    hit = _TEXT_CACHE.get(id(values))
    if hit is not None and hit[0] is values:
        return hit[1]
    items = values.tolist()
    if all(type(v) is str and _PLAIN.match(v) for v in items):
        out = '"' + values + '"' if len(items) else np.empty(0, dtype=object)
    else:
        out = np.empty(len(items), dtype=object)
        out[:] = [_dumps(v) for v in items]
    if len(items) > 1000:
        _TEXT_CACHE[id(values)] = (values, out)
    return out


class Column:
    """A column of ``n`` values; ``take(idx)`` gives the JSON values of rows ``idx``."""

    def take(self, idx: np.ndarray) -> list:  # pragma: no cover - interface
        raise NotImplementedError

    def take_json(self, idx: np.ndarray) -> list[str]:
        """The JSON text of each value of rows ``idx``."""
        return [_dumps(v) for v in self.take(idx)]

    def eq_mask(self, value: Any) -> np.ndarray | None:
        """Rows equal to ``value``, or None when this column cannot compare."""
        return None


class Values(Column):
    """Arbitrary Python values (strings, dicts, None) in an object array."""

    def __init__(self, items: Sequence[Any]):
        arr = np.empty(len(items), dtype=object)
        arr[:] = list(items)
        self.arr = arr

    def take(self, idx):
        return self.arr[idx].tolist()

    def eq_mask(self, value):
        return self.arr == value


class Codes(Column):
    """Dictionary-encoded values: an integer code per row into ``categories``."""

    def __init__(self, codes: np.ndarray, categories: Sequence[Any]):
        self.codes = np.asarray(codes)
        if isinstance(categories, np.ndarray) and categories.dtype == object:
            cats = categories  # shared with other columns
        else:
            cats = np.empty(len(categories), dtype=object)
            cats[:] = list(categories)
        self.categories = cats
        self._lookup: dict | None = None
        self._json: np.ndarray | None = None

    def take(self, idx):
        return self.categories[self.codes[idx]].tolist()

    def take_json(self, idx):
        if self._json is None:
            self._json = json_texts(self.categories)
        return self._json[self.codes[idx]].tolist()

    def code_of(self, value) -> int | None:
        if self._lookup is None:
            self._lookup = {}
            for i, c in enumerate(self.categories.tolist()):
                try:
                    self._lookup.setdefault(c, i)
                except TypeError:  # unhashable category (dict)
                    pass
        try:
            return self._lookup.get(value)
        except TypeError:
            return None

    def codes_matching(self, pred: Callable[[Any], bool]) -> np.ndarray:
        return np.array(
            [i for i, c in enumerate(self.categories.tolist()) if pred(c)], dtype=np.int64
        )

    def eq_mask(self, value):
        code = self.code_of(value)
        if code is None:
            return np.zeros(len(self.codes), dtype=bool)
        return self.codes == code

    def values(self) -> np.ndarray:
        return self.categories[self.codes]


class Times(Column):
    """Epoch seconds (int64, ``NULL_TIME`` for NULL) rendered as RFC 2822, ISO 8601 or a date."""

    def __init__(self, secs: np.ndarray, style: str = "rfc2822"):
        self.secs = np.asarray(secs, dtype=np.int64)
        self.style = style

    def take_json(self, idx):
        sub = self.secs[idx]
        if self.style == "rfc2822":
            return V.rfc2822_many(sub, quoted=True)
        return [_dumps(v) for v in self.take(idx)]

    def take(self, idx):
        sub = self.secs[idx]
        if self.style == "rfc2822":
            return V.rfc2822_many(sub)
        if self.style == "iso":
            return V.iso_many(sub)
        return V.date_many(sub)


class Sids(Column):
    """SIDs stored as two uint64 halves; ``prefix`` is one string or a Codes-like per-row array."""

    def __init__(self, prefix: str | Codes, hi: np.ndarray, lo: np.ndarray):
        self.prefix = prefix
        self.hi = np.asarray(hi, dtype=np.uint64)
        self.lo = np.asarray(lo, dtype=np.uint64)

    def _hex(self, idx) -> list[str]:
        """32 hex digits per row, from one ``bytes.hex`` of the rows' big-endian halves."""
        idx = np.asarray(idx, dtype=np.int64)
        pair = np.empty((len(idx), 2), dtype=">u8")
        pair[:, 0] = self.hi[idx]
        pair[:, 1] = self.lo[idx]
        h = pair.tobytes().hex()
        return [h[i : i + 32] for i in range(0, len(h), 32)]

    def take(self, idx):
        if isinstance(self.prefix, str):
            p = self.prefix
            return [p + x for x in self._hex(idx)]
        return [p + x for p, x in zip(self.prefix.take(idx), self._hex(idx))]

    def take_json(self, idx):
        if isinstance(self.prefix, str):
            p = '"' + self.prefix
            return [p + x + '"' for x in self._hex(idx)]
        return ['"' + p + x + '"' for p, x in zip(self.prefix.take(idx), self._hex(idx))]

    def find(self, sid: str) -> int | None:
        """Row of ``sid``: the low 32 bits of ``lo`` hold the row number (see :func:`make_sids`)."""
        if len(sid) != 34:
            return None
        try:
            hi = int(sid[2:18], 16)
            lo = int(sid[18:], 16)
        except ValueError:
            return None
        row = _unstamp(hi, lo)
        if row >= len(self.hi) or int(self.hi[row]) != hi or int(self.lo[row]) != lo:
            return None
        prefix = self.prefix if isinstance(self.prefix, str) else self.prefix.take([row])[0]
        return row if sid[:2] == prefix else None

    def eq_mask(self, value):
        row = self.find(value) if isinstance(value, str) else None
        mask = np.zeros(len(self.hi), dtype=bool)
        if row is not None:
            mask[row] = True
        return mask

    def at(self, row: int) -> str:
        return self.take(np.array([row]))[0]


def make_sids(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random-looking SID halves; the low 32 bits of ``lo`` encode the row number (O(1) lookup)."""
    hi = rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64) | np.uint64(1 << 63)
    top = rng.integers(0, 2**32, size=n, dtype=np.int64).astype(np.uint64)
    lo = (top << np.uint64(32)) | _stamp(hi, np.arange(n, dtype=np.uint64))
    return hi, lo


_MUL = 0x9E3779B1  # odd, so invertible modulo 2**32
_INV = pow(_MUL, -1, 2**32)
_M32 = 0xFFFFFFFF


def _stamp(hi: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Hide the row number in 32 random-looking bits that :func:`_unstamp` reverses."""
    return ((rows * np.uint64(_MUL)) & np.uint64(_M32)) ^ ((hi >> np.uint64(29)) & np.uint64(_M32))


def _unstamp(hi: int, lo: int) -> int:
    return (((lo & _M32) ^ ((hi >> 29) & _M32)) * _INV) & _M32


def reorder_sids(hi: np.ndarray, lo: np.ndarray, perm: np.ndarray):
    """Apply row permutation ``perm`` and re-stamp the row numbers into ``lo``."""
    hi = hi[perm]
    lo = (lo[perm] & np.uint64(0xFFFFFFFF00000000)) | _stamp(
        hi, np.arange(len(perm), dtype=np.uint64)
    )
    return hi, lo


class Const(Column):
    def __init__(self, value: Any, n: int):
        self.value = value
        self.n = n

    def take(self, idx):
        return [self.value] * len(idx)

    def take_json(self, idx):
        return [_dumps(self.value)] * len(idx)

    def eq_mask(self, value):
        return np.full(self.n, self.value == value, dtype=bool)


class Derived(Column):
    """Computed from other columns' JSON texts: ``fn(cols: dict[str, list[str]]) -> list[str]``.

    ``fn`` gets each other column's JSON texts for the page (strings keep their quotes; strip
    them with ``[1:-1]`` for SIDs and other plain values) and returns JSON texts.
    """

    def __init__(self, fn: Callable[[dict[str, list]], list]):
        self.fn = fn

    def take(self, idx):  # pragma: no cover - rendered by Table
        raise TypeError("derived columns are rendered by Table.render")


class Table:
    """Rows of one resource, in the API's order, as named columns."""

    def __init__(self, name: str, n: int, columns: dict[str, Column], fields: Sequence[str]):
        self.name = name
        self.n = n
        self.columns = columns
        self.fields = list(fields)
        missing = [f for f in self.fields if f not in columns]
        if missing:
            raise ValueError(f"table {name} lacks columns {missing}")
        self._pieces: list[str] | None = None
        self._row_format: str | None = None
        self._varying: list[str] = []
        self.schema_name: str | None = None
        self.handled: frozenset[str] = frozenset()  # query parameters the table itself applied

    def __len__(self) -> int:
        return self.n

    def _texts(self, idx: np.ndarray) -> tuple[list[str], list[list[str]]]:
        """Per varying field, the JSON texts of rows ``idx``; and the literal text before each
        (keys, and the constant fields baked in)."""
        got: dict[str, list] = {}
        derived = []
        for name in self.fields:
            col = self.columns[name]
            if isinstance(col, Derived):
                derived.append((name, col))
            elif not isinstance(col, Const):  # constants are part of the literal text
                got[name] = col.take_json(idx)
        for name, col in derived:
            got[name] = col.fn(got)
        if self._pieces is None:
            pieces, varying, text = [], [], "{"
            for f in self.fields:
                col = self.columns[f]
                sep = "" if text == "{" else ", "
                if isinstance(col, Const):
                    text += f"{sep}{_dumps(f)}: {_dumps(col.value)}"
                else:
                    pieces.append(text + f"{sep}{_dumps(f)}: ")
                    varying.append(f)
                    text = ""
            pieces.append(text + "}")
            self._pieces, self._varying = pieces, varying
        return self._pieces, [got[f] for f in self._varying]

    def _format(self) -> str:
        if self._row_format is None:
            pieces = self._pieces or []
            esc = [p.replace("%", "%%") for p in pieces]
            self._row_format = "%s".join(esc)
        return self._row_format

    def render_json(self, idx: np.ndarray | Sequence[int]) -> list[str]:
        """The JSON text of each row in ``idx`` (one ``%`` format per row: the fastest way)."""
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) == 0:
            return []
        _, cols = self._texts(idx)
        fmt = self._format()
        if not cols:
            return [fmt] * len(idx)
        return [fmt % row for row in zip(*cols)]

    def render_page(self, idx: np.ndarray | Sequence[int]) -> str:
        """The JSON array text of rows ``idx``."""
        return "[" + ", ".join(self.render_json(idx)) + "]"

    def render(self, idx: np.ndarray | Sequence[int]) -> list[dict]:
        """Rows ``idx`` as dicts (parsed from :meth:`render_json`, so both always agree)."""
        return [json.loads(r) for r in self.render_json(idx)]

    def row(self, i: int) -> dict:
        return self.render(np.array([i]))[0]

    def find(self, key: str, column: str = "sid") -> int | None:
        col = self.columns.get(column)
        if isinstance(col, Sids):
            return col.find(key)
        if col is None:
            return None
        mask = col.eq_mask(key)
        if mask is None:
            return None
        hits = np.flatnonzero(mask)
        return int(hits[0]) if len(hits) else None

    @classmethod
    def from_records(cls, name: str, records: list[dict], fields: Sequence[str]) -> Table:
        cols: dict[str, Column] = {f: Values([r.get(f) for r in records]) for f in fields}
        return cls(name, len(records), cols, fields)
