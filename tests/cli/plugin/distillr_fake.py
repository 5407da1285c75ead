"""A tiny connector type for the CLI and registry tests, installed the way a third-party
package would be: this folder holds a ``.dist-info`` with a ``distillr.connectors`` entry
point, so putting it on ``sys.path``/``PYTHONPATH`` makes the type ``fake`` available.

Options: ``account`` (required), ``rows`` (how many items, default 30), ``delay`` (seconds
per page of ``slow``). Secrets: ``token``; ``check()`` accepts only ``GOOD_TOKEN``.
"""

from __future__ import annotations

import logging
import time

import pyarrow as pa

from distillr.connectors.base import Column, Connector, Pred, ScanRequest, Split, TableDef
from distillr.errors import AuthError, ConfigError

GOOD_TOKEN = "good-token-0123456789abcdef"
log = logging.getLogger("distillr_fake")

ITEMS = TableDef(
    name="items",
    description="Every item in the account.",
    columns=(
        Column("id", pa.int64(), "Item number", {"eq": True}),
        Column("name", pa.string(), "Item name"),
        Column("kind", pa.string(), "Kind of item", {"eq": True}),
    ),
    aliases=("/Items",),
)
PARTS = TableDef(
    name="item_parts",
    description="The parts of one item.",
    columns=(
        Column("part_id", pa.int64(), "Part number"),
        Column("item_id", pa.int64(), "The item this part belongs to"),
        Column("ItemId", pa.int64(), "Path parameter: the item", {"eq": True}, expr="item_id"),
    ),
    aliases=("/Items/:ItemId/Parts",),
    parameters=("ItemId",),
)
SLOW = TableDef(
    name="slow",
    description="Pages that take a while (for progress and cancel tests).",
    columns=(Column("n", pa.int64(), "Row number"),),
)


class FakeConnector(Connector):
    type = "fake"
    identity_options = ("account",)  # whose data the token reads

    def __init__(self, name, account, token, rows=30, delay=0.0):
        super().__init__(name)
        self.account = account
        self._token = token
        self.rows = rows
        self.delay = delay

    @classmethod
    def from_source(cls, name, options, secrets):
        if not options.get("account"):
            raise ConfigError("The fake source needs an 'account' option.")
        return cls(
            name,
            options["account"],
            secrets.get("token", ""),
            int(options.get("rows", 30)),
            float(options.get("delay", 0.0)),
        )

    def check(self):
        log.debug("checking account %s", self.account)
        if self._token.startswith("echo-"):  # a careless API that repeats the token
            raise AuthError(f"The fake API rejected token {self._token}.")
        if self._token != GOOD_TOKEN:
            raise AuthError(
                "The fake API rejected the credentials: Authenticate (code 20003). "
                "Check the token.",
                status=401,
                code=20003,
                api_message="Authenticate",
            )

    def tables(self):
        return (ITEMS, PARTS, SLOW)

    def plan(self, request: ScanRequest, stats=None):
        params = {p.column.lower(): p for p in request.predicates}
        if request.table == "item_parts":
            pred: Pred | None = params.get("itemid")
            values = pred.value if pred.op == "in" else (pred.value,)
            return [
                Split("item_parts", {"item": int(v)}, describe=f"GET /Items/{v}/Parts")
                for v in values
            ]
        return [Split(request.table, {}, limit=request.limit, describe=f"GET /{request.table}")]

    def read(self, split: Split, stats=None):
        if stats is not None:
            stats.add(requests=1, pages=1)
        if split.table == "items":
            n = self.rows if split.limit is None else min(self.rows, split.limit)
            ids = list(range(1, n + 1))
            batch = pa.record_batch(
                [
                    pa.array(ids, pa.int64()),
                    pa.array([f"item {i}" for i in ids]),
                    pa.array(["odd" if i % 2 else "even" for i in ids]),
                ],
                schema=ITEMS.schema,
            )
        elif split.table == "item_parts":
            item = split.params["item"]
            ids = [item * 10 + k for k in range(3)]
            batch = pa.record_batch(
                [pa.array(ids, pa.int64()), pa.array([item] * 3, pa.int64())], schema=PARTS.schema
            )
        else:
            for page in range(1000):
                time.sleep(self.delay)
                if stats is not None and page:
                    stats.add(requests=1, pages=1)
                yield pa.record_batch([pa.array([page], pa.int64())], schema=SLOW.schema)
            return
        if stats is not None:
            stats.add(rows=batch.num_rows)
        yield batch
