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


def _sids(sb, table, account=None, col="sid"):
    import numpy as np

    t = sb.data.tables[table]
    acct = t.columns.get("account_sid")
    rows = (
        np.flatnonzero(acct.eq_mask(account or sb.account_sid))
        if acct is not None
        else np.arange(t.n)
    )
    return [r[col] for r in t.render(rows)]


@pytest.mark.parametrize(
    "resource,table,page_size",
    [
        ("recordings", "recordings", 50),
        ("conferences", "conferences", 7),
        ("incoming_phone_numbers", "incoming_numbers", 3),
        ("notifications", "notifications", 20),
        ("transcriptions", "transcriptions", 20),
        ("queues", "queues", 1),
    ],
)
def test_api_resources_paged_exactly_once(sb, client, resource, table, page_size):
    got = [r.sid for r in getattr(client, resource).list(page_size=page_size)]
    assert got and len(got) == len(set(got))
    assert got == _sids(sb, table)
    one = getattr(client, resource)(got[-1]).fetch()
    assert one.sid == got[-1]


def test_alerts_paged_exactly_once(sb, client):
    got = [a.sid for a in client.monitor.v1.alerts.list(page_size=7)]
    assert got and len(got) == len(set(got)) and got == _sids(sb, "alerts")
    alert = client.monitor.v1.alerts(got[0]).fetch()
    assert alert.sid == got[0] and alert.error_code


def test_usage_records_paged_exactly_once(sb, client):
    daily = client.usage.records.daily.list(page_size=100)
    keys = [(r.category, r.start_date) for r in daily]
    assert len(keys) == len(set(keys)) and len(keys) > 300
    # the daily figures add up to the all-time figure, per category
    total = {r.category: float(r.price) for r in client.usage.records.all_time.list()}
    for cat in ("calls", "sms", "totalprice"):
        assert total[cat] > 0
        assert abs(sum(float(r.price) for r in daily if r.category == cat) - total[cat]) < 1e-6


def test_participants_and_members(sb, client):
    conf = client.conferences.list(limit=1)[0]
    parts = client.conferences(conf.sid).participants.list(page_size=1)
    assert parts and all(p.conference_sid == conf.sid for p in parts)
    assert (
        client.conferences(conf.sid).participants(parts[0].call_sid).fetch().call_sid
        == parts[0].call_sid
    )
    queue = next(q for q in client.queues.list() if q.current_size)
    members = client.queues(queue.sid).members.list()
    assert len(members) == queue.current_size
    call = client.calls(members[0].call_sid).fetch()
    assert call.status == "in-progress"


def test_other_products(sb, client):
    flows = client.studio.v2.flows.list()
    assert flows
    execs = client.studio.v2.flows(flows[0].sid).executions.list(page_size=10)
    assert execs and all(e.flow_sid == flows[0].sid for e in execs)
    convs = client.conversations.v1.conversations.list(page_size=5)
    assert len(convs) == len(_sids(sb, "conversations"))
    msgs = client.conversations.v1.conversations(convs[0].sid).messages.list()
    assert [m.index for m in msgs] == sorted(m.index for m in msgs)
    services = client.messaging.v1.services.list()
    assert {s.sid for s in services} == set(_sids(sb, "messaging_services"))
    assert client.verify.v2.services.list()


def test_api_key_and_subaccounts(sb):
    key = Client(sb.api_key_sid, sb.api_key_secret, sb.account_sid)
    key.api.base_url = sb.base_url
    assert [c.sid for c in key.calls.list(limit=3)] == _sids(sb, "calls")[:3]
    # the main account reads its subaccount
    main = Client(sb.account_sid, sb.auth_token)
    main.api.base_url = sb.base_url
    sub_calls = main.api.v2010.accounts(sb.subaccount_sid).calls.list()
    assert sub_calls and [c.sid for c in sub_calls] == _sids(sb, "calls", sb.subaccount_sid)
    accounts = {a.sid for a in main.api.v2010.accounts.list()}
    assert {sb.account_sid, sb.subaccount_sid} <= accounts
    # the subaccount reads itself, never its parent
    sub = Client(sb.subaccount_sid, sb.subaccount_auth_token)
    sub.api.base_url = sb.base_url
    assert [c.sid for c in sub.calls.list()] == [c.sid for c in sub_calls]
    assert {a.sid for a in sub.api.v2010.accounts.list()} == {sb.subaccount_sid}
    with pytest.raises(TwilioRestException) as e:
        sub.api.v2010.accounts(sb.account_sid).calls(sub_calls[0].sid).fetch()
    assert e.value.code == 20003
    with pytest.raises(TwilioRestException) as e:
        sub.api.v2010.accounts(sb.account_sid).fetch()
    assert e.value.code == 20003
    with pytest.raises(TwilioException):
        sub.api.v2010.accounts(sb.account_sid).messages.list(limit=1)
    assert main.api.v2010.accounts(sb.account_sid).balance.fetch().currency == "USD"
