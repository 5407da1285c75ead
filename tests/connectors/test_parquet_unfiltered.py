"""A Parquet read without filters (``pyarrow.parquet`` alone) gives exactly the batches of the
``pyarrow.dataset`` read, for every kind of column, any column selection and any row groups;
and it does not load ``pyarrow.dataset`` (which imports pandas)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from distillr.connectors import parquet


@pytest.fixture()
def path(tmp_path):
    n = 3000
    table = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "name": [None if i % 7 == 0 else f"n{i}" for i in range(n)],
            "at": pa.array(
                [
                    dt.datetime(2025, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i)
                    for i in range(n)
                ],
                pa.timestamp("us", tz="UTC"),
            ),
            "price": pa.array([Decimal(i) / 100 for i in range(n)], pa.decimal128(38, 10)),
            "tags": [[f"t{j}" for j in range(i % 3)] for i in range(n)],
            "owner": [{"name": f"u{i % 4}", "age": i % 90} for i in range(n)],
            "links": pa.array(
                [[("self", f"/x/{i}")] for i in range(n)], pa.map_(pa.string(), pa.string())
            ),
        }
    )
    file = tmp_path / "t.parquet"
    pq.write_table(table, file, row_group_size=1000)
    return file


def _by_dataset(path, schema, columns, groups):
    fragment = ds.ParquetFileFormat().make_fragment(
        str(path), pafs.LocalFileSystem(), row_groups=groups
    )
    names = list(schema.names) if columns is None else list(columns)
    return pa.Table.from_batches(fragment.to_batches(schema=schema, columns=names), schema=None)


@pytest.mark.parametrize("columns", [None, ["price", "id"], ["links", "owner", "tags"], []])
@pytest.mark.parametrize("groups", [None, [0, 2], [1]])
def test_the_same_rows_and_types_as_the_dataset_read(path, columns, groups):
    schema = parquet.schema_of([path], "t")
    got = list(parquet.batches(path, schema, columns, [], groups, "t"))
    want = _by_dataset(path, schema, columns, groups)
    assert sum(b.num_rows for b in got) == want.num_rows > 0
    if columns != []:
        assert pa.Table.from_batches(got).equals(want)
    kept, total = parquet.row_groups(path, schema, [], "t")
    assert (kept, total) == ([0, 1, 2], 3)


def test_an_unfiltered_read_does_not_load_pyarrow_dataset(path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from distillr.connectors import parquet\n"
        f"p = Path({str(path)!r})\n"
        "schema = parquet.schema_of([p], 't')\n"
        "kept, _ = parquet.row_groups(p, schema, [], 't')\n"
        "rows = sum(b.num_rows for b in parquet.batches(p, schema, None, [], kept, 't'))\n"
        "assert rows == 3000, rows\n"
        "print('pyarrow.dataset' in sys.modules, 'pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
