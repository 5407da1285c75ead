"""Path parameter values: refused before any request, or sent as exactly one path segment.

A value that is empty, ``.`` or ``..``, holds a control character or is longer than the API
allows never reaches the API (a dot segment would have changed the request's path: ``CallSid =
'..'`` once listed the whole account's recordings). Every other value is percent-encoded, and
the sandbox's request log shows the path as sent: the template with exactly that value in its
place.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from twilio_helpers import session_for

from distillr.errors import DistillrError, MissingParameter, SourceError, SqlError

TEMPLATE = "/2010-04-01/Accounts/{AccountSid}/AvailablePhoneNumbers/{CountryCode}/Local.json"
TABLE = "`/AvailablePhoneNumbers/:CountryCode/Local`"


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sendable(value: str) -> bool:
    import unicodedata

    return (
        value.strip() != ""
        and value not in (".", "..")
        and not any(unicodedata.category(ch) == "Cc" for ch in value)
    )


@pytest.fixture(scope="module")
def con(sandbox, tmp_path_factory):
    return session_for(sandbox, tmp_path_factory.mktemp("paths"))


def sent_paths(con, sandbox, sql):
    sandbox.clear_requests()
    try:
        con.sql(sql).fetchall()
    except SourceError:
        pass  # an unknown country may be a 404; what matters is what was sent
    return [r["raw_path"] for r in sandbox.requests]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(min_size=1, max_size=256).filter(sendable))
@example(value="?")
@example(value="/")
@example(value="#")
@example(value="%")
@example(value="%2F..%2F")
@example(value="../Calls")
@example(value="...")
@example(value="a b+c&d=e;f")
@example(value="\U0001f600")
@example(value="US")
@example(value="x" * 256)
def test_the_path_sent_is_the_template_with_exactly_that_value(con, sandbox, value):
    paths = sent_paths(
        con, sandbox, f"SELECT * FROM src.{TABLE} WHERE CountryCode = {quoted(value)}"
    )
    want = TEMPLATE.replace("{AccountSid}", sandbox.account_sid)
    assert paths == [want.replace("{CountryCode}", quote(value, safe=""))]
    # one segment in the value's place, that decodes to the value itself
    sent = paths[0].split("/")
    assert len(sent) == len(want.split("/"))
    assert unquote(sent[want.split("/").index("{CountryCode}")]) == value


@pytest.mark.parametrize(
    "value, error, words",
    [
        ("", MissingParameter, "is empty"),
        ("   ", MissingParameter, "is empty"),
        (".", SqlError, "may not be '.' or '..'"),
        ("..", SqlError, "may not be '.' or '..'"),
        ("U\x00S", SqlError, "control character"),
        ("U\nS", SqlError, "control character"),
        ("U\x85S", SqlError, "control character"),
        ("x" * 257, SqlError, "at most 256"),
    ],
)
def test_bad_values_are_refused_before_any_request(con, sandbox, value, error, words):
    sql = f"SELECT * FROM src.{TABLE} WHERE CountryCode = {quoted(value)}"
    sandbox.clear_requests()
    with pytest.raises(error) as info:
        con.sql(sql).fetchall()
    assert words in str(info.value) and "CountryCode" in str(info.value)
    assert list(sandbox.requests) == []


@pytest.mark.parametrize(
    "sql",
    [
        # a CallSid is 34 characters in Twilio's spec
        "SELECT * FROM src.`/Calls/:CallSid/Recordings` WHERE CallSid = 'CA{}'".format("0" * 33),
        "SELECT * FROM src.`/Calls/:CallSid/Recordings` WHERE CallSid = '..'",
        "SELECT * FROM src.`/Calls/:CallSid/Recordings` WHERE CallSid IN ('CA{}', '.')".format(
            "0" * 32
        ),
        "SELECT * FROM src.messages WHERE account_sid = '..'",
        "SELECT * FROM src.messages WHERE account_sid IN ('{sub}', '')",
    ],
)
def test_refused_with_subaccounts_too_before_the_account_listing(sandbox, tmp_path, sql):
    con = session_for(sandbox, tmp_path, subaccounts=True)
    sandbox.clear_requests()
    with pytest.raises(DistillrError) as info:
        con.sql(sql.replace("{sub}", sandbox.subaccount_sid)).fetchall()
    assert (
        "cannot be sent" in str(info.value)
        or "at most 34" in str(info.value)
        or ("empty" in str(info.value))
    )
    assert list(sandbox.requests) == []
