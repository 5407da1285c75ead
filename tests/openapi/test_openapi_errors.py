"""Bad specs give a clear error or report, never a traceback, and nothing is made."""

from __future__ import annotations

import pytest

from distillr.connectors.rest.openapi import (
    OpenApiError,
    Spec,
    import_openapi,
    load_spec,
    parse_spec,
)
from distillr.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"openapi": "3.0.0", "paths": {', "line 1: not valid JSON"),
        ("openapi: 3.0.0\npaths: [a\n", "line 3: not valid YAML or JSON"),
        ("[1, 2]", "its top level is a list"),
        ('{"info": {}}', "neither an 'openapi' nor a 'swagger'"),
        ('{"openapi": "4.0.0", "paths": {}}', "OpenAPI 4.0.0 is not supported"),
        ('{"swagger": "1.2", "paths": {}}', "Swagger 1.2 is not supported"),
    ],
)
def test_a_malformed_spec_is_a_clear_error(text, message):
    with pytest.raises(OpenApiError, match=message) as err:
        parse_spec(text, "spec.json")
    assert isinstance(err.value, ConfigError)  # the CLI shows it without a traceback


def test_a_missing_file_and_an_unreachable_url(tmp_path):
    with pytest.raises(OpenApiError, match="Cannot read the spec"):
        load_spec(tmp_path / "nope.json")
    with pytest.raises(OpenApiError, match=r"Cannot fetch the spec http://127\.0\.0\.1:9/x\.json"):
        load_spec("http://user:secret@127.0.0.1:9/x.json?key=abc")
    with pytest.raises(OpenApiError) as err:
        load_spec("http://user:secret@127.0.0.1:9/x.json?key=abc")
    assert "secret" not in str(err.value) and "abc" not in str(err.value)


def _spec(paths, schemas=None):
    return Spec(
        {
            "openapi": "3.0.3",
            "servers": [{"url": "https://x.example.com"}],
            "paths": paths,
            "components": {"schemas": schemas or {}},
        }
    )


def _ok(schema):
    return {
        "get": {
            "responses": {
                "200": {"description": "", "content": {"application/json": {"schema": schema}}}
            }
        }
    }


ITEM = {"type": "object", "properties": {"id": {"type": "integer"}}}


def test_an_unresolvable_ref_skips_its_operation_with_the_reason():
    paths = {
        "/good": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Item"}}),
        "/bad": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Nope"}}),
        "/far": _ok({"$ref": "other.json#/Item"}),
    }
    made = import_openapi(_spec(paths, {"Item": ITEM}))
    assert [t.name for t in made.report.tables] == ["good"]
    reasons = {s.path: s.reason for s in made.report.skipped}
    assert reasons == {
        "/bad": "it refers to #/components/schemas/Nope, which the spec does not have",
        "/far": "it refers to other.json#/Item, which the spec does not have",
    }


def test_only_unresolvable_refs_is_an_error_with_the_report():
    paths = {"/bad": _ok({"type": "array", "items": {"$ref": "#/components/schemas/Nope"}})}
    with pytest.raises(OpenApiError, match="has no operation that can be a table") as err:
        import_openapi(_spec(paths))
    assert "Nope" in err.value.report.text()


def test_a_spec_with_no_list_operations_is_an_error_with_the_report():
    paths = {
        "/items": {"post": {"responses": {"201": {"description": ""}}}},
        "/file": {
            "get": {
                "responses": {
                    "200": {
                        "description": "",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    }
                }
            }
        },
        "/nums": _ok({"type": "array", "items": {"type": "integer"}}),
        "/gone": {"get": {"responses": {"410": {"description": "gone"}}}},
    }
    with pytest.raises(OpenApiError, match="Nothing was saved") as err:
        import_openapi(_spec(paths))
    reasons = {s.path: s.reason for s in err.value.report.skipped}
    assert reasons == {
        "/items": "only GET operations are tables",
        "/file": "its 200 answer is not JSON, or has no schema",
        "/nums": "its records are not objects",
        "/gone": "it has no success (2xx) response",
    }


def test_a_relative_server_without_a_base_url_says_to_give_one():
    spec = Spec(
        {
            "openapi": "3.1.0",
            "servers": [{"url": "/api"}],
            "paths": {"/i": _ok({"type": "array", "items": ITEM})},
        }
    )
    made = import_openapi(spec)
    with pytest.raises(OpenApiError, match="--base-url"):
        made.source_def()
    assert (
        import_openapi(spec, base_url="https://h.example.com/api").source_def().base_url
        == "https://h.example.com/api"
    )


def test_a_relative_file_reference_beside_the_spec(tmp_path):
    (tmp_path / "item.yaml").write_text("type: object\nproperties: {id: {type: integer}}\n")
    (tmp_path / "spec.yaml").write_text(
        "openapi: 3.0.0\nservers: [{url: 'https://x.example.com'}]\npaths:\n  /items:\n    get:\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n"
        "              schema: {type: array, items: {$ref: 'item.yaml'}}\n"
    )
    made = import_openapi(load_spec(tmp_path / "spec.yaml"))
    assert made.source_def().endpoints[0].inferred == {"id": "int"}


def test_a_schema_of_aliases_nested_wide_is_skipped_not_walked_forever():
    levels = ["l0: &l0 {type: object, properties: {a: {type: string}}}"]
    for i in range(1, 12):
        props = ", ".join(f"p{j}: *l{i - 1}" for j in range(9))
        levels.append(f"l{i}: &l{i} {{type: object, properties: {{{props}}}}}")
    text = (
        "openapi: 3.0.0\nservers: [{url: 'https://e.example.com'}]\nx-defs:\n"
        + "".join(f"  {line}\n" for line in levels)
        + "paths:\n  /bomb:\n    get:\n      responses:\n        '200':\n"
        "          description: ok\n          content:\n            application/json:\n"
        "              schema: {type: array, items: *l11}\n"
        "  /fine:\n    get:\n      responses:\n        '200':\n          description: ok\n"
        "          content:\n            application/json:\n"
        "              schema: {type: array, items: *l1}\n"
    )
    made = import_openapi(parse_spec(text, "bomb.yaml"))
    assert [t.name for t in made.report.tables] == ["fine"]
    assert made.report.skipped[0].reason == "its schema has more than 20,000 fields"


def test_a_yaml_structure_inside_itself_skips_its_operation():
    text = (
        "openapi: 3.0.0\nservers: [{url: 'https://e.example.com'}]\nx: &a {allOf: [*a]}\n"
        "paths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content:"
        " {application/json: {schema: {type: array, items: *a}}}}\n"
        "  /b:\n    get:\n      responses:\n        '200': {description: ok, content:"
        " {application/json: {schema: {type: array, items: {properties: {id: {}}}}}}}\n"
    )
    made = import_openapi(parse_spec(text, "loop.yaml"))
    assert [t.name for t in made.report.tables] == ["b"]
    assert "RecursionError" in made.report.skipped[0].reason
