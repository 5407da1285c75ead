"""Files sources on the web: uploads (limits, type checks, safe names, nothing half-written)
and path escapes refused for an off-loopback user."""

from __future__ import annotations

import io
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from distillr.server import create_app
from distillr.server.auth import AuthStore
from distillr.server.settings import ServerSettings

PASSWORD = "correct horse battery"


@pytest.fixture
def web(home, tmp_path):
    store = AuthStore(home)
    store.add_user("root", PASSWORD, "admin")
    store.add_user("ana", PASSWORD, "analyst")
    admin = {"authorization": f"Bearer {store.create_token('root')[1]}"}
    analyst = {"authorization": f"Bearer {store.create_token('ana')[1]}"}
    settings = ServerSettings(max_upload=200_000)
    app = create_app(home, require_auth=True, settings=settings)
    with TestClient(app, base_url="https://distillr.example") as c:
        folder = c.post("/api/upload-folders", json={"name": "crm"}, headers=admin)
        assert folder.status_code == 201, folder.text
        path = folder.json()["path"]
        res = c.post(
            "/api/sources",
            json={"type": "files", "name": "crm", "options": {"path": path}},
            headers=admin,
        )
        assert res.status_code == 201, res.text
        c.folder = path
        yield c, admin, analyst


def _parquet() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3]}), buf)
    return buf.getvalue()


def _query(c, headers, sql):
    job = c.post("/api/queries", json={"sql": sql}, headers=headers).json()
    for _ in range(200):
        state = c.get(f"/api/queries/{job['id']}", headers=headers).json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.05)
    raise AssertionError("the query did not finish")


def test_upload_files_and_a_folder_then_query_them(web):
    c, admin, analyst = web
    files = [
        ("files", ("customers.csv", b"id,phone\n1,+1555\n2,+1666\n", "text/csv")),
        ("files", ("a.parquet", _parquet(), "application/octet-stream")),
    ]
    res = c.post(
        "/api/sources/crm/files",
        files=files,
        data={"paths": ["customers.csv", "exports/2026/a.parquet"]},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    tables = [s["table"] for s in res.json()["saved"]]
    assert tables == ["/customers.csv", "/exports/2026/a.parquet"]
    listed = c.get("/api/sources/crm/files", headers=analyst).json()["files"]
    assert [f["table"] for f in listed] == tables
    done = _query(c, analyst, "SELECT count(*) AS n FROM crm.`/exports/**/*.parquet`")
    assert done["state"] == "done", done
    again = c.post("/api/sources/crm/files", files=files[:1], headers=admin)
    assert again.status_code == 422 and "exists already" in again.json()["detail"]
    replaced = c.post("/api/sources/crm/files?replace=true", files=files[:1], headers=admin)
    assert replaced.status_code == 201


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("evil.exe", b"MZ...", "not a supported file type"),
        ("fake.parquet", b"id\n1\n", "not a parquet file"),
        ("bin.csv", b"a,b\n\x00\x01", "not a csv file"),
        ("list.json", b"hello", "not a json file"),
        ("big.csv", b"a\n" + b"1\n" * 150_000, "larger than"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(web, name, body, message):
    c, admin, _ = web
    res = c.post("/api/sources/crm/files", files=[("files", (name, body))], headers=admin)
    assert res.status_code in (413, 422), res.text
    assert message in res.json()["detail"]
    from pathlib import Path

    assert list(Path(c.folder).iterdir()) == []


def test_upload_names_are_made_safe(web):
    c, admin, _ = web
    from pathlib import Path

    res = c.post(
        "/api/sources/crm/files",
        files=[("files", ("x.csv", b"a\n1\n"))],
        data={"paths": ["../../../etc/.evil%2e%2e.csv"]},
        headers=admin,
    )
    assert res.status_code == 201, res.text
    assert res.json()["saved"][0]["table"] == "/etc/evil_2e_2e.csv"
    assert (Path(c.folder) / "etc" / "evil_2e_2e.csv").is_file()


def test_only_admins_upload(web):
    c, _, analyst = web
    res = c.post("/api/sources/crm/files", files=[("files", ("a.csv", b"a\n1\n"))], headers=analyst)
    assert res.status_code == 403


@pytest.mark.parametrize(
    "name", ["/../registry.db.csv", "/%2e%2e/x.csv", "//etc/passwd.csv", "/link.csv"]
)
def test_path_escapes_are_refused_for_an_off_loopback_user(web, home, name):
    c, _, analyst = web
    from pathlib import Path

    (Path(home) / "files" / "outside.csv").write_text("secret\n1\n")
    (Path(c.folder) / "link.csv").symlink_to(Path(home) / "files" / "outside.csv")
    done = _query(c, analyst, f"SELECT * FROM crm.`{name}`")
    assert done["state"] == "error", done
    text = str(done)
    assert "Table path" in text and "secret" not in text.replace("secrets", "")
