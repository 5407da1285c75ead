"""Every format against the fake API; nested data through distillr.connect()."""

from __future__ import annotations

import pytest
from rest_fake_api import COLUMNS

from distillr.connectors.formats import make_format
from distillr.errors import SourceError


def test_ndjson(make, api):
    con, _, _ = make(
        [
            {
                "name": "t",
                "url": "/ndjson",
                "format": "ndjson",
                "columns": COLUMNS,
                "paginator": {"type": "offset", "size": 20},
            }
        ]
    )
    assert sorted(con.sql("SELECT id, name FROM fake.t").fetchall()) == [
        (x["id"], x["name"]) for x in api.items
    ]


def test_csv_values_are_typed_by_inference(make, api):
    con, _, _ = make([{"name": "t", "url": "/csv", "format": "csv", "paginator": {"type": "page"}}])
    res = con.sql("SELECT id, name, created, score FROM fake.t ORDER BY id")
    rows = res.fetchall()
    assert [r[0] for r in rows] == [x["id"] for x in api.items]
    assert [r[3] for r in rows] == [float(x["score"]) for x in api.items]
    assert str(res.arrow().schema.field("created").type) == "timestamp[us, tz=UTC]"


def test_xml_records_at_an_element_path(make, api):
    con, _, _ = make([{"name": "t", "url": "/xml", "format": "xml", "data_path": "entries/entry"}])
    res = con.sql("SELECT id, name, t.owner.name AS owner, tag FROM fake.t t ORDER BY id")
    rows = res.fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (x["id"], x["name"], x["owner"]["name"]) for x in api.items
    ]
    # one <tag> is a text, two are a list: the column widens to JSON to hold both
    assert (rows[0][3], rows[1][3], rows[2][3]) == ('"t0"', '["t0","t1"]', None)


def test_xml_bombs_are_refused(make, api):
    con, _, _ = make(
        [
            {
                "name": "t",
                "url": "/bomb",
                "format": "xml",
                "data_path": "entries/entry",
                "columns": {"name": "string"},
            }
        ]
    )
    with pytest.raises(SourceError, match="unsafe"):
        con.sql("SELECT * FROM fake.t").fetchall()


def test_nested_objects_are_structs_and_arrays_lists(make, api):
    con, _, _ = make(
        [{"name": "t", "url": "/jira", "data_path": "values", "paginator": "start_at"}]
    )
    res = con.sql(
        "SELECT t.id, t.owner.name AS owner FROM fake.t t WHERE t.owner.name = 'user1' ORDER BY 1"
    )
    assert res.fetchall() == [
        (x["id"], "user1") for x in api.items if x["owner"]["name"] == "user1"
    ]
    res = con.sql("SELECT id, FLATTEN(tags) AS tag FROM fake.t ORDER BY 1, 2")
    assert res.fetchall() == [(x["id"], t) for x in api.items for t in x["tags"]]


@pytest.mark.parametrize(
    ("path", "body", "want"),
    [
        ("values", b'{"values": [{"a": 1}]}', [{"a": 1}]),
        ("data.items", b'{"data": {"items": [{"a": 1}, {"a": 2}]}}', [{"a": 1}, {"a": 2}]),
        (None, b'[{"a": 1}]', [{"a": 1}]),
        (None, b'{"a": 1}', [{"a": 1}]),
        ("values", b'{"values": null}', []),
    ],
)
def test_json_data_paths(path, body, want):
    assert make_format("json", path).parse(body).records == want


def test_a_data_path_that_matches_nothing_names_what_is_there(make, api):
    con, _, _ = make(
        [{"name": "t", "url": "/jira", "data_path": "valuez", "columns": {"id": "int"}}]
    )
    with pytest.raises(
        SourceError, match=r"'valuez' matches nothing.*keys startAt.*Did you mean 'values'"
    ):
        con.sql("SELECT * FROM fake.t").fetchall()
    assert len(api.log) == 1  # a definition problem: not retried


def test_a_truncated_body_is_never_half_read():
    for name, body in [
        ("json", b'{"values": [{"a'),
        ("ndjson", b'{"a": 1}\n{"a'),
        ("xml", b"<feed><entries><entry>"),
        ("csv", b"a,b\n1,2\n3"),
    ]:
        with pytest.raises(ValueError):
            make_format(name, "values" if name == "json" else None).parse(body)


def _csv_source(tmp_path, bodies):
    """A source over an API that answers each request with the next of ``bodies``."""
    import httpx

    import distillr
    from distillr.connectors.rest import RestConnector

    sent = []

    def answer(request):
        sent.append(request)
        return httpx.Response(200, content=bodies[min(len(sent), len(bodies)) - 1])

    conn = RestConnector(
        "src",
        {
            "base_url": "http://api.test",
            "endpoints": [{"name": "t", "url": "/c", "format": "csv", "columns": {"a": "int"}}],
        },
        transport=httpx.MockTransport(answer),
        sleep=lambda s: None,
    )
    session = distillr.connect(home=tmp_path)
    session.register("src", conn)
    return session, sent


def test_a_csv_body_cut_inside_its_last_value_is_fetched_again(tmp_path):
    whole = b"a,b\r\n1,x\r\n22,y\r\n"
    session, sent = _csv_source(tmp_path, [b"a,b\r\n1,x\r\n2", whole])  # "22" cut to "2"
    assert session.sql("SELECT a FROM src.t").fetchall() == [(1,), (22,)]
    assert len(sent) == 2


def test_an_api_that_ends_without_a_line_break_is_believed_when_it_repeats(tmp_path):
    session, sent = _csv_source(tmp_path, [b"a,b\r\n1,x\r\n22,y"])
    assert session.sql("SELECT a FROM src.t").fetchall() == [(1,), (22,)]
    assert len(sent) == 2  # the same bytes twice: that is how the API writes it
    assert session.sql("SELECT a FROM src.t").fetchall() == [(1,), (22,)]
    assert len(sent) == 3  # remembered: no second look


def test_a_csv_quote_never_closed_is_retried_not_a_traceback(tmp_path):
    session, sent = _csv_source(tmp_path, [b'a,b\r\n1,"x', b"a,b\r\n1,x\r\n"])
    assert session.sql("SELECT a FROM src.t").fetchall() == [(1,)]
    assert len(sent) == 2
