"""/openapi.json is a valid OpenAPI 3.1 document that matches the routes: the same paths,
methods and parameters, and every served page validates against its schema with no key the
document leaves out, and no documented key that is never served."""

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOC = "urn:jira-sandbox"


@pytest.fixture(scope="module")
def doc(jsb):
    import httpx

    return httpx.get(jsb.base_url + "/openapi.json", timeout=30).json()


def test_the_document_is_valid_openapi_31(doc, jsb):
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"] == [{"url": jsb.base_url, "description": "this sandbox"}]
    assert doc["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http",
        "scheme": "basic",
        "description": doc["components"]["securitySchemes"]["basicAuth"]["description"],
    }
    assert doc["security"] == [{"basicAuth": []}]


def test_paths_and_parameters_match_the_routes(doc, jsb):
    routes = {(e.path, e.method.lower()): e for e in jsb.app.endpoints if e.tag == "jira"}
    documented = {(p, m) for p, ops in doc["paths"].items() for m in ops}
    assert documented == set(routes)
    for (path, method), ep in routes.items():
        op = doc["paths"][path][method]
        names = [(p["name"], p["in"]) for p in op["parameters"]]
        assert names == [(p.name, p.location) for p in ep.params]
        for p in op["parameters"]:
            assert p["schema"]["type"] in ("integer", "string", "boolean", "array")
            if p["in"] == "path":
                assert p["required"] is True and "{" + p["name"] + "}" in path
        if ep.schema:
            ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{ep.schema}"
    board = {
        p["name"]: p for p in doc["paths"]["/rest/agile/1.0/board/{boardId}"]["get"]["parameters"]
    }
    assert board["boardId"]["schema"] == {"type": "integer", "format": "int64"}
    jql = {p["name"]: p for p in doc["paths"]["/rest/api/3/search/jql"]["get"]["parameters"]}
    assert jql["jql"]["required"] is True and jql["maxResults"]["schema"]["maximum"] == 5000


def _validator(doc, name):
    registry = Registry().with_resource(
        DOC, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    return Draft202012Validator({"$ref": f"{DOC}#/components/schemas/{name}"}, registry=registry)


def _resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _walk(doc, schema, value, where, seen, errors):
    """Every object key of ``value`` must be a property of its schema; note the ones seen."""
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        if value is None:
            return
        schema = _resolve(doc, next(s for s in schema["anyOf"] if s.get("type") != "null"))
    if isinstance(value, dict) and "properties" in schema:
        for key, item in value.items():
            if key not in schema["properties"]:
                errors.append(f"{where}.{key} is served but not documented")
                continue
            seen.add((id(schema), key))
            _walk(doc, schema["properties"][key], item, f"{where}.{key}", seen, errors)
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            _walk(doc, schema["items"], item, f"{where}[]", seen, errors)


def _documented(doc, name, out, done=None):
    """(schema id, property) of every property reachable from a component schema."""
    done = done if done is not None else set()
    schema = _resolve(doc, {"$ref": f"#/components/schemas/{name}"})
    stack = [schema]
    while stack:
        s = stack.pop()
        if id(s) in done:
            continue
        done.add(id(s))
        if "$ref" in s:
            stack.append(_resolve(doc, s))
            continue
        for sub in s.get("anyOf", []):
            stack.append(sub)
        if "items" in s:
            stack.append(s["items"])
        for key, sub in s.get("properties", {}).items():
            out.add((id(s), key))
            stack.append(sub)


CALLS = [
    ("/rest/agile/1.0/board", {}, "BoardPage"),
    ("/rest/agile/1.0/board/1", {}, "Board"),
    ("/rest/agile/1.0/board/1/epic", {"maxResults": 2}, "EpicPage"),
    ("/rest/agile/1.0/board/1/issue", {"maxResults": 100}, "BoardIssuePage"),
    ("/rest/agile/1.0/board/1/issue", {"startAt": 300, "maxResults": 100}, "BoardIssuePage"),
    ("/rest/agile/1.0/board/6/issue", {"maxResults": 100}, "BoardIssuePage"),
    ("/rest/agile/1.0/board/6/project", {}, "BoardProjectPage"),
    ("/rest/agile/1.0/board/1/sprint", {}, "SprintPage"),
    ("/rest/api/3/project/search", {"maxResults": 2}, "ProjectPage"),
    ("/rest/api/3/issue/ENG-5", {}, "Issue"),
    ("/rest/api/3/search/jql", {"jql": "project = WEB", "maxResults": 3}, "SearchResults"),
    (
        "/rest/api/3/search/jql",
        {"jql": "project = WEB", "fields": "*all", "maxResults": 100},
        "SearchResults",
    ),
    ("/rest/api/3/search/jql", {"jql": "key = WEB-1", "fields": "*all"}, "SearchResults"),
]


def test_served_pages_match_their_schemas(doc, jira):
    seen, errors = set(), []
    for path, params, name in CALLS:
        body = jira.get(path, params=params).json()
        problems = [e.message for e in _validator(doc, name).iter_errors(body)]
        assert problems == [], (path, problems[:3])
        _walk(doc, {"$ref": f"#/components/schemas/{name}"}, body, path, seen, errors)
    assert errors == []
    documented = set()
    for name in {c[2] for c in CALLS}:
        _documented(doc, name, documented)
    never = documented - seen
    names = sorted(key for _, key in never)
    assert names == [], f"documented but never served: {names}"


def test_errors_match_the_error_schema(doc, jira, anon):
    check = _validator(doc, "ErrorCollection")
    for r in (
        jira.get("/rest/agile/1.0/board/99"),
        jira.get("/rest/api/3/search/jql", params={"jql": "x = y"}),
        anon.get("/rest/agile/1.0/board"),
        jira.get("/rest/api/3/search"),
    ):
        assert list(check.iter_errors(r.json())) == []
