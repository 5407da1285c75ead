"""Fixtures: a directory of files in every supported format, and a session over it."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import distillr
from distillr.connectors.files import FilesConnector

ROWS = 20_000


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "exports").mkdir(parents=True)
    (d / "customers.csv").write_text(
        "id,name,phone,plan,joined\n"
        "1,Ann,+15550001,enterprise,2026-01-05\n"
        "2,Bob,+15550002,free,2026-02-11\n"
        "3,Cy,+15550003,enterprise,2026-03-20\n"
        "4,Di,,free,2026-03-21\n"
    )
    (d / "plans.tsv").write_text("plan\tseats\nenterprise\t100\nfree\t1\n")
    (d / "events.ndjson").write_text(
        "\n".join(json.dumps({"id": i, "kind": "k" + str(i % 3), "n": i * 1.5}) for i in range(30))
    )
    (d / "list.json").write_text(json.dumps([{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]))
    t = pa.table(
        {
            "id": pa.array(range(ROWS), pa.int64()),
            "grp": pa.array([f"g{i % 7}" for i in range(ROWS)]),
            "x": pa.array([i / 3 for i in range(ROWS)]),
        }
    )
    pq.write_table(t.slice(0, ROWS // 2), d / "exports" / "part1.parquet", row_group_size=1000)
    pq.write_table(t.slice(ROWS // 2), d / "exports" / "part2.parquet", row_group_size=1000)
    return d


@pytest.fixture
def files_con(data_dir, tmp_path):
    con = distillr.connect(home=str(tmp_path / "home"))
    con.register("crm", FilesConnector("crm", data_dir))
    yield con
    con.close()
