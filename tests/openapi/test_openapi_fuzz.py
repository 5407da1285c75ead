"""Whatever a spec holds, the import ends in a definition or a clear error, never another
exception (a traceback on the command line)."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distillr.connectors.rest.openapi import OpenApiError, Spec, import_openapi
from distillr.errors import ConfigError

KEYS = st.sampled_from(
    ["type", "properties", "items", "$ref", "allOf", "oneOf", "anyOf", "format", "enum",
     "nullable", "name", "in", "schema", "content", "application/json", "200", "default",
     "responses", "parameters", "get", "post", "required", "description", "additionalProperties",
     "servers", "url", "components", "schemas", "securitySchemes", "security", "scheme",
     "flows", "headers", "tags", "x"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(
        ["object", "array", "string", "integer", "number", "boolean", "null", "date-time",
         "#/components/schemas/A", "#/components/schemas/Nope", "#/paths", "query", "path",
         "http", "basic", "apiKey", "oauth2", "/x/{id}", "https://e.example.com", "id"]
    ),
)  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=25,
)
BASE = {
    "openapi": "3.1.0",
    "servers": [{"url": "https://e.example.com"}],
    "paths": {
        "/items/{id}": {"get": {"responses": {"200": {"content": {"application/json": {}}}}}}
    },
    "components": {"schemas": {"A": {"type": "object", "properties": {"id": {}}}}},
}
WHERE = [
    ("paths", "/items/{id}", "get"),
    ("paths", "/items/{id}", "get", "responses", "200", "content", "application/json"),
    ("components", "schemas", "A"),
    ("components",),
    ("paths", "/items/{id}"),
    ("paths", "/items/{id}", "get", "responses"),
    ("paths", "/items/{id}", "get", "responses", "200"),
    ("paths",),
    (),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(WHERE), key=KEYS, value=VALUES)
def test_any_spec_gives_a_definition_or_a_clear_error(where, key, value):
    data = copy.deepcopy(BASE)
    node = data
    for step in where:
        node = node[step]
    node[key] = value
    try:
        made = import_openapi(Spec(data))
        made.source_def()
    except (OpenApiError, ConfigError):
        pass
