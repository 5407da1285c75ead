"""Definitions: loading from files, text and dicts; clear errors with file, line and field;
export without secrets; settings declared once; the shipped JIRA template."""

from __future__ import annotations

import json

import pytest

from distillr.connectors.rest import (
    DefinitionError,
    RestConnector,
    SourceDef,
    dump_yaml,
    load_definition,
    load_file,
    load_text,
    template,
    template_names,
)
from distillr.connectors.rest.settings import REST_SETTINGS
from distillr.connectors.settings import Setting, SettingError, Settings
from distillr.errors import ConfigError

GOOD = """\
base_url: https://api.example.com
auth: {type: bearer}
requests_per_second: 5
endpoints:
  - name: items
    url: /v1/items/{group=all}
    data_path: data.items
    paginator: {type: offset, size: 50, total_path: total}
    params:
      - {name: updated_since, column: updated, op: gte, type: timestamp, format: epoch_ms}
    columns: {id: int, updated: timestamp}
"""

BAD = [
    (
        "unknown field",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a\n    data_pth: v\n",
        5,
        "endpoints[0].data_pth: unknown field 'data_pth'. Did you mean 'data_path'?",
    ),
    (
        "bad url template",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a/{id\n",
        4,
        "endpoints[0].url: '{' at position 3 of '/a/{id' is never closed",
    ),
    (
        "bad placeholder",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a/{1d}\n",
        4,
        "bad placeholder '{1d}'",
    ),
    (
        "query in url",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a?x=1\n",
        4,
        "has a query string",
    ),
    (
        "wrong type",
        "base_url: http://x.test\nconcurrency: lots\nendpoints:\n  - {name: a, url: /a}\n",
        2,
        "concurrency: Input should be a valid integer",
    ),
    (
        "bad paginator",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a\n"
        "    paginator: {type: cursor}\n",
        5,
        "cursor_path is required",
    ),
    (
        "unknown paginator",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a\n    paginator: offest\n",
        5,
        "Did you mean 'offset'?",
    ),
    (
        "bad column type",
        "base_url: http://x.test\nendpoints:\n  - name: a\n    url: /a\n    columns: {x: integr}\n",
        5,
        "unknown type 'integr'",
    ),
    (
        "secret inline",
        "base_url: http://x.test\nauth: {type: bearer, token: abc}\nendpoints:\n"
        "  - {name: a, url: /a}\n",
        2,
        "'token' is a secret",
    ),
    (
        "bad base url",
        "base_url: ftp://x.test\nendpoints:\n  - {name: a, url: /a}\n",
        1,
        "base_url must start with http:// or https://",
    ),
    (
        "duplicate",
        "base_url: http://x.test\nendpoints:\n  - {name: a, url: /a}\n  - {name: A, url: /b}\n",
        1,
        "two endpoints answer to the name 'A'",
    ),
    ("no endpoints", "base_url: http://x.test\nendpoints: []\n", 2, "endpoints"),
]


def test_a_good_definition_loads_and_exports_back(tmp_path):
    d = load_text(GOOD, "good.yaml")
    assert d.endpoints[0].all_params()[0].default == "all"
    again = load_text(dump_yaml(d))
    assert again == d
    path = tmp_path / "good.json"
    path.write_text(json.dumps(d.to_dict()))
    assert load_file(path) == d
    assert load_definition(d.to_dict()) == d


@pytest.mark.parametrize(("case", "text", "line", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_definitions_name_file_line_and_field(case, text, line, message):
    with pytest.raises(DefinitionError) as info:
        load_text(text, "bad.yaml")
    assert f"bad.yaml, line {line}" in str(info.value)
    assert message in str(info.value)
    assert info.value.problems[0][0] == line


def test_json_errors_name_the_line(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(
        '{\n  "base_url": "http://x.test",\n  "endpoints": [\n    {"name": "a",\n'
        '     "url": "/a", "method": "PUT"}]\n}\n'
    )
    with pytest.raises(DefinitionError, match=r"d.json, line 5, endpoints\[0\].method"):
        load_file(path)
    path.write_text('{"base_url": }')
    with pytest.raises(DefinitionError, match=r"d\.json, line 1: not valid JSON"):
        load_file(path)


def test_no_request_is_sent_for_a_bad_definition():
    import httpx

    sent = []
    with pytest.raises(ConfigError):
        RestConnector(
            "x",
            {"base_url": "http://x.test", "endpoints": [{"name": "a", "url": "/{"}]},
            transport=httpx.MockTransport(lambda r: sent.append(r)),
        )
    assert sent == []


def test_export_never_holds_secrets():
    c = RestConnector("x", load_text(GOOD), {"token": "tok-secret-value-123"})
    assert "tok-secret-value-123" not in dump_yaml(c.definition)


def test_settings_validate_and_name_the_field():
    s = Settings(
        [
            Setting("port", "integer", "the port", minimum=1),
            Setting("key", "string", "a key", secret=True, required=True),
        ]
    )
    assert s.validate({"port": "80"}, {"key": "k"}) == {"port": 80, "key": "k"}
    with pytest.raises(SettingError) as info:
        s.validate({"key": "k"}, {})
    assert info.value.field == "key"
    with pytest.raises(SettingError, match="'key' is a secret"):
        s.validate({"key": "k"})
    with pytest.raises(SettingError, match="must be at least 1"):
        s.validate({"port": 0})


def test_rest_settings_declare_every_definition_field():
    options = {s.name for s in REST_SETTINGS.options}
    assert options == set(SourceDef.model_fields)
    assert {s.name for s in REST_SETTINGS.secrets} == {
        "password",
        "token",
        "api_key",
        "client_secret",
        "refresh_token",
    }
    assert set(REST_SETTINGS.identity) == {"base_url", "auth"}
    assert RestConnector.settings is REST_SETTINGS


def test_twilio_settings_match_its_options():
    from distillr.connectors.twilio import TwilioConnector
    from distillr.connectors.twilio.connector import OPTIONS

    assert set(TwilioConnector.settings.names) == set(OPTIONS)
    assert {s.name for s in TwilioConnector.settings.secrets} == {"auth_token", "api_secret"}
    assert "account_sid" in TwilioConnector.settings.identity


def test_the_jira_template():
    assert "jira" in template_names()
    t = template("jira")
    assert [s.name for s in t.all_settings()] == ["domain", "email", "api_token"]
    d = t.definition({"domain": "https://team.atlassian.net", "email": "me@x.test"})
    assert d.base_url == "https://team.atlassian.net"
    c = RestConnector("jira", d, t.source_secrets({"api_token": "tok-123456789"}))
    names = {a for tbl in c.tables() for a in (tbl.name, *tbl.aliases)}
    for alias in [
        "/board",
        "/board/:boardId",
        "/board/:boardId/epic",
        "/board/:boardId/issue",
        "/board/:boardId/project",
        "/board/:boardId/sprint",
        "/project/search",
        "/issue/:issueIdOrKey",
        "/search/jql",
    ]:
        assert alias in names
    assert c.rest_table("/search/jql").table.parameters == ("jql",)  # no sampling
    assert c.rest_table("/board/:boardId/epic").table.parameters == ("boardId",)
    with pytest.raises(SettingError, match="domain"):
        t.definition({"email": "me@x.test"})
    with pytest.raises(ConfigError, match="Did you mean 'jira'"):
        template("jiraa")


def test_registry_saves_a_rest_source(tmp_path):
    from distillr.registry import Registry

    reg = Registry(tmp_path)
    d = load_text(GOOD)
    info = reg.add("rest", "api", d.to_dict(), {"token": "tok-secret-value-123"}, verify=False)
    assert info.type == "rest" and "tok-secret-value-123" not in json.dumps(info.to_dict())
    conn = reg.connector("api")
    assert isinstance(conn, RestConnector) and conn.definition == d
