"""The OpenAPI docs at /docs load Swagger UI from the package, never from a CDN."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from distillr.server import create_app

BASE = "http://127.0.0.1:8000"


def test_docs_page_uses_only_local_files(tmp_path):
    with TestClient(create_app(tmp_path), base_url=BASE) as client:
        res = client.get("/docs")
        assert res.status_code == 200
        urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?'([^']+)'""", res.text)
        urls = [u for pair in urls for u in pair if u]
        assert "/swagger-ui/swagger-ui-bundle.js" in urls
        assert "/swagger-ui/swagger-ui.css" in urls
        assert not [u for u in urls if "//" in u], f"remote URLs in /docs: {urls}"
        assert '"validatorUrl": null' in res.text
        for url in urls:
            got = client.get(url)
            assert got.status_code == 200, url
        js = client.get("/swagger-ui/swagger-ui-bundle.js")
        assert "SwaggerUIBundle" in js.text and js.headers["cache-control"] == "no-cache"
        assert client.get("/redoc").status_code == 404


def test_docs_without_built_files_say_how_to_build(tmp_path):
    with TestClient(create_app(tmp_path, static_dir=tmp_path / "none"), base_url=BASE) as c:
        res = c.get("/docs")
        assert res.status_code == 503 and "make frontend" in res.json()["detail"]


def test_openapi_names_the_api_token(tmp_path):
    with TestClient(create_app(tmp_path, require_auth=True), base_url=BASE) as client:
        schema = client.get("/openapi.json").json()
        assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
        assert {"token": []} in schema["security"]
        assert "/api/queries" in schema["paths"]
        assert schema["paths"]["/api/login"]["post"]["security"] == []  # no token to log in
