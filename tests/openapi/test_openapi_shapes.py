"""The import's rules on small specs: schemas as columns, parameters, paging, names, auth,
Swagger 2.0 and YAML."""

from __future__ import annotations

import json

import pytest

from distillr.connectors.rest import RestConnector
from distillr.connectors.rest.openapi import OpenApiError, Spec, import_openapi, parse_spec

BASE = "https://api.example.com"


def spec3(paths, schemas=None, version="3.1.0", **top):
    return Spec(
        {
            "openapi": version,
            "info": {"title": "Example", "version": "1"},
            "servers": [{"url": BASE}],
            "paths": paths,
            "components": {"schemas": schemas or {}},
            **top,
        }
    )


def get(schema, params=(), headers=None, **op):
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = {h: {"schema": {"type": "string"}} for h in headers}
    return {"get": {"parameters": list(params), "responses": {"200": response}, **op}}


def q(name, schema=None, **kw):
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}, **kw}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def only(made):
    (ep,) = made.source_def().endpoints
    return ep


ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "description": "The item's id."},
        "name": {"type": ["string", "null"]},
        "price": {"type": "number", "nullable": True},
        "created": {"type": "string", "format": "date-time"},
        "day": {"type": "string", "format": "date"},
        "state": {"type": "string", "enum": ["open", "closed"]},
        "owner": {"type": "object", "properties": {"login": {"type": "string"}}},
        "tags": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object", "additionalProperties": True},
    },
}


def test_columns_follow_the_schema_with_descriptions_and_enums():
    made = import_openapi(
        spec3({"/items": get({"type": "array", "items": ref("Item")})}, {"Item": ITEM})
    )
    ep = only(made)
    assert ep.inferred == {
        "id": "int",
        "name": "string",
        "price": "float",
        "created": "timestamp",
        "day": "date",
        "state": "string",
        "owner": {"login": "string"},
        "tags": ["string"],
        "meta": "json",
    }
    assert ep.data_path is None
    table = RestConnector("x", made.source_def()).tables()[0]
    help_of = {c.name: c.description for c in table.columns}
    assert help_of["id"] == "The item's id."
    assert help_of["state"] == "One of: open, closed."


def test_all_of_merges_and_one_of_widens():
    schemas = {
        "Base": {"type": "object", "properties": {"id": {"type": "integer"}}},
        "Item": {
            "allOf": [
                ref("Base"),
                {
                    "type": "object",
                    "properties": {
                        "n": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
                        "v": {
                            "anyOf": [
                                {"type": "string"},
                                {"type": "object", "properties": {"a": {"type": "string"}}},
                            ]
                        },
                        "w": {"type": ["integer", "string"]},
                        "x": {"anyOf": [ref("Base"), {"type": "null"}]},
                    },
                },
            ]
        },
    }
    made = import_openapi(spec3({"/items": get({"type": "array", "items": ref("Item")})}, schemas))
    assert only(made).inferred == {
        "id": "int",
        "n": "float",
        "v": "json",
        "w": "string",
        "x": {"id": "int"},
    }


def test_a_schema_inside_itself_is_json():
    schemas = {
        "Node": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "parent": ref("Node")},
        }
    }
    made = import_openapi(spec3({"/nodes": get({"type": "array", "items": ref("Node")})}, schemas))
    assert only(made).inferred == {"id": "string", "parent": "json"}


def test_the_data_path_is_the_one_list_of_records():
    page = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "labels": {"type": "array", "items": {"type": "string"}},
            "results": {"type": "array", "items": ref("Item")},
        },
    }
    ep = only(import_openapi(spec3({"/items": get(page)}, {"Item": ITEM})))
    assert ep.data_path == "results"
    nested = {
        "type": "object",
        "properties": {
            "data": {
                "type": "object",
                "properties": {"items": {"type": "array", "items": ref("Item")}},
            }
        },
    }
    assert (
        only(import_openapi(spec3({"/items": get(nested)}, {"Item": ITEM}))).data_path
        == "data.items"
    )


def test_a_single_record_operation_has_a_path_parameter():
    paths = {
        "/v2/items": get({"type": "array", "items": ref("Item")}),
        "/v2/items/{itemId}": get(
            ref("Item"),
            [{"name": "itemId", "in": "path", "required": True, "schema": {"type": "integer"}}],
        ),
    }
    made = import_openapi(spec3(paths, {"Item": ITEM}))
    by_name = {ep.name: ep for ep in made.source_def().endpoints}
    one = by_name["item_by_id"]
    assert one.aliases == ["/items/:itemId"]
    assert one.params[0].model_dump(exclude_defaults=True) == {
        "name": "itemId",
        "column": "id",
        "type": "integer",
        "location": "path",
    }
    assert by_name["items"].aliases == ["/items"]
    table = {t.name: t for t in RestConnector("x", made.source_def()).tables()}["item_by_id"]
    assert table.parameters == ("id",)


def test_query_parameters_types_formats_and_columns():
    params = [
        q("since", {"type": "string", "format": "date-time"}),
        q("day", {"type": "string", "format": "date"}),
        q("state", {"type": "string", "enum": ["open", "closed"]}, description="Filter by state."),
        q("owner_id", {"type": "integer"}, required=True),
        q("created[gte]", {"type": "string"}),
        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
    ]
    ep = only(
        import_openapi(
            spec3({"/items": get({"type": "array", "items": ref("Item")}, params)}, {"Item": ITEM})
        )
    )
    got = {p.name: p.model_dump(exclude_defaults=True) for p in ep.params}
    assert got == {
        "since": {"name": "since", "type": "timestamp"},
        "day": {"name": "day", "exact": False, "type": "date", "format": "date"},
        "state": {
            "name": "state",
            "exact": False,
            "description": "Filter by state. One of: open, closed.",
        },
        "owner_id": {"name": "owner_id", "required": True, "type": "integer"},
    }


def test_a_filters_description_shows_on_a_column_without_one():
    params = [q("owner", {"type": "string", "enum": ["me", "you"]}, description="Whose.")]
    schemas = {"Item": {"type": "object", "properties": {"owner": {"type": "string"}}}}
    made = import_openapi(
        spec3({"/items": get({"type": "array", "items": ref("Item")}, params)}, schemas)
    )
    assert only(made).descriptions == {"owner": "Whose. One of: me, you."}


def test_a_required_header_parameter_skips_the_operation():
    params = [{"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}}]
    paths = {
        "/a": get({"type": "array", "items": ref("Item")}, params),
        "/b": get({"type": "array", "items": ref("Item")}),
    }
    made = import_openapi(spec3(paths, {"Item": ITEM}))
    assert [t.name for t in made.report.tables] == ["b"]
    assert "header parameter X-Tenant" in made.report.skipped[0].reason


PAGES = [
    (
        [q("startAt", {"type": "integer"}), q("maxResults", {"type": "integer", "default": 50})],
        {
            "startAt": {"type": "integer"},
            "total": {"type": "integer"},
            "values": {"type": "array", "items": ref("Item")},
        },
        {
            "type": "start_at",
            "start_param": "startAt",
            "size_param": "maxResults",
            "size": 50,
            "total_path": "total",
            "last_path": None,
        },
    ),
    (
        [q("offset", {"type": "integer"}), q("limit", {"type": "integer", "maximum": 40})],
        {
            "count": {"type": "integer"},
            "total_count": {"type": "integer"},
            "data": {"type": "array", "items": ref("Item")},
        },
        {
            "type": "offset",
            "offset_param": "offset",
            "size_param": "limit",
            "size": 40,
            "total_path": "total_count",
            "short_page_ends": True,  # limit declares a maximum
        },
    ),
    (
        [q("page", {"type": "integer"}), q("per_page", {"type": "integer"})],
        {"total_pages": {"type": "integer"}, "items": {"type": "array", "items": ref("Item")}},
        {
            "type": "page",
            "page_param": "page",
            "size_param": "per_page",
            "size": 100,
            "total_pages_path": "total_pages",
        },
    ),
    (
        [q("starting_after"), q("limit", {"type": "integer", "default": 10})],
        {"has_more": {"type": "boolean"}, "data": {"type": "array", "items": ref("Item")}},
        {
            "type": "cursor",
            "cursor_path": "data.-1.id",
            "cursor_param": "starting_after",
            "has_more_path": "has_more",
            "size_param": "limit",
            "size": 10,
        },
    ),
    (
        [q("cursor"), q("page_size", {"type": "integer"})],
        {
            "meta": {"type": "object", "properties": {"next_cursor": {"type": "string"}}},
            "items": {"type": "array", "items": ref("Item")},
        },
        {
            "type": "cursor",
            "cursor_path": "meta.next_cursor",
            "cursor_param": "cursor",
            "size_param": "page_size",
            "size": 100,
        },
    ),
    (
        [q("nextPageToken")],
        {"nextPageToken": {"type": "string"}, "issues": {"type": "array", "items": ref("Item")}},
        {"type": "cursor", "cursor_path": "nextPageToken", "cursor_param": "nextPageToken"},
    ),
    (
        [q("PageSize", {"type": "integer"})],
        {"next_page_url": {"type": "string"}, "items": {"type": "array", "items": ref("Item")}},
        {"type": "next_url", "next_path": "next_page_url", "size_param": "PageSize", "size": 100},
    ),
    (
        [],
        {
            "links": {
                "type": "object",
                "properties": {
                    "next": {"type": "object", "properties": {"href": {"type": "string"}}}
                },
            },
            "items": {"type": "array", "items": ref("Item")},
        },
        {"type": "next_url", "next_path": "links.next.href"},
    ),
]


@pytest.mark.parametrize(("params", "props", "expected"), PAGES, ids=lambda x: "")
def test_paging_is_detected(params, props, expected):
    schema = {"type": "object", "properties": props}
    ep = only(import_openapi(spec3({"/items": get(schema, params)}, {"Item": ITEM})))
    assert ep.paginator == expected
    paging = {p["name"] for p in params}
    assert not paging & {p.name for p in ep.params}  # the paginator's, not filters


def test_link_headers_and_an_override_per_table():
    paths = {
        "/items": get(
            {"type": "array", "items": ref("Item")},
            [q("per_page", {"type": "integer"})],
            headers=["Link"],
        )
    }
    ep = only(import_openapi(spec3(paths, {"Item": ITEM})))
    assert ep.paginator == {"type": "link_header", "size_param": "per_page", "size": 100}
    mine = {"type": "page", "page_param": "p"}
    ep = only(import_openapi(spec3(paths, {"Item": ITEM}), paginators={"items": mine}))
    assert ep.paginator == mine


def test_names_clash_the_same_way_every_time():
    item = {"type": "array", "items": ref("Item")}
    paths = {"/v2/board": get(item), "/v1/board": get(item), "/board-list": get(item)}
    made = import_openapi(spec3(paths, {"Item": ITEM}))
    got = {t.path: (t.name, t.aliases) for t in made.report.tables}
    assert got == {
        "/v1/board": ("board", ("/board", "/v1/board")),
        "/v2/board": ("board_2", ("/v2/board",)),
        "/board-list": ("board_list", ("/board-list",)),
    }


def test_include_and_exclude_by_glob_or_tag():
    item = {"type": "array", "items": ref("Item")}
    paths = {"/a": get(item, tags=["Alpha"]), "/b": get(item, tags=["Beta"]), "/b/c": get(item)}
    spec = spec3(paths, {"Item": ITEM})
    assert [t.name for t in import_openapi(spec, include=["alpha"]).report.tables] == ["a"]
    assert [t.name for t in import_openapi(spec, include=["/b*"]).report.tables] == ["b", "b_c"]
    made = import_openapi(spec, exclude=["/b/*", "Alpha"])
    assert [t.name for t in made.report.tables] == ["b"]
    assert {s.reason for s in made.report.skipped} == {"excluded by /b/*", "excluded by Alpha"}


AUTHS = [
    ({"type": "http", "scheme": "bearer"}, {"type": "bearer"}, {}),
    (
        {"type": "apiKey", "in": "query", "name": "key"},
        {"type": "api_key", "name": "key", "location": "query"},
        {},
    ),
    (
        {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "https://auth.example.com/t",
                    "scopes": {"read": "", "write": ""},
                }
            },
        },
        {
            "type": "oauth2_client_credentials",
            "token_url": "https://auth.example.com/t",
            "scope": "read write",
            "client_id": "cid",
        },
        {"client_id": "cid"},
    ),
    ({"type": "http", "scheme": "basic"}, {"type": "basic", "username": "me"}, {"username": "me"}),
]


@pytest.mark.parametrize(("scheme", "auth", "options"), AUTHS, ids=lambda x: "")
def test_security_schemes_set_the_auth(scheme, auth, options):
    spec = spec3({"/items": get({"type": "array", "items": ref("Item")})}, {"Item": ITEM})
    spec.data["components"]["securitySchemes"] = {"s": scheme}
    made = import_openapi(spec, options=options)
    assert made.source_def().auth == auth
    assert "password" not in json.dumps(made.definition)


def test_basic_auth_without_a_user_name_says_what_to_give():
    spec = spec3({"/items": get({"type": "array", "items": ref("Item")})}, {"Item": ITEM})
    spec.data["components"]["securitySchemes"] = {"s": {"type": "http", "scheme": "basic"}}
    made = import_openapi(spec)  # a dry run needs none
    with pytest.raises(OpenApiError, match="--option username="):
        made.source_def()
    with pytest.raises(OpenApiError, match="no option 'password'"):
        import_openapi(spec, options={"password": "x"})


SWAGGER = """
swagger: "2.0"
info: {title: Pets, version: "1"}
host: pets.example.com
basePath: /api
schemes: [https]
securityDefinitions:
  key: {type: apiKey, in: header, name: X-Key}
paths:
  /v1/pets:
    get:
      parameters:
        - {name: limit, in: query, type: integer, maximum: 20}
        - {name: offset, in: query, type: integer}
        - {name: born, in: query, type: string, format: date}
      responses:
        "200":
          description: ok
          schema: {type: array, items: {$ref: "#/definitions/Pet"}}
definitions:
  Pet:
    type: object
    properties:
      id: {type: integer}
      born: {type: string, format: date}
"""


def test_swagger_2_in_yaml():
    made = import_openapi(parse_spec(SWAGGER, "pets.yaml"))
    sd = made.source_def()
    assert sd.base_url == "https://pets.example.com/api"
    assert sd.auth == {"type": "api_key", "name": "X-Key", "location": "header"}
    (ep,) = sd.endpoints
    assert (ep.name, ep.aliases) == ("pets", ["/pets"])
    assert ep.paginator == {
        "type": "offset",
        "offset_param": "offset",
        "size_param": "limit",
        "size": 20,
        "short_page_ends": True,
    }
    assert ep.inferred == {"id": "int", "born": "date"}
    (born,) = ep.params
    assert (born.type, born.format, born.column, born.exact) == ("date", "date", None, False)


def test_parameters_given_for_the_whole_source():
    item = {"type": "array", "items": ref("Item")}
    acc = {"name": "AccountSid", "in": "path", "required": True, "schema": {"type": "string"}}
    paths = {
        "/2010-04-01/Accounts/{AccountSid}/Items.json": get(
            item, [acc, q("limit", {"type": "integer"})]
        )
    }
    made = import_openapi(spec3(paths, {"Item": ITEM}), params={"AccountSid": "AC1", "Nope": "x"})
    ep = only(made)
    assert ep.url == "/2010-04-01/Accounts/{AccountSid=AC1}/Items.json"
    assert ep.aliases == ["/Items"]
    assert made.report.notes == ["no table has a parameter Nope"]
    table = RestConnector("x", made.source_def()).tables()[0]
    assert table.parameters == ()  # AccountSid has its value


def test_a_parent_s_plain_id_is_not_the_records_id():
    user_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
    call = {"name": "CallSid", "in": "path", "required": True, "schema": {"type": "string"}}
    item = {"type": "array", "items": ref("Repo")}
    repo = {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "call_sid": {"type": "string"}},
    }
    paths = {"/users/{id}/repos": get(item, [user_id]), "/Calls/{CallSid}/Repos": get(item, [call])}
    made = import_openapi(spec3(paths, {"Repo": repo}))
    params = {ep.name: ep.params[0] for ep in made.source_def().endpoints}
    assert params["user_repos"].column == "user_id"  # WHERE id = 5 stays about a repo's id
    assert params["call_repos"].column == "call_sid"


def test_a_query_parameter_named_like_a_column_of_another_type_gets_its_own():
    params = [q("created", {"type": "string"})]
    made = import_openapi(
        spec3({"/items": get({"type": "array", "items": ref("Item")}, params)}, {"Item": ITEM})
    )
    (p,) = only(made).params
    assert (p.name, p.column, p.exact) == ("created", "created_param", True)
    table = RestConnector("x", made.source_def()).tables()[0]
    cols = {c.name: c for c in table.columns}
    assert cols["created"].filters == {} and cols["created_param"].filters == {"eq": True}


def test_a_record_path_with_an_extension_is_one_record_even_with_a_list_inside():
    record = {
        "type": "object",
        "properties": {"sid": {"type": "string"}, "links": {"type": "array", "items": ITEM}},
    }
    sid = {"name": "Sid", "in": "path", "required": True, "schema": {"type": "string"}}
    ep = only(import_openapi(spec3({"/Calls/{Sid}.json": get(record, [sid])})))
    assert (ep.data_path, ep.paginator, sorted(ep.inferred)) == (None, None, ["links", "sid"])
