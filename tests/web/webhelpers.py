"""Helpers shared by the web tests."""

from __future__ import annotations


def add_fake(client, name="shop", token=None, rows=30, delay=0.0, headers=None, **kw):
    from distillr_fake import GOOD_TOKEN

    return client.post(
        "/api/sources",
        headers=headers,
        json={
            "type": "fake",
            "name": name,
            "options": {"account": "acme", "rows": rows, "delay": delay},
            "secrets": {"token": token or GOOD_TOKEN},
            **kw,
        },
    )
