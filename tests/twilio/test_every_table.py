"""Every generated table answers SELECT * ... LIMIT 5 against the sandbox.

Tables with path parameters get their values from the sandbox's data: each parameter is the
key (the ``fetch_param`` column) of the list one level up, read through distillr itself.
"""

from __future__ import annotations

import re

import pytest
from twilio_helpers import session_for

from distillr.catalogs import load
from distillr.connectors.twilio.naming import param_column
from distillr.connectors.twilio.tables import twilio_tables
from distillr.errors import SourceError

pytestmark = pytest.mark.filterwarnings("ignore")

TABLES = twilio_tables()
BY_PATH = {(t.endpoint["product"], t.endpoint["path"]): t for t in TABLES}


#: parameters whose list lives in another product (Insights' calls are API 2010's calls)
ELSEWHERE = {"CallSid": ("api", "/2010-04-01/Accounts/{AccountSid}/Calls.json")}


def parent_of(product: str, path: str, param: str):
    """The table listing the resources whose key fills ``{param}`` in ``path``."""
    head = path[: path.index("{" + param + "}")].rstrip("/")
    for candidate in ((product, head + ".json"), (product, head), ELSEWHERE.get(param)):
        if candidate in BY_PATH:
            return BY_PATH[candidate]
    return None


@pytest.fixture(scope="module")
def session(sandbox, tmp_path_factory):
    return session_for(sandbox, tmp_path_factory.mktemp("home"))


def bound_values(session, t) -> dict[str, str] | None:
    values: dict[str, str] = {}
    for param in re.findall(r"\{([^}]+)\}", t.endpoint["path"]):
        if param == "AccountSid":
            continue
        parent = parent_of(t.endpoint["product"], t.endpoint["path"], param)
        assert parent is not None, f"no list to take {param} from for {t.name}"
        key = param_column(parent.endpoint.get("fetch_param") or "Sid")
        where = " AND ".join(
            f"{parent.path_params[p]} = '{v}'" for p, v in values.items() if p in parent.path_params
        )
        sql = (
            f"SELECT {key} FROM src.{parent.name}"
            + (f" WHERE {where}" if where else "")
            + " LIMIT 1"
        )
        got = session.sql(sql).fetchall()
        if not got or got[0][0] is None:
            return None
        values[param] = got[0][0]
    return values


def test_the_catalog_has_every_endpoint():
    assert len(TABLES) == len(load("twilio")["endpoints"]) > 100


@pytest.mark.parametrize("name", [t.name for t in TABLES])
def test_select_star_limit_5(session, sandbox, name):
    t = next(x for x in TABLES if x.name == name)
    values = bound_values(session, t)
    if values is None:  # no parent rows: a made-up key must give an answer or a clean 404
        values = {p: "XX" + "0" * 32 for p in t.path_params}
        sql = (
            f"SELECT * FROM src.{name} WHERE "
            + " AND ".join(f"{t.path_params[p]} = '{v}'" for p, v in values.items())
            + " LIMIT 5"
        )
        try:
            result = session.sql(sql).arrow()
        except SourceError as err:
            assert err.status == 404 and "XX000" in str(err)
        else:
            assert result.num_rows <= 5 and result.schema.names == t.table.schema.names
        return
    where = " AND ".join(f"{t.path_params[p]} = '{v}'" for p, v in values.items())
    sql = f"SELECT * FROM src.{name}" + (f" WHERE {where}" if where else "") + " LIMIT 5"
    sandbox.clear_requests()
    result = session.sql(sql).arrow()
    assert result.num_rows <= 5
    assert result.schema.names == t.table.schema.names
    assert "account_sid" in result.schema.names
    log = list(sandbox.requests)
    assert log and all(r["status"] == 200 for r in log)
    assert all(dict(r["query"]).get("PageSize") == "5" for r in log)
