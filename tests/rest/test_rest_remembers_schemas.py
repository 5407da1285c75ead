"""A Custom API table sampled when a query first names it keeps its schema: the registry saves
it, so the next session does not sample again."""

from __future__ import annotations

import pytest
from jira_rows import sent

import distillr
from distillr.connectors.rest import template
from distillr.registry import Registry
from distillr.sandbox import JiraSandbox

QUERY = "SELECT `id`, `name` FROM `myjira`.`/board` ORDER BY `id` LIMIT 3"


@pytest.fixture(scope="module")
def sb():
    with JiraSandbox(seed=5, scale="small") as box:
        yield box


@pytest.fixture()
def home(sb, tmp_path):
    """A registry holding the JIRA template's source, saved without sampling any table."""
    t = template("jira")
    definition = t.definition({"domain": sb.base_url, "email": sb.email})
    secrets = t.source_secrets({"api_token": sb.api_token})
    Registry(tmp_path).add("rest", "myjira", definition.to_dict(), secrets, verify=False)
    return tmp_path


def _inferred(home, endpoint: str):
    options = Registry(home).get("myjira").options
    return next(e for e in options["endpoints"] if e["name"] == endpoint).get("schema")


def test_a_schema_sampled_on_use_is_saved(sb, home):
    assert _inferred(home, "board") is None
    sb.clear_requests()
    with distillr.connect(home=home) as con:
        first = con.sql(QUERY).fetchall()
    sampled = len(sent(sb))
    assert sampled >= 2  # the sample, then the query's own page
    assert _inferred(home, "board")  # saved as soon as it was learned

    sb.clear_requests()
    with distillr.connect(home=home) as con:
        again = con.sql(QUERY).fetchall()
    assert again == first
    assert len(sent(sb)) == 1  # the query's page only: nothing sampled again


def test_an_edit_meanwhile_is_not_overwritten(sb, home):
    with distillr.connect(home=home) as con:
        con.connector("myjira")  # built from the source as it is now
        Registry(home).update("myjira", {"concurrency": 3}, verify=False)
        con.sql(QUERY).fetchall()
    # the source changed after the session read it: its learned schema is not saved over it
    assert Registry(home).get("myjira").options["concurrency"] == 3
    assert _inferred(home, "board") is None
