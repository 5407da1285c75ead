"""`distillr tree` and `distillr samples`."""

from __future__ import annotations

import json


def test_tree_levels(cli, shop):
    ran = cli("tree")
    assert ran.code == 0 and "shop (fake)" in ran.out and "item_parts" in ran.out
    assert "needs ItemId" in ran.out and "/Items/:ItemId/Parts" in ran.out
    ran = cli("tree", "shop")
    assert "The parts of one item." in ran.out
    ran = cli("tree", "shop", "/Items/:ItemId/Parts")
    assert ran.code == 0
    assert "part_id BIGINT" in ran.out and "ItemId BIGINT (parameter)" in ran.out
    assert "WHERE `ItemId` = '...'" in ran.out


def test_tree_json(cli, shop):
    data = json.loads(cli("tree", "--json").out)
    (src,) = data["sources"]
    assert (src["name"], src["type"], src["error"]) == ("shop", "fake", None)
    parts = next(t for t in src["tables"] if t["name"] == "item_parts")
    assert parts["parameters"] == ["ItemId"]
    col = next(c for c in parts["columns"] if c["name"] == "ItemId")
    assert col == {
        "name": "ItemId",
        "type": "BIGINT",
        "arrow_type": "int64",
        "description": "Path parameter: the item",
        "virtual": True,
        "filters": ["eq"],
    }
    one = json.loads(cli("tree", "shop", "items", "--json").out)
    assert [t["name"] for t in one["sources"][0]["tables"]] == ["items"]


def test_tree_errors(cli, home, shop):
    ran = cli("tree", "shp")
    assert ran.code == 1 and "Did you mean 'shop'" in ran.err
    ran = cli("tree", "shop", "itms")
    assert ran.code == 1 and "Did you mean 'items'" in ran.err


def test_tree_empty_and_broken_sources(cli, home, fake_type):
    assert "No data sources yet" in cli("tree").out
    cli("source", "add", "fake", "shop", "-o", "account=a", "--secret-env", "token=FAKE_TOKEN")
    (home / "secret.key").unlink()
    ran = cli("tree")
    assert ran.code == 0 and "key file" in ran.out  # shown in the tree, not a crash
    assert cli("tree", "shop").code == 1


def test_samples_generic_type(cli, shop):
    ran = cli("samples", "shop", "--offline")
    assert ran.code == 0 and "FROM `shop`.`item_parts`" in ran.out and "Fill in ItemId" in ran.out
    data = json.loads(cli("samples", "shop", "--offline", "--json").out)
    assert {d["table"] for d in data} == {"items", "item_parts", "slow"}
    assert cli("samples", "nope").code == 1


def test_every_generic_sample_runs(cli, shop):
    for sample in json.loads(cli("samples", "shop", "--json").out):
        if "'...'" in sample["sql"] or sample["table"] == "slow":
            continue
        ran = cli("query", sample["sql"], "--format", "csv")
        assert ran.code == 0, (sample, ran.text)
