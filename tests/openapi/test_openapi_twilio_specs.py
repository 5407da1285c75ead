"""Every Twilio product spec imports without an error; the report's counts are pinned."""

from __future__ import annotations

import pytest

from distillr.connectors.rest import dump_yaml, load_text
from distillr.connectors.rest.openapi import import_openapi, load_spec

SID = "AC" + "a" * 32
#: spec -> (tables made, operations skipped, tables with a detected paginator)
EXPECTED = {
    "twilio_api_v2010.json": (102, 95, 61),
    "twilio_conversations_v1.json": (47, 56, 22),
    "twilio_insights_v1.json": (15, 2, 7),
    "twilio_messaging_v1.json": (27, 31, 9),
    "twilio_monitor_v1.json": (4, 0, 2),
    "twilio_studio_v2.json": (11, 8, 4),
    "twilio_verify_v2.json": (24, 33, 10),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_spec_imports_with_its_report(specs_dir, name):
    made = import_openapi(
        load_spec(specs_dir / name), params={"AccountSid": SID}, options={"username": SID}
    )
    definition = made.source_def()  # validates as a hand-written one would
    paged = sum(1 for t in made.report.tables if t.paginator != "none")
    assert (len(made.report.tables), len(made.report.skipped), paged) == EXPECTED[name]
    assert len(definition.endpoints) == len(made.report.tables)
    assert load_text(dump_yaml(definition), name) == definition  # export, edit, load again
    text = made.report.text()
    assert f"{len(made.report.tables)} tables:" in text
    for skipped in made.report.skipped:
        assert skipped.reason  # every operation left out says why
        if skipped.reason != "only GET operations are tables":  # those are counted
            assert f"{skipped.method} {skipped.path}: {skipped.reason}" in text


def test_the_names_are_the_same_every_time(specs_dir):
    spec = load_spec(specs_dir / "twilio_conversations_v1.json")
    first = [t.name for t in import_openapi(spec).report.tables]
    again = [
        t.name
        for t in import_openapi(load_spec(specs_dir / "twilio_conversations_v1.json")).report.tables
    ]
    assert first == again
    assert len(set(first)) == len(first)
    assert "conversation_messages" in first
