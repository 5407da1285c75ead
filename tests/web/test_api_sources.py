"""The JSON API's data source routes: wizard metadata, name checks, add/edit/rename/delete."""

from __future__ import annotations

from webhelpers import add_fake

PROBLEM = "application/problem+json"


def test_types_list_categories_and_the_twilio_form(client):
    body = client.get("/api/types").json()
    cats = {c["id"]: c["available"] for c in body["categories"]}
    assert cats == {"api": True, "files": False, "custom_api": True}
    twilio = next(t for t in body["types"] if t["type"] == "twilio")
    fields = {f["name"]: f for f in twilio["fields"]}
    assert fields["auth_token"]["secret"] and fields["api_secret"]["secret"]
    assert not fields["base_url"]["required"]
    assert body["name_pattern"] == "^[a-z0-9_]+$"


def test_name_check_rule_and_uniqueness(client):
    ok = client.get("/api/names/check", params={"name": "shop"}).json()
    assert ok == {"name": "shop", "valid": True, "available": True, "message": ""}
    bad = client.get("/api/names/check", params={"name": "My-Shop"}).json()
    assert not bad["valid"] and "lowercase letters, digits and underscores" in bad["message"]
    assert add_fake(client).status_code == 201
    taken = client.get("/api/names/check", params={"name": "shop"}).json()
    assert taken["valid"] and not taken["available"] and "already exists" in taken["message"]
    # editing a source may keep its own name
    own = client.get("/api/names/check", params={"name": "shop", "current": "shop"}).json()
    assert own["available"]


def test_add_source_masks_the_secret(client, good):
    res = add_fake(client)
    assert res.status_code == 201
    body = res.json()
    assert body["name"] == "shop" and body["type"] == "fake"
    assert body["options"]["account"] == "acme"
    assert good not in res.text and body["secrets"]["token"].startswith("****")
    listed = client.get("/api/sources")
    assert [s["name"] for s in listed.json()] == ["shop"] and good not in listed.text
    one = client.get("/api/sources/shop")
    assert one.status_code == 200 and good not in one.text


def test_bad_name_is_a_problem_on_the_name_field(client):
    res = add_fake(client, name="Bad Name")
    assert res.status_code == 400
    assert res.headers["content-type"].startswith(PROBLEM)
    body = res.json()
    assert body["field"] == "name" and body["status"] == 400
    assert {"type", "title", "status", "detail"} <= set(body)
    from distillr.registry import check_name

    try:
        check_name("Bad Name")
    except Exception as exc:  # noqa: BLE001 - the CLI prints exactly this
        assert body["detail"] == str(exc)
    assert client.get("/api/sources").json() == []


def test_wrong_credentials_save_nothing_and_point_at_the_secret(client):
    res = add_fake(client, token="wrong-token-000000000000")
    assert res.status_code == 422
    body = res.json()
    assert body["field"] == "token"
    assert "rejected the credentials" in body["detail"]
    assert "wrong-token" not in res.text
    assert client.get("/api/sources").json() == []


def test_a_secret_echoed_by_the_api_never_reaches_the_browser(client):
    res = add_fake(client, token="echo-super-secret-value-1234")
    assert res.status_code == 422
    assert "super-secret" not in res.text


def test_duplicate_name_is_409_on_the_name_field(client):
    assert add_fake(client).status_code == 201
    res = add_fake(client)
    assert res.status_code == 409 and res.json()["field"] == "name"
    assert "already exists" in res.json()["detail"]


def test_unknown_type_and_missing_option(client, good):
    res = client.post(
        "/api/sources", json={"type": "nope", "name": "x", "options": {}, "secrets": {}}
    )
    assert res.status_code == 400 and "Unknown data source type 'nope'" in res.json()["detail"]
    res = client.post(
        "/api/sources",
        json={"type": "fake", "name": "x", "options": {}, "secrets": {"token": good}},
    )
    assert res.status_code == 400 and "account" in res.json()["detail"]


def test_bad_body_is_a_problem(client):
    res = client.post("/api/sources", json={"type": "fake"})
    assert res.status_code == 422 and res.headers["content-type"].startswith(PROBLEM)
    assert "name" in res.json()["detail"]


def test_edit_options_keeps_secret_when_blank(client, good):
    add_fake(client)
    res = client.patch("/api/sources/shop", json={"options": {"rows": 5}, "secrets": {}})
    assert res.status_code == 200, res.text
    assert res.json()["options"]["rows"] == 5
    # the saved token still works: a verified edit passes again
    res = client.patch("/api/sources/shop", json={"options": {"rows": 6}})
    assert res.status_code == 200 and good not in res.text


def test_edit_with_wrong_secret_changes_nothing(client):
    add_fake(client)
    res = client.patch(
        "/api/sources/shop",
        json={"options": {"rows": 7}, "secrets": {"token": "bad-token-xxxxxxxxxxxx"}},
    )
    assert res.status_code == 422 and "bad-token" not in res.text
    assert client.get("/api/sources/shop").json()["options"]["rows"] == 30


def test_rename_and_rename_conflicts(client):
    add_fake(client)
    add_fake(client, name="other")
    res = client.patch("/api/sources/shop", json={"name": "store"})
    assert res.status_code == 200 and res.json()["name"] == "store"
    assert sorted(s["name"] for s in client.get("/api/sources").json()) == ["other", "store"]
    res = client.patch("/api/sources/store", json={"name": "other"})
    assert res.status_code == 409 and res.json()["field"] == "name"
    res = client.patch("/api/sources/store", json={"name": "Not OK"})
    assert res.status_code == 400 and res.json()["field"] == "name"


def test_delete_and_unknown_sources(client):
    add_fake(client)
    assert client.delete("/api/sources/shop").status_code == 204
    for method, url in [
        ("GET", "/api/sources/shop"),
        ("DELETE", "/api/sources/shop"),
        ("PATCH", "/api/sources/shop"),
    ]:
        res = client.request(method, url, json={} if method == "PATCH" else None)
        assert res.status_code == 404, (method, res.text)
        assert res.headers["content-type"].startswith(PROBLEM)
        assert "No data source named 'shop'" in res.json()["detail"]
