"""Twilio's API 2010 spec, imported, over the Twilio sandbox: the same rows as the built-in
Twilio tables, paged by the detected ``next_page_uri``."""

from __future__ import annotations

import pytest
from openapi_rows import row_set

import distillr
from distillr.connectors.http import RetryPolicy
from distillr.connectors.rest import RestConnector
from distillr.connectors.rest.openapi import import_openapi, load_spec
from distillr.connectors.twilio import TwilioConnector

FAST = RetryPolicy(max_retries=8, backoff_base=0.001, backoff_max=0.005, retry_after_max=0.005)
TABLES = {"messages": "messages", "calls": "calls", "/Calls/:CallSid/Recordings": "call_recordings"}


@pytest.fixture(scope="module")
def sandbox():
    from distillr.sandbox import TwilioSandbox

    with TwilioSandbox(seed=7, scale="tiny") as sb:
        yield sb


@pytest.fixture(scope="module")
def imported(sandbox, specs_dir):
    spec = load_spec(specs_dir / "twilio_api_v2010.json")
    return import_openapi(
        spec,
        base_url=sandbox.base_url,
        params={"AccountSid": sandbox.account_sid},
        options={"username": sandbox.account_sid},
        include=["*/Messages.json", "*/Calls.json", "*/Calls/{CallSid}/Recordings.json"],
    )


@pytest.fixture(scope="module")
def con(sandbox, imported, tmp_path_factory):
    session = distillr.connect(home=tmp_path_factory.mktemp("home"))
    definition = imported.source_def()
    secrets = {"password": sandbox.auth_token}
    session.register("imported", RestConnector("imported", definition, secrets, retry=FAST))
    builtin = TwilioConnector(
        "twilio",
        account_sid=sandbox.account_sid,
        auth_token=sandbox.auth_token,
        base_url=sandbox.base_url,
        retry=FAST,
    )
    session.register("twilio", builtin)
    yield session
    session.close()


def test_the_three_tables_and_their_paging_are_found(imported):
    tables = {t.name: t for t in imported.report.tables}
    assert sorted(tables) == ["call_recordings", "calls", "messages"]
    assert "/Calls/:CallSid/Recordings" in tables["call_recordings"].aliases
    for ep in imported.source_def().endpoints:
        assert ep.paginator == {
            "type": "next_url",
            "next_path": "next_page_uri",
            "size_param": "PageSize",
            "size": 100,
        }


def _columns(con, table: str) -> str:
    """The built-in table's data columns (not its virtual ones), which the import must have."""
    defs = {t.name: t for t in con.connector("twilio").tables()}
    builtin = defs[table]
    names = [c.name for c in builtin.columns if c.expr is None]
    mine = {t.name: t for t in con.connector("imported").tables()}[table]
    imported = {c.name for c in mine.columns}
    assert set(names) <= imported
    return ", ".join(f"`{n}`" for n in names)


@pytest.mark.parametrize("table", ["messages", "calls"])
def test_same_rows_as_the_built_in_table(con, sandbox, table):
    cols = _columns(con, table)
    mine = con.sql(f"SELECT {cols} FROM imported.{table}")
    rows = row_set(mine)
    assert mine.stats.requests >= 2  # more than 100 rows: next_page_uri was followed
    assert len(rows) > 100
    assert rows == row_set(con.sql(f"SELECT {cols} FROM twilio.{table}"))


def test_recordings_of_calls_by_path_parameter(con):
    cols = _columns(con, "call_recordings")
    sids = [r[0] for r in con.sql("SELECT sid FROM twilio.calls ORDER BY sid LIMIT 6").fetchall()]
    listed = ", ".join(f"'{s}'" for s in sids)
    where = f"WHERE CallSid IN ({listed})"
    mine = row_set(con.sql(f"SELECT {cols} FROM imported.`/Calls/:CallSid/Recordings` {where}"))
    theirs = con.sql(f"SELECT {cols} FROM twilio.`/Calls/:CallSid/Recordings` {where}")
    assert mine
    assert mine == row_set(theirs)


def test_a_filter_travels_and_agrees(con, sandbox):
    to = con.sql("SELECT `to` FROM twilio.messages LIMIT 1").fetchall()[0][0]
    cols = _columns(con, "messages")
    sandbox.clear_requests()
    mine = row_set(con.sql(f"SELECT {cols} FROM imported.messages WHERE `to` = '{to}'"))
    assert any(dict(r["query"]).get("To") == to for r in sandbox.requests)
    assert mine
    assert mine == row_set(con.sql(f"SELECT {cols} FROM twilio.messages WHERE `to` = '{to}'"))


@pytest.fixture(scope="module")
def everything(sandbox, specs_dir, tmp_path_factory):
    """The whole API 2010 spec imported, beside the built-in connector."""
    made = import_openapi(
        load_spec(specs_dir / "twilio_api_v2010.json"),
        base_url=sandbox.base_url,
        params={"AccountSid": sandbox.account_sid},
        options={"username": sandbox.account_sid},
    )
    session = distillr.connect(home=tmp_path_factory.mktemp("all"))
    secrets = {"password": sandbox.auth_token}
    mine = RestConnector("mine", made.source_def(), secrets, retry=FAST)
    theirs = TwilioConnector(
        "theirs",
        account_sid=sandbox.account_sid,
        auth_token=sandbox.auth_token,
        base_url=sandbox.base_url,
        retry=FAST,
    )
    session.register("mine", mine)
    session.register("theirs", theirs)
    yield session, mine, theirs
    session.close()


@pytest.mark.slow
def test_every_list_table_without_parameters_gives_the_built_in_rows(everything):
    session, mine, theirs = everything
    builtin = {a.lower(): t for t in theirs.tables() for a in (t.name, *t.aliases)}
    compared = []
    for table in mine.tables():
        short = [a for a in table.aliases if not a.startswith("/2010-04-01")]
        match = builtin.get(short[0].lower()) if short and not table.parameters else None
        if match is None:
            continue
        have = {c.name for c in table.columns}
        cols = [c.name for c in match.columns if c.expr is None and c.name in have]
        shown = ", ".join(f"`{c}`" for c in cols)
        got = row_set(session.sql(f"SELECT {shown} FROM mine.`{table.name}`"))
        assert got == row_set(session.sql(f"SELECT {shown} FROM theirs.`{match.name}`")), table
        compared.append((table.name, len(got)))
    assert len(compared) >= 30  # calls, messages, recordings, usage records, sip domains ...
    assert sum(n for _, n in compared) > 1000


#: product -> the least number of its tables compared (list tables with no parameter)
PRODUCTS = {
    "conversations": 7,
    "insights": 3,
    "messaging": 3,
    "monitor": 2,
    "studio": 1,
    "verify": 3,
}


@pytest.mark.slow
@pytest.mark.parametrize("product", sorted(PRODUCTS))
def test_other_products_give_the_built_in_rows(everything, sandbox, specs_dir, product):
    session, _, theirs = everything
    (path,) = specs_dir.glob(f"twilio_{product}_*.json")
    made = import_openapi(
        load_spec(path),
        base_url=f"{sandbox.base_url}/{product}",  # the sandbox's layout for every product
        options={"username": sandbox.account_sid},
    )
    mine = RestConnector(product, made.source_def(), {"password": sandbox.auth_token}, retry=FAST)
    session.register(product, mine)
    prefix = f"/{product}/"
    builtin = {
        a[len(prefix) - 1 :].lower(): t
        for t in theirs.tables()
        for a in t.aliases
        if a.lower().startswith(prefix)
    }
    compared = 0
    for table in mine.tables():
        short = [a for a in table.aliases if not a.startswith(("/v1/", "/v2/"))]
        match = builtin.get(short[0].lower()) if short and not table.parameters else None
        if match is None:
            continue
        have = {c.name for c in table.columns}
        shown = ", ".join(f"`{c.name}`" for c in match.columns if c.expr is None and c.name in have)
        got = row_set(session.sql(f"SELECT {shown} FROM {product}.`{table.name}`"))
        assert got == row_set(session.sql(f"SELECT {shown} FROM theirs.`{match.name}`")), table
        compared += 1
    assert compared >= PRODUCTS[product]


@pytest.mark.slow
def test_tables_under_one_parent_give_the_built_in_rows(everything):
    """/Calls/:CallSid/Notifications and the like, for three parents each (from the parent
    table's sids), compared row for row with the built-in table."""
    session, mine, theirs = everything
    builtin = {a.lower(): t for t in theirs.tables() for a in (t.name, *t.aliases)}
    tables = {a.lower(): t for t in mine.tables() for a in (t.name, *t.aliases)}
    compared, rows = 0, 0
    for table in mine.tables():
        short = [a for a in table.aliases if not a.startswith("/2010-04-01")]
        match = builtin.get(short[0].lower()) if short and len(table.parameters) == 1 else None
        segments = short[0].split("/") if match else []
        at = [i for i, s in enumerate(segments) if s.startswith(":")]
        parent = tables.get("/".join(segments[: at[0]]).lower()) if len(at) == 1 else None
        if parent is None or parent.parameters or "sid" not in {c.name for c in parent.columns}:
            continue
        sids = session.sql(f"SELECT sid FROM mine.`{parent.name}` ORDER BY sid LIMIT 3")
        listed = ", ".join(f"'{r[0]}'" for r in sids.fetchall())
        if not listed:
            continue
        where = f"WHERE `{segments[at[0]][1:]}` IN ({listed})"
        have = {c.name for c in table.columns}
        shown = ", ".join(f"`{c.name}`" for c in match.columns if c.expr is None and c.name in have)
        got = row_set(session.sql(f"SELECT {shown} FROM mine.`{table.name}` {where}"))
        assert got == row_set(session.sql(f"SELECT {shown} FROM theirs.`{match.name}` {where}"))
        compared, rows = compared + 1, rows + len(got)
    assert compared >= 18 and rows > 50
