"""PageDecoder (pages straight from bytes to Arrow) against the usual path: msgspec into dicts, then
BatchBuilder.build. Whenever the decoder answers, its batch must be the usual one."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillr.connectors.arrow import BatchBuilder, FieldSpec
from distillr.connectors.pages import PageDecoder

#: the decoder's two ways: typed records (False) and pyarrow.json's columns (True)
WAYS = pytest.mark.parametrize("columns", [False, True], ids=["records", "columns"])

SPECS = [
    FieldSpec("sid", "string"),
    FieldSpec("count", "int"),
    FieldSpec("ratio", "float"),
    FieldSpec("flag", "bool"),
    FieldSpec("price", "decimal"),
    FieldSpec("created", "timestamp_rfc"),
    FieldSpec("updated", "timestamp_iso"),
    FieldSpec("day", "date"),
    FieldSpec("uris", "map"),
    FieldSpec("account_sid", "string"),
]


def _record(i: int) -> dict:
    return {
        "sid": f'SM{i}\u00e9\n"x"',
        "count": str(i),
        "ratio": i / 4,
        "flag": i % 2 == 0,
        "price": "" if i % 7 == 0 else f"-0.{i:05d}",
        "created": f"Thu, {1 + i % 28:02d} Nov 2026 23:30:22 +0000",
        "updated": None if i % 5 == 0 else "2026-11-27T00:00:00Z",
        "day": "2026-11-27",
        "uris": None if i % 11 == 0 else {"media": f"/m/{i}", "feedback": f"/f/{i}"},
        "account_sid": None if i % 3 == 0 else "AC2",
        "extra": {"nested": [1, 2]},
    }


def _body(records, envelope="v2010", key="items", nxt="/next?Page=1") -> bytes:
    # the standard library writes integers of any size, as an API might
    if envelope == "v2010":
        return json.dumps(
            {
                "first_page_uri": "/x",
                "end": len(records) - 1,
                key: records,
                "next_page_uri": nxt,
                "page": 0,
                "page_size": 50,
            }
        ).encode()
    return json.dumps(
        {
            key: records,
            "meta": {
                "page": 0,
                "page_size": 50,
                "key": key,
                "next_page_url": nxt,
                "url": "https://x",
            },
        }
    ).encode()


def _usual(builder, body, key, constants):
    return builder.build(msgspec.json.decode(body)[key], constants)


def _learnt(records, constants=None):
    """A builder that has read one page the usual way (as the connector's first page is)."""
    builder = BatchBuilder(SPECS)
    builder.build(records, constants)
    return builder


@WAYS
def test_decoded_page_equals_the_usual_path(columns):
    constants = {"account_sid": "AC1"}
    first = [_record(i) for i in range(30)]
    builder = _learnt(first, constants)
    decoder = PageDecoder(builder, "items", "v2010")
    assert decoder.supported
    body = _body([_record(i) for i in range(30, 90)])
    page = decoder.decode(body, constants, columns=columns)
    assert page is not None
    assert page.batch.equals(_usual(builder, body, "items", constants))
    assert page.paging == {"next_page_uri": "/next?Page=1"}
    assert page.batch.column(9).to_pylist()[:2] == ["AC1", "AC2"]
    assert page.batch.column(8).to_pylist()[1] == [("media", "/m/31"), ("feedback", "/f/31")]


@WAYS
def test_meta_envelope_and_its_key(columns):
    builder = _learnt([_record(1)])
    decoder = PageDecoder(builder, "items", "meta")
    body = _body([_record(i) for i in range(5)], envelope="meta", nxt=None)
    page = decoder.decode(body, columns=columns)
    assert page is not None and page.batch.equals(_usual(builder, body, "items", {}))
    assert page.paging["meta"]["next_page_url"] is None
    # records under another key than the catalog's: left to the usual path
    other = msgspec.json.encode({"things": [_record(1)], "meta": {"key": "things"}})
    assert PageDecoder(builder, "items", "meta").decode(other, columns=columns) is None


@WAYS
def test_empty_page(columns):
    builder = _learnt([_record(1)])
    page = PageDecoder(builder, "items", "v2010").decode(_body([], nxt=None), columns=columns)
    assert page is not None and page.batch.num_rows == 0
    assert page.batch.schema == builder.schema and page.paging == {"next_page_uri": None}


@WAYS
def test_pages_it_cannot_be_sure_of_are_left_to_the_usual_path(columns):
    builder = _learnt([_record(1)])
    body = _body([_record(i) for i in range(5)])
    cases = {
        "truncated": body[:-7],
        "not an object": msgspec.json.encode([_record(1)]),
        "two objects": body + body,
        "no list": msgspec.json.encode({"next_page_uri": None}),
        "a null record": _body([_record(1), None]),
        "a number as text": _body([{**_record(1), "sid": 5}]),
        "a count as a number after text": _body([{**_record(1), "count": 3}]),
        "a null in a map": _body([{**_record(1), "uris": {"media": None}}]),
        "a number in a map": _body([{**_record(1), "uris": {"media": 1}}]),
        "a big integer": _body([{**_record(1), "count": 2**64}]),
        "an integer as a float": _body([{**_record(1), "ratio": 1, "count": 1.0}]),
        "another list key": msgspec.json.encode({"things": [_record(1)]}),
        "the list is null": msgspec.json.encode({"items": None}),
        "a record is a list": msgspec.json.encode({"items": [[1]]}),
        "paging is a number": msgspec.json.encode({"items": [], "next_page_uri": 5}),
    }
    for name, bad in cases.items():
        decoder = PageDecoder(builder, "items", "v2010")
        assert decoder.decode(bad, columns=columns) is None, name


@WAYS
def test_maps_of_any_keys_decode_like_the_usual_path(columns):
    builder = _learnt([_record(1)])
    records = [
        _record(1),
        {**_record(2), "uris": {"a": "b"}},
        {**_record(3), "uris": {}},
        {**_record(4), "uris": {"feedback": "f", "media": "m"}},
        {"sid": "only"},
    ]
    body = _body(records)
    page = PageDecoder(builder, "items", "v2010").decode(body, columns=columns)
    assert page is not None and page.batch.equals(_usual(builder, body, "items", {}))
    assert page.batch.column(8).to_pylist()[1:4] == [
        [("a", "b")],
        [],
        [("feedback", "f"), ("media", "m")],
    ]


def test_a_page_decoded_while_another_is_takes_the_columns_way(monkeypatch):
    """One page at a time: typed records; beside another page (a parallel scan): the columns
    way, which parses without holding the GIL."""
    builder = _learnt([_record(1)])
    decoder = PageDecoder(builder, "items", "v2010")
    body = _body([_record(i) for i in range(5)])
    ways = []
    real = PageDecoder._decode

    def spy(self, body, raw, constants, columns):
        ways.append(columns)
        if len(ways) == 1:  # a second page arrives while the first is being decoded
            assert self.decode(body) is not None
        return real(self, body, raw, constants, columns)

    monkeypatch.setattr(PageDecoder, "_decode", spy)
    assert decoder.decode(body) is not None
    assert ways == [False, True]
    assert decoder.decode(body) is not None and ways[-1] is False


def test_nothing_is_decoded_before_a_page_was_read_the_usual_way():
    builder = BatchBuilder(SPECS)
    assert PageDecoder(builder, "items", "v2010").decode(_body([_record(1)])) is None


def test_tables_with_json_fields_are_not_decoded():
    builder = BatchBuilder([FieldSpec("a", "string"), FieldSpec("j", "json")])
    builder.build([{"a": "x", "j": {"k": 1}}])
    assert not PageDecoder(builder, "items", "v2010").supported


def test_after_a_miss_it_leaves_a_few_pages_and_then_tries_again():
    builder = _learnt([_record(1)])
    decoder = PageDecoder(builder, "items", "v2010")
    good = _body([_record(i) for i in range(3)])
    assert decoder.decode(good[:-3]) is None
    assert decoder.decode(good) is None  # skipped once
    assert decoder.decode(good) is not None


# -- generated pages ------------------------------------------------------------------------

_TEXT = st.text(max_size=8)
_VALUE = st.one_of(
    st.none(),
    _TEXT,
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.just("2026-11-27"),
    st.just("-0.00750"),
    st.just("12"),
    st.just(""),
    st.just("Thu, 26 Nov 2026 23:30:22 +0000"),
)
_MAP = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["media", "feedback", "x"]),
        st.one_of(_TEXT, st.none(), st.integers(0, 9)),
        max_size=3,
    ),
)
_TYPICAL = {  # values of each field's own type, as an API sends them
    "sid": _TEXT,
    "count": st.integers(0, 99).map(str),
    "ratio": st.floats(-1e6, 1e6),
    "flag": st.booleans(),
    "price": st.sampled_from(["-0.00750", "", "1.5", "0"]),
    "created": st.sampled_from(
        ["Thu, 26 Nov 2026 23:30:22 +0000", "Sat, 01 Jan 2000 00:00:00 +0000"]
    ),
    "updated": st.sampled_from(["2026-11-27T00:00:00Z", "2026-11-27T01:02:03+01:00"]),
    "day": st.just("2026-11-27"),
    "uris": st.fixed_dictionaries({"media": _TEXT, "feedback": _TEXT}),
    "account_sid": st.sampled_from(["AC2", ""]),
}
_TYPICAL_RECORD = st.fixed_dictionaries(
    {k: st.one_of(st.none(), v) if k != "ratio" else v for k, v in _TYPICAL.items()}
)
# now and then a field is missing, or holds a value of another JSON type
_RECORD = st.fixed_dictionaries(
    {},
    optional={k: st.one_of(v, v, v, _MAP if k == "uris" else _VALUE) for k, v in _TYPICAL.items()},
)


def _same_or_error(builder, body, constants):
    try:
        return _usual(builder, body, "items", constants), None
    except Exception as exc:  # noqa: BLE001 - the usual path may refuse a value
        return None, exc


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(_TYPICAL_RECORD, min_size=1, max_size=6),
    page=st.lists(_RECORD, max_size=8),
    fill=st.booleans(),
    columns=st.booleans(),
)
def test_generated_pages_decode_to_the_usual_batch(first, page, fill, columns):
    constants = {"account_sid": "AC1"} if fill else {}
    builder = BatchBuilder(SPECS)
    try:
        builder.build(first, constants)
    except Exception:  # noqa: BLE001 - a first page the builder refuses teaches nothing
        return
    decoder = PageDecoder(builder, "items", "v2010")
    body = _body(page)
    expected, error = _same_or_error(builder, body, constants)
    try:
        got = decoder.decode(body, constants, columns=columns)
    except Exception as exc:  # noqa: BLE001 - a bad value: the same error as the usual path
        assert error is not None and type(exc) is type(error) and str(exc) == str(error)
        return
    if got is None:
        return  # left to the usual path: always allowed
    assert error is None, f"decoded a page the usual path refuses: {error}"
    assert got.batch.equals(expected), (got.batch.to_pylist(), expected.to_pylist())


@settings(max_examples=300, deadline=None)
@given(
    cut=st.integers(0, 10_000),
    at=st.integers(0, 10_000),
    byte=st.binary(min_size=1, max_size=2),
    how=st.sampled_from(["truncate", "replace", "insert"]),
    columns=st.booleans(),
)
def test_damaged_bodies_are_never_decoded_differently(cut, at, byte, how, columns):
    """Bytes cut, replaced or inserted anywhere: the decoder declines, or answers exactly what
    the usual path answers (a change inside a string, say)."""
    builder = _learnt([_record(1)])
    body = _body([_record(i) for i in range(4)])
    i = at % len(body)
    damaged = {
        "truncate": body[: cut % len(body)],
        "replace": body[:i] + byte + body[i + 1 :],
        "insert": body[:i] + byte + body[i:],
    }[how]
    expected, error = _same_or_error(builder, damaged, {})
    try:
        got = PageDecoder(builder, "items", "v2010").decode(damaged, columns=columns)
    except Exception as exc:  # noqa: BLE001 - a bad value: the same error as the usual path
        assert error is not None and type(exc) is type(error) and str(exc) == str(error)
        return
    if got is not None:
        assert error is None, f"decoded a page the usual path refuses: {error}"
        assert got.batch.equals(expected)


def test_duplicate_keys_take_the_last_value_as_the_usual_path_does():
    builder = _learnt([_record(1)])
    body = _body([_record(1)]).replace(b'"sid": ', b'"sid": "first", "sid": ', 1)
    page = PageDecoder(builder, "items", "v2010").decode(body)
    assert page is not None and page.batch.equals(_usual(builder, body, "items", {}))
    assert page.batch.column(0)[0].as_py() == 'SM1\u00e9\n"x"'


@pytest.fixture()
def connector(sandbox):
    from distillr.connectors.twilio import TwilioConnector

    conn = TwilioConnector(
        "src",
        account_sid=sandbox.account_sid,
        auth_token=sandbox.auth_token,
        base_url=sandbox.base_url,
    )
    yield conn
    conn.close()


def test_every_sandbox_table_decodes_like_the_usual_path(connector, sandbox):
    """Real pages of every table the decoder supports, from the sandbox."""
    compared = 0
    for table in connector.tables():
        t = connector.twilio_table(table.name)
        if t.path_params or not t.decoder.supported:
            continue
        url = connector._url(t, sandbox.account_sid if t.account_in_path else None, {})
        raw = connector.http.get_json(url, {"PageSize": 40}, decode=lambda b: b)
        records = connector._records(t, msgspec.json.decode(raw))
        constants = {"account_sid": sandbox.account_sid}
        builder = BatchBuilder(t.builder.fields)
        builder.build(records, constants)  # the JSON types learnt from the page itself
        if not records or builder.learnt_struct() is None:
            continue  # the page needs the column-by-column path: never decoded
        expected = builder.build(records, constants)
        for columns in (False, True):
            page = PageDecoder(builder, t.endpoint["list_key"], t.endpoint["envelope"]).decode(
                raw, constants, columns=columns
            )
            assert page is not None, (table.name, columns)
            assert page.batch.equals(expected), (table.name, columns)
        compared += 1
    assert compared >= 20


def test_a_scan_with_decoded_pages_equals_one_without(tmp_path, monkeypatch):
    """The connector reads the first page the usual way and the next ones decoded."""
    from twilio_helpers import session_for

    from distillr.sandbox import TwilioSandbox

    decoded = []
    real = PageDecoder.decode

    def counting(self, body, constants=None):
        page = real(self, body, constants)
        decoded.append(page is not None)
        return page

    sql = "SELECT * FROM src.messages WHERE date_sent >= TIMESTAMP '2001-01-01'"
    with TwilioSandbox(seed=5, scale="tiny", messages=3500) as sb:
        monkeypatch.setattr(PageDecoder, "decode", counting)
        with_decoder = session_for(sb, tmp_path).sql(sql).arrow()
        assert sum(decoded) >= 2
        monkeypatch.setattr(PageDecoder, "decode", lambda self, body, constants=None: None)
        without = session_for(sb, tmp_path / "b").sql(sql).arrow()
    assert with_decoder.num_rows > 2000
    assert with_decoder.sort_by("sid").equals(without.sort_by("sid"))
