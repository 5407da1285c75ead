"""The official twilio library works against the sandbox with only its base URLs changed."""

import json

import pytest
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client


@pytest.fixture(scope="module")
def client(sb):
    c = Client(sb.account_sid, sb.auth_token)
    c.api.base_url = sb.base_url
    for product in ("messaging", "conversations", "monitor", "studio", "verify", "insights"):
        getattr(c, product).base_url = f"{sb.base_url}/{product}"
    return c


def _all_sids(sb, table):
    import numpy as np
    t = sb.data.tables[table]
    rows = np.flatnonzero(t.columns["account_sid"].eq_mask(sb.account_sid))
    return [r["sid"] for r in t.render(rows)]


@pytest.mark.parametrize("page_size", [1000, 137])
def test_messages_paged_exactly_once(sb, client, page_size):
    got = [m.sid for m in client.messages.list(page_size=page_size)]
    assert len(got) == len(set(got))
    assert got == _all_sids(sb, "messages")


def test_calls_paged_exactly_once(sb, client):
    got = [c.sid for c in client.calls.list(page_size=250)]
    assert len(got) == len(set(got))
    assert got == _all_sids(sb, "calls")


def test_fetch_returns_same_record(sb, client):
    listed = client.messages.list(limit=5)[3]
    fetched = client.messages(listed.sid).fetch()
    assert fetched.sid == listed.sid and fetched.body == listed.body
    assert fetched.date_sent == listed.date_sent and fetched.price == listed.price
    call = client.calls.list(limit=1)[0]
    assert client.calls(call.sid).fetch().to == call.to


def test_bad_credentials(sb):
    bad = Client(sb.account_sid, "0" * 32)
    bad.api.base_url = sb.base_url
    with pytest.raises(TwilioRestException) as e:
        bad.calls("CA" + "0" * 32).fetch()
    assert e.value.code == 20003 and e.value.status == 401
    with pytest.raises(TwilioException) as e:
        bad.messages.list(limit=1)
    assert _code(e.value) == (401, 20003)


def test_unknown_sid(client):
    with pytest.raises(TwilioRestException) as e:
        client.messages("SM" + "0" * 32).fetch()
    assert e.value.code == 20404 and e.value.status == 404


def _code(exc: TwilioException) -> tuple[int, int]:
    """The client's list error carries the HTTP response as its second argument."""
    response = exc.args[1]
    return response.status_code, json.loads(response.text)["code"]


def test_page_size_1001(sb, client):
    with pytest.raises(TwilioException) as e:
        client.messages.page(page_size=1001)
    assert _code(e.value) == (400, 20007)
    sb.clear_requests()
    with pytest.raises(TwilioException) as e:
        client.calls.list(page_size=1001)
    assert _code(e.value) == (400, 20007)
    assert sb.requests[-1]["status"] == 400
    assert ("PageSize", "1001") in sb.requests[-1]["query"]
    client.messages.page(page_size=1000)  # the maximum itself is fine
