"""Steps shared by the browser tests: type SQL into the editor, run it and wait, open a
source in the tree, wait for a completion item."""

from __future__ import annotations


def expand(page, source="my_twilio"):
    node = page.locator(f"[data-source={source}]")
    if node.get_attribute("aria-expanded") != "true":
        node.locator(".row").first.click()
    page.wait_for_selector(f"[data-source={source}] [data-table=messages]")


def run_and_wait(page):
    """Press Run and wait for the query to end; the status bar's text."""
    page.click("button.run")
    return wait_done(page)


def wait_done(page, timeout=30_000):
    """Wait for the active tab's query to end (done, failed or cancelled); the status bar's
    text."""
    page.wait_for_function(
        "() => !document.querySelector('.dot.running') && "
        "!/Running|Queued/.test(document.querySelector('.statusbar .st-status').textContent)",
        timeout=timeout,
    )
    return page.inner_text(".statusbar")


def type_sql(page, sql):
    """Replace the editor's text with ``sql``."""
    page.locator(".cm-content").focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(sql)
    page.keyboard.press("Escape")  # close the completion list, if open


def wait_for_completion(page, label):
    page.wait_for_function(
        "label => [...document.querySelectorAll('.cm-tooltip-autocomplete .cm-completionLabel')]"
        ".some(e => e.textContent === label)",
        arg=label,
    )
