"""The Files form of the wizard in a real browser: create a source of uploads, upload a CSV
and a file of the wrong type, then query the CSV."""

from __future__ import annotations

import pytest
from browserhelpers import type_sql

pytestmark = pytest.mark.browser


def test_files_form_creates_a_source_and_uploads(page, app_url, app_home):
    import httpx

    page.click("button.add-source")
    page.click("[data-category=files]")
    page.click("[data-type=files]")
    page.fill("#f-name", "crm")
    page.click("button.save")
    page.wait_for_selector(".drop-zone")
    inputs = page.locator("input.upload-input")
    inputs.nth(0).set_input_files(
        [
            {"name": "customers.csv", "mimeType": "text/csv", "buffer": b"id,plan\n1,free\n"},
            {"name": "notes.md", "mimeType": "text/plain", "buffer": b"# no"},
            {"name": "fake.parquet", "mimeType": "application/octet-stream", "buffer": b"id\n1\n"},
        ]
    )
    page.wait_for_selector(".upload-item.ok:has-text('SELECT * FROM crm.`/customers.csv`')")
    page.wait_for_selector(".upload-item.error:has-text('not a file type distillr reads')")
    page.wait_for_selector(".upload-item.error:has-text('not a parquet file')")
    page.wait_for_selector(".upload-existing:has-text('/customers.csv')")
    page.click("button.done")
    page.wait_for_selector("[data-source=crm]")
    url, home = app_url, app_home
    assert (home / "files" / "crm" / "customers.csv").read_bytes() == b"id,plan\n1,free\n"
    assert not (home / "files" / "crm" / "fake.parquet").exists()
    job = httpx.post(f"{url}/api/queries", json={"sql": "SELECT plan FROM crm.`/customers.csv`"})
    assert job.status_code in (200, 201, 202), job.text


def test_save_as_table_from_the_query_window(page, app_url, app_home):
    url, home = app_url, app_home
    import httpx

    (home / "files" / "crm").mkdir(parents=True, exist_ok=True)
    (home / "files" / "crm" / "customers.csv").write_text("id,plan\n1,free\n2,team\n")
    if "crm" not in [s["name"] for s in httpx.get(f"{url}/api/sources").json()]:
        folder = home / "files" / "crm"
        httpx.post(
            f"{url}/api/sources",
            json={"type": "files", "name": "crm", "options": {"path": str(folder)}},
        )
    type_sql(page, "SELECT * FROM crm.`/customers.csv` WHERE id > 1")
    page.click("button.save-table")
    page.fill("#f-saved-name", "teams")
    page.click(".dialog button.save")
    page.wait_for_selector(".dialog", state="detached")
    page.wait_for_selector("[data-source=saved]")
    assert (home / "saved" / "teams.json").is_file()
