"""JSON records to typed Arrow batches."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distillr.connectors.arrow import BatchBuilder, FieldSpec
from distillr.errors import SourceError

UTC = UTC


def build(specs, records, constants=None):
    return BatchBuilder(specs).build(records, constants)


def test_rfc2822_timestamps_become_utc():
    b = build(
        [FieldSpec("date_sent", "timestamp_rfc")],
        [
            {"date_sent": "Fri, 24 May 2019 17:44:46 +0000"},
            {"date_sent": "Mon, 03 Mar 2025 01:02:03 +0100"},
            {"date_sent": None},
            {},
        ],
    )
    assert b.schema.field("date_sent").type == pa.timestamp("us", tz="UTC")
    assert b.column(0).to_pylist() == [
        datetime(2019, 5, 24, 17, 44, 46, tzinfo=UTC),
        datetime(2025, 3, 3, 0, 2, 3, tzinfo=UTC),
        None,
        None,
    ]


def test_rfc2822_fallback_accepts_odd_spellings():
    b = build(
        [FieldSpec("t", "timestamp_rfc")],
        [{"t": "Fri, 24 May 2019 17:44:46 GMT"}, {"t": "2019-05-24T17:44:46Z"}],
    )
    assert b.column(0).to_pylist() == [datetime(2019, 5, 24, 17, 44, 46, tzinfo=UTC)] * 2


def test_iso_timestamps_and_dates():
    b = build(
        [FieldSpec("a", "timestamp_iso"), FieldSpec("d", "date")],
        [
            {"a": "2019-05-24T17:44:46Z", "d": "2024-01-05"},
            {"a": "2019-05-24T18:44:46.5+01:00", "d": None},
            {"a": "2019-05-24T17:44:46", "d": ""},
        ],
    )
    assert b.column(0).to_pylist() == [
        datetime(2019, 5, 24, 17, 44, 46, tzinfo=UTC),
        datetime(2019, 5, 24, 17, 44, 46, 500000, tzinfo=UTC),
        datetime(2019, 5, 24, 17, 44, 46, tzinfo=UTC),
    ]
    assert b.column(1).to_pylist() == [date(2024, 1, 5), None, None]


def test_decimal_and_integer_strings():
    b = build(
        [FieldSpec("price", "decimal"), FieldSpec("num_segments", "int")],
        [
            {"price": "-0.00750", "num_segments": "2"},
            {"price": None, "num_segments": 3},
            {"price": 1.5, "num_segments": ""},
        ],
    )
    assert b.column(0).to_pylist() == [Decimal("-0.0075"), None, Decimal("1.5")]
    assert b.column(1).to_pylist() == [2, 3, None]
    assert b.schema.field("num_segments").type == pa.int64()


def test_garbage_in_a_typed_column_is_a_clear_error():
    with pytest.raises(SourceError, match=r"'duration'.*not a valid int"):
        build([FieldSpec("duration", "int")], [{"duration": "12"}, {"duration": "twelve"}])


def test_bools_from_strings_and_strings_from_numbers():
    b = build(
        [FieldSpec("b", "bool"), FieldSpec("s", "string")],
        [{"b": True, "s": "x"}, {"b": "false", "s": 5}, {"b": None, "s": {"k": 1}}],
    )
    assert b.column(0).to_pylist() == [True, False, None]
    assert b.column(1).to_pylist() == ["x", "5", '{"k":1}']


def test_json_struct_and_list():
    specs = [
        FieldSpec("subresource_uris", "json"),
        FieldSpec(
            "capabilities",
            "struct",
            children=(FieldSpec("voice", "bool"), FieldSpec("sms", "bool")),
        ),
        FieldSpec("tags", "list", children=(FieldSpec("item", "string"),)),
    ]
    b = build(
        specs,
        [
            {
                "subresource_uris": {"media": "/m.json"},
                "capabilities": {"voice": True, "sms": False},
                "tags": ["a", "b"],
            },
            {"subresource_uris": None, "capabilities": None, "tags": None},
            {"capabilities": {"voice": False}, "tags": []},
        ],
    )
    assert b.column(0).to_pylist() == ['{"media":"/m.json"}', None, None]
    assert b.column(1).to_pylist() == [
        {"voice": True, "sms": False},
        None,
        {"voice": False, "sms": None},
    ]
    assert b.column(2).to_pylist() == [["a", "b"], None, []]


def test_constants_fill_missing_values():
    b = build(
        [FieldSpec("account_sid", "string"), FieldSpec("call_sid", "string")],
        [{"account_sid": "AC2"}, {}],
        {"account_sid": "AC1", "call_sid": "CA9"},
    )
    assert b.column(0).to_pylist() == ["AC2", "AC1"]
    assert b.column(1).to_pylist() == ["CA9", "CA9"]


def test_empty_page_has_the_schema():
    b = build([FieldSpec("a", "int"), FieldSpec("t", "timestamp_rfc")], [])
    assert b.num_rows == 0 and b.schema.names == ["a", "t"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)).map(
                lambda d: d.replace(microsecond=0, tzinfo=UTC)
            ),
        ),
        max_size=40,
    )
)
def test_fast_rfc2822_path_agrees_with_the_standard_library(stamps):
    import email.utils

    texts = [None if d is None else email.utils.format_datetime(d) for d in stamps]
    got = build([FieldSpec("t", "timestamp_rfc")], [{"t": t} for t in texts]).column(0)
    assert got.to_pylist() == stamps


def test_twilio_shaped_timestamps_take_the_fast_path():
    from distillr.connectors.arrow import _rfc2822_fixed

    arr = pa.array(["Thu, 29 Feb 2024 23:59:59 +0000", None, "Sat, 01 Jan 2000 00:00:00 +0000"])
    assert _rfc2822_fixed(arr).to_pylist() == [
        datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
        None,
        datetime(2000, 1, 1, tzinfo=UTC),
    ]
    assert _rfc2822_fixed(pa.array(["Thu, 29 Feb 2024 23:59:59 +0100"])) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2199, 12, 31)).map(
                lambda d: d.replace(microsecond=0, tzinfo=UTC)
            ),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(0, 30),
    st.integers(0, 30),
)
def test_fast_rfc2822_path_on_slices_with_nulls(stamps, start, length):
    """A slice of a string array starts at an offset into its buffers: the timestamps (which
    share the texts' validity bitmap) must start there too."""
    import email.utils

    from distillr.connectors.arrow import _rfc2822_fixed

    texts = pa.array([None if d is None else email.utils.format_datetime(d) for d in stamps])
    part = texts.slice(start % len(stamps), length)
    got = _rfc2822_fixed(part)
    expected = stamps[start % len(stamps) :][:length]
    if all(d is None for d in expected):
        assert got is None
        return
    got.validate(full=True)
    assert got.to_pylist() == expected


# -- the one-pass read and its fallbacks give what the column-by-column path gives ----------

PAGE_SPECS = [
    FieldSpec("sid", "string"),
    FieldSpec("count", "int"),
    FieldSpec("ratio", "float"),
    FieldSpec("flag", "bool"),
    FieldSpec("price", "decimal"),
    FieldSpec("created", "timestamp_rfc"),
    FieldSpec("updated", "timestamp_rfc"),
    FieldSpec("day", "date"),
    FieldSpec("uris", "map"),
    FieldSpec("account_sid", "string"),
]


def _page(n, count_as_text=True):
    rows = []
    for i in range(n):
        rows.append(
            {
                "sid": f"SM{i}",
                "count": str(i) if count_as_text else i,
                "ratio": i / 4,
                "flag": i % 2 == 0,
                "price": "" if i % 7 == 0 else f"-0.{i:05d}",
                "created": f"Thu, {1 + i % 28:02d} Nov 2026 23:30:22 +0000",
                "updated": None if i % 5 == 0 else "Fri, 27 Nov 2026 00:00:00 +0000",
                "day": "2026-11-27",
                "uris": {"media": f"/m/{i}"},
                "account_sid": None if i % 3 == 0 else "AC2",
            }
        )
    return rows


def test_one_pass_equals_column_by_column():
    builder = BatchBuilder(PAGE_SPECS)
    constants = {"account_sid": "AC1"}
    for page in (_page(50), _page(50, count_as_text=False), _page(50)):
        fast = builder.build(page, constants)
        slow = builder._build_by_columns(page, constants)
        assert fast.equals(slow)
    assert fast.column(1).to_pylist()[:3] == [0, 1, 2]
    assert fast.column(4).to_pylist()[:2] == [None, Decimal("-0.00001")]
    assert fast.column(9).to_pylist()[:2] == ["AC1", "AC2"]
    assert fast.column(8).to_pylist()[1] == [("media", "/m/1")]


def test_a_page_with_other_json_types_is_still_read_right():
    builder = BatchBuilder([FieldSpec("n", "int"), FieldSpec("s", "string"), FieldSpec("m", "map")])
    assert builder.build([{"n": 1, "s": "a", "m": {"k": "v"}}]).to_pylist() == [
        {"n": 1, "s": "a", "m": [("k", "v")]}
    ]
    # a count as text, a number where text was expected, a nested value in a map, no map
    page = [{"n": "2", "s": 5, "m": {"k": {"x": 1}}}, {"n": None, "s": None, "m": None}]
    assert builder.build(page).to_pylist() == [
        {"n": 2, "s": "5", "m": [("k", '{"x":1}')]},
        {"n": None, "s": None, "m": None},
    ]
    assert builder.build([{"n": 3, "s": "c", "m": {}}]).to_pylist() == [{"n": 3, "s": "c", "m": []}]


def test_a_bad_value_names_its_own_column_when_columns_are_converted_together():
    builder = BatchBuilder(
        [FieldSpec("created", "timestamp_rfc"), FieldSpec("updated", "timestamp_rfc")]
    )
    page = [{"created": "Thu, 26 Nov 2026 23:30:22 +0000", "updated": "yesterday"}]
    with pytest.raises(SourceError, match="'updated'"):
        builder.build(page)


def test_decimals_are_never_rounded():
    builder = BatchBuilder([FieldSpec("price", "decimal")])
    assert builder.build([{"price": "-0.00750"}]).column(0).to_pylist() == [Decimal("-0.0075")]
    with pytest.raises(SourceError, match="'price'"):
        builder.build([{"price": "0.12345678901"}])  # 11 places: would need rounding


def test_fixed_rfc2822_decoder_matches_the_general_parser():
    import random
    from email.utils import format_datetime

    from distillr.connectors.arrow import _rfc, _rfc2822_fixed

    rng = random.Random(7)
    start = datetime(1900, 1, 1, tzinfo=UTC).timestamp()
    values = [
        format_datetime(datetime.fromtimestamp(start + rng.randrange(300 * 365 * 86400), UTC))
        for _ in range(2000)
    ]
    values += ["Sat, 29 Feb 2020 23:59:59 +0000", None]
    got = _rfc2822_fixed(pa.array(values, pa.string()))
    assert got.to_pylist() == [None if v is None else _rfc(v) for v in values]
    for bad in (
        "Sun, 30 Feb 2020 10:00:00 +0000",
        "Sat, 29 Fex 2020 10:00:00 +0000",
        "Sat, 29 Feb 2020 24:00:00 +0000",
        "Sat, 29 Feb 2020 10:00:00 +0100",
        "Sat, 2a Feb 2020 10:00:00 +0000",
    ):
        assert _rfc2822_fixed(pa.array([bad])) is None, bad
