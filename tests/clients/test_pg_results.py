"""Results over the wire in both formats: psycopg's binary cursors (Bind asks for binary
results) and its text ones give the rows of the same query in process, type for type."""

from __future__ import annotations

import psycopg
import pytest

import distillr
from distillr.pg import PgServer

#: a column of each type the server advertises, from a source scan
SQL = """
SELECT sid, status, num_segments,
       CAST(num_segments AS SMALLINT) AS i2, CAST(num_segments AS INTEGER) AS i4,
       num_segments > 1 AS many, error_code,
       date_sent, CAST(date_sent AS TIMESTAMP) AS naive, CAST(date_sent AS DATE) AS sent_day,
       CAST(CAST(date_sent AS TIMESTAMP) AS TIME) AS clock, date_sent - date_created AS gap,
       price, CAST(price AS DOUBLE) AS f8, CAST(price AS REAL) AS f4,
       subresource_uris, CAST(sid AS VARBINARY) AS raw
FROM tw.messages ORDER BY sid
"""


@pytest.fixture(scope="module")
def pg(registry_home):
    server = PgServer(registry_home, port=0)
    with server.running():
        yield server


@pytest.fixture(scope="module")
def in_process(registry_home):
    with distillr.connect(home=str(registry_home)) as session:
        yield session.sql(SQL).fetchall()


def dsn(server) -> str:
    return f"host=127.0.0.1 port={server.port} dbname=distillr user=me sslmode=disable"


def without_f4(rows) -> list[tuple]:
    """float4 is compared on its own: its text reads back as the shortest decimal, its
    binary as the float32 value itself (as from PostgreSQL)."""
    return [row[:14] + row[15:] for row in rows]


@pytest.mark.parametrize("binary", [True, False], ids=["binary", "text"])
def test_psycopg_rows_equal_the_in_process_rows(pg, in_process, binary):
    with psycopg.connect(dsn(pg)) as conn, conn.cursor(binary=binary) as cur:
        cur.execute(SQL)
        rows = cur.fetchall()
        if binary:  # psycopg only asks for binary results when told to: check it did
            assert cur.pgresult.fformat(0) == 1
        else:
            assert cur.pgresult.fformat(0) == 0
    assert len(rows) == len(in_process) > 50
    assert without_f4(rows) == without_f4(in_process)
    for got, want in zip(rows, in_process):
        for a, b in zip(got, want):  # the same Python types, not only equal values
            assert type(a) is type(b) or a is None or b is None, (a, b)
        assert got[14] == pytest.approx(want[14], rel=1e-6) if want[14] is not None else True


def test_a_binary_server_side_cursor_fetches_in_batches(pg, in_process):
    with psycopg.connect(dsn(pg)) as conn, conn.cursor(name="big", binary=True) as cur:
        cur.execute(SQL)
        rows = []
        while batch := cur.fetchmany(40):
            rows += batch
    assert without_f4(rows) == without_f4(in_process)


def test_results_with_parameters_in_binary(pg, registry_home):
    sql = "SELECT sid, num_segments, price FROM tw.messages WHERE num_segments >= %s ORDER BY sid"
    with psycopg.connect(dsn(pg)) as conn, conn.cursor(binary=True) as cur:
        rows = cur.execute(sql, (2,)).fetchall()
    with distillr.connect(home=str(registry_home)) as session:
        want = session.sql(sql.replace("%s", "2")).fetchall()
    assert rows == want and rows


def test_a_declared_binary_cursor_sends_binary_rows(pg):
    """DECLARE ... BINARY CURSOR, fetched with the simple query protocol."""
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        text = conn.execute("SELECT num_segments FROM tw.messages ORDER BY sid LIMIT 3").fetchall()
        conn.execute(
            "DECLARE c BINARY CURSOR FOR SELECT num_segments FROM tw.messages ORDER BY sid"
        )
        result = conn.pgconn.exec_(b"FETCH 3 FROM c")
        assert result.fformat(0) == 1
        got = [(int.from_bytes(result.get_value(i, 0), "big", signed=True),) for i in range(3)]
        conn.execute("CLOSE c")
    assert got == text


def _raw(server, *messages: bytes) -> list[tuple[bytes, bytes]]:
    """Log in on a bare socket, send ``messages`` and Sync, and read up to ReadyForQuery."""
    import socket
    import struct

    def msg(kind: bytes, body: bytes) -> bytes:
        return kind + struct.pack("!i", len(body) + 4) + body

    def read_all(sock) -> list[tuple[bytes, bytes]]:
        out, data = [], b""
        while True:
            while len(data) < 5 or len(data) < 1 + int.from_bytes(data[1:5], "big"):
                data += sock.recv(65536)
            size = 1 + int.from_bytes(data[1:5], "big")
            out.append((data[:1], data[5:size]))
            data = data[size:]
            if out[-1][0] == b"Z":
                return out

    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        body = struct.pack("!i", 196608) + b"user\0me\0database\0distillr\0\0"
        sock.sendall(struct.pack("!i", len(body) + 4) + body)
        read_all(sock)
        sock.sendall(b"".join(msg(k, b) for k, b in messages) + msg(b"S", b""))
        return read_all(sock)


def test_a_bind_with_the_wrong_count_of_result_formats_is_refused(pg):
    import struct

    parse = b"\0SELECT sid, status FROM tw.messages LIMIT 1\0" + struct.pack("!h", 0)
    three = struct.pack("!hhhhhh", 0, 0, 3, 1, 1, 1)  # no parameters; 3 result formats
    got = _raw(pg, (b"P", parse), (b"B", b"\0\0" + three), (b"E", b"\0" + struct.pack("!i", 0)))
    kinds = [k for k, _ in got]
    assert kinds[:2] == [b"1", b"2"] and b"E" in kinds and b"D" not in kinds, kinds
    error = next(body for k, body in got if k == b"E")
    assert b"3 result formats for a result of 2 columns" in error
    one = struct.pack("!hhhh", 0, 0, 1, 1)  # one code: every column binary
    got = _raw(pg, (b"P", parse), (b"B", b"\0\0" + one), (b"E", b"\0" + struct.pack("!i", 0)))
    assert [k for k, _ in got] == [b"1", b"2", b"D", b"C", b"Z"]
