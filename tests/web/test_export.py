"""Result conversions: display types for the grid, and the export files."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import json
import logging

import pyarrow as pa
import pyarrow.parquet as pq

from distillr.server import export


def test_display_types_are_exact_in_a_browser():
    t = pa.table(
        {
            "small": pa.array([1, None, 3], pa.int64()),
            "big": pa.array([2**60, 1, None], pa.int64()),
            "price": pa.array(
                [decimal.Decimal("-0.0079"), None, decimal.Decimal("1.5")], pa.decimal128(10, 4)
            ),
            "at": pa.array(
                [
                    dt.datetime(2025, 3, 1, 12, 30, 5, tzinfo=dt.UTC),
                    None,
                    dt.datetime(2025, 3, 2, tzinfo=dt.UTC),
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "day": pa.array([dt.date(2025, 3, 1), None, None], pa.date32()),
            "uris": pa.array([{"media": "/m.json"}, None, {}], pa.map_(pa.string(), pa.string())),
            "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
        }
    )
    d = export.display_table(t)
    assert d.column("small").to_pylist() == [1.0, None, 3.0]
    assert d.column("big").to_pylist() == [str(2**60), "1", None]  # too big for a double
    assert d.column("price").to_pylist() == ["-0.0079", None, "1.5000"]
    assert d.column("at").to_pylist() == ["2025-03-01T12:30:05Z", None, "2025-03-02T00:00:00Z"]
    assert d.column("day").to_pylist() == ["2025-03-01", None, None]
    assert [json.loads(v) if v else v for v in d.column("uris").to_pylist()] == [
        {"media": "/m.json"},
        None,
        {},
    ]
    assert d.column("tags").to_pylist() == ['["a","b"]', "[]", None]


def test_repetitive_text_is_dictionary_encoded_and_unchanged():
    values = [["sent", "delivered", None][i % 3] for i in range(3000)]
    unique = [f"SM{i:032x}" for i in range(3000)]
    d = export.display_table(pa.table({"status": values, "sid": unique}))
    assert pa.types.is_dictionary(d.schema.field("status").type)
    assert pa.types.is_string(d.schema.field("sid").type)
    back = pa.ipc.open_stream(export.to_arrow_ipc(d)).read_all()
    assert back.column("status").to_pylist() == values and back.column("sid").to_pylist() == unique


def test_duplicate_column_names_stay_apart():
    t = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["n", "n"])
    assert export.display_table(t).column_names == ["n", "n_2"]


def test_files():
    t = pa.table(
        {"a": [1, 2], "m": pa.array([{"k": "v"}, None], pa.map_(pa.string(), pa.string()))}
    )
    assert export.to_file(t, "csv").decode().splitlines() == ['"a","m"', '1,"{""k"":""v""}"', "2,"]
    assert json.loads(export.to_file(t, "json")) == [{"a": 1, "m": {"k": "v"}}, {"a": 2, "m": None}]
    assert json.loads(export.to_file(t.slice(0, 0), "json")) == []
    assert pq.read_table(io.BytesIO(export.to_file(t, "parquet"))).equals(t)


def test_no_secret_in_logs_or_responses(client, caplog):
    from webhelpers import add_fake

    caplog.set_level(logging.DEBUG)
    secret = "echo-top-secret-token-987654"
    res = add_fake(client, token=secret)
    assert res.status_code == 422
    add_fake(client, name="ok")
    client.patch("/api/sources/ok", json={"secrets": {"token": secret}})
    assert "top-secret" not in caplog.text
    for s in client.get("/api/sources").json():
        assert "top-secret" not in json.dumps(s)
