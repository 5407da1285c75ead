"""Media: the one to three images, videos or PDFs of each MMS message, stored as columns in the
messages' order."""

from __future__ import annotations

import numpy as np

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import API, bind_api, from_columns
from distillr.sandbox.twilio.table import Times, Values

CONTENT_TYPES = (
    "image/jpeg",
    "image/jpeg",
    "image/png",
    "image/gif",
    "video/mp4",
    "application/pdf",
)


def build(ds, rng: np.random.Generator) -> None:
    """Draws one content type per media from ``rng``."""
    mraw = ds.msg_raw
    mms_rows = np.flatnonzero(mraw["num_media"] > 0)
    parent_rows = np.repeat(mms_rows, mraw["num_media"][mms_rows])
    k = len(parent_rows)
    parent_sids = ds.tables["messages"].columns["sid"].take(parent_rows)
    p_acct = [ds.account_order[c] for c in mraw["account"][parent_rows].tolist()]
    created = mraw["date_created"][parent_rows]
    ctype = rng.integers(0, len(CONTENT_TYPES), k)
    media_sids = V.sids("ME", k, ds.seed, "media")
    media = {
        "sid": Values(media_sids),
        "account_sid": Values(p_acct),
        "parent_sid": Values(parent_sids),
        "content_type": Values([CONTENT_TYPES[c] for c in ctype.tolist()]),
        "date_created": Times(created),
        "date_updated": Times(created + 1),
        "uri": Values(
            [
                f"{API}/Accounts/{a}/Messages/{p}/Media/{s}.json"
                for a, p, s in zip(p_acct, parent_sids, media_sids)
            ]
        ),
    }
    from_columns(ds, "media", "api.v2010.account.message.media", k, media)
    bind_api(ds, "Messages/{MessageSid}/Media.json", "media", MessageSid="parent_sid")
