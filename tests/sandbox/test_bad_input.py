"""Bad input never crashes the sandbox: every answer is a Twilio-shaped error or a valid list."""

import asyncio
import base64

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def call(sb, method, path, params=None, auth=None, headers=None):
    async def go():
        transport = httpx.ASGITransport(app=sb.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.test") as c:
            return await c.request(
                method,
                path,
                params=params,
                headers=headers,
                auth=auth if auth is not None else (sb.account_sid, sb.auth_token),
            )

    return asyncio.run(go())


def assert_twilio_error(r, status, code):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and body["status"] == status
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert body["message"]
    assert "twilio-request-id" in r.headers


def msgs(sb):
    return f"/2010-04-01/Accounts/{sb.account_sid}/Messages.json"


@pytest.mark.parametrize(
    "size,code",
    [
        ("1001", 20007),
        ("99999999999999999999", 20007),
        ("0", 20001),
        ("-5", 20001),
        ("abc", 20001),
        ("1e3", 20001),
    ],
)
def test_page_sizes(tiny, size, code):
    assert_twilio_error(call(tiny, "GET", msgs(tiny), {"PageSize": size}), 400, code)


@pytest.mark.parametrize(
    "token",
    [
        "junk",
        "PA",
        "PAxyz",
        "PASM" + "0" * 32,
        "PB" + "Z" * 40,
        "PAr12",
        "PAr1ff00",
        "%00",
        "PA" + "SM" * 17,
    ],
)
def test_bad_page_tokens(tiny, token):
    assert_twilio_error(call(tiny, "GET", msgs(tiny), {"PageToken": token}), 400, 21481)


@pytest.mark.parametrize(
    "param,value",
    [
        ("DateSent", "yesterday"),
        ("DateSent>", "2024-02-30"),
        ("DateSent<", "2024-13-01"),
        ("DateSent", "20240101"),
        ("DateSent>", "2024-01-01T25:00:00Z"),
    ],
)
def test_malformed_dates(tiny, param, value):
    assert_twilio_error(call(tiny, "GET", msgs(tiny), {param: value}), 400, 20001)


def test_date_only_filters_reject_date_times(tiny):
    path = f"/2010-04-01/Accounts/{tiny.account_sid}/Conferences.json"
    assert_twilio_error(
        call(tiny, "GET", path, {"DateCreated>": "2024-01-01T00:00:00Z"}), 400, 20001
    )
    assert call(tiny, "GET", path, {"DateCreated>": "2024-01-01"}).status_code == 200


def test_usage_dates(tiny):
    path = f"/2010-04-01/Accounts/{tiny.account_sid}/Usage/Records/Daily.json"
    assert_twilio_error(call(tiny, "GET", path, {"StartDate": "last week"}), 400, 20001)
    assert call(tiny, "GET", path, {"StartDate": "-30days"}).status_code == 200


def test_unknown_paths_and_methods(tiny):
    assert_twilio_error(call(tiny, "GET", "/nope"), 404, 20404)
    assert_twilio_error(
        call(tiny, "GET", f"/2010-04-01/Accounts/{tiny.account_sid}/Nope.json"), 404, 20404
    )
    assert_twilio_error(call(tiny, "GET", "/messaging/v9/Services"), 404, 20404)
    assert_twilio_error(
        call(tiny, "GET", f"/2010-04-01/Accounts/{tiny.account_sid}/Calls/CAnotasid.json"),
        404,
        20404,
    )
    assert_twilio_error(call(tiny, "GET", "/2010-04-01/Accounts/ACnope/Calls.json"), 404, 20404)
    for method in ("POST", "DELETE", "PUT", "PATCH"):
        r = call(tiny, method, msgs(tiny))
        assert_twilio_error(r, 405, 20004)


@pytest.mark.parametrize(
    "auth",
    [
        ("", ""),
        ("ACnope", "x"),
        (None, None),
        ("SK" + "0" * 32, "secret"),
    ],
)
def test_bad_credentials(tiny, auth):
    if auth == (None, None):
        r = call(
            tiny,
            "GET",
            msgs(tiny),
            headers={"Authorization": "Basic !!!notbase64"},
            auth=httpx.Auth(),
        )
    else:
        r = call(tiny, "GET", msgs(tiny), auth=auth)
    assert_twilio_error(r, 401, 20003)
    assert r.headers["www-authenticate"].startswith("Basic")


def test_wrong_token_for_right_sid(tiny):
    r = call(tiny, "GET", msgs(tiny), auth=(tiny.account_sid, tiny.auth_token + "x"))
    assert_twilio_error(r, 401, 20003)
    raw = base64.b64encode(tiny.account_sid.encode()).decode()  # no colon at all
    r = call(tiny, "GET", msgs(tiny), headers={"Authorization": f"Basic {raw}"}, auth=httpx.Auth())
    assert_twilio_error(r, 401, 20003)


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "PageSize",
                    "Page",
                    "PageToken",
                    "To",
                    "From",
                    "DateSent",
                    "DateSent<",
                    "DateSent>",
                    "StartTime>",
                    "Status",
                    "EndTime<",
                    "ParentCallSid",
                    "x",
                ]
            ),
            _text,
        ),
        max_size=4,
    ),
    resource=st.sampled_from(
        [
            "Messages.json",
            "Calls.json",
            "Recordings.json",
            "Conferences.json",
            "Notifications.json",
            "Usage/Records/Daily.json",
        ]
    ),
)
def test_fuzzed_queries_never_crash(tiny, params, resource):
    r = call(tiny, "GET", f"/2010-04-01/Accounts/{tiny.account_sid}/{resource}", params)
    assert r.status_code in (200, 400), r.text
    body = r.json()
    if r.status_code == 400:
        assert body["code"] in (20001, 20007, 21481) and body["status"] == 400
    else:
        assert "next_page_uri" in body


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.text(alphabet="/abcAC0123{}.%-_jsonMeagVvSrvic", max_size=60))
def test_fuzzed_paths_never_crash(tiny, path):
    r = call(tiny, "GET", "/" + path.lstrip("/"))
    assert r.status_code in (200, 401, 404), r.text
    assert "code" in r.json() or r.status_code == 200


def test_huge_values_are_not_echoed_whole(tiny):
    huge = "9" * 10000
    r = call(tiny, "GET", msgs(tiny), {"PageSize": huge})
    assert_twilio_error(r, 400, 20007)
    assert len(r.text) < 500
    r = call(tiny, "GET", msgs(tiny), {"DateSent>": "x" * 5000})
    assert_twilio_error(r, 400, 20001)
    assert len(r.text) < 500
    r = call(tiny, "GET", "/" + "a" * 3000)
    assert_twilio_error(r, 404, 20404)
    assert len(r.text) < 600


def test_unexpected_failure_is_a_twilio_500(tiny, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(tiny.app.store, "rows", boom)
    assert_twilio_error(call(tiny, "GET", msgs(tiny)), 500, 20500)


@pytest.mark.parametrize("messages,calls", [(0, 0), (1, 0), (0, 3)])
def test_empty_and_tiny_data(messages, calls):
    from distillr.sandbox import TwilioSandbox

    sb = TwilioSandbox(scale="tiny", messages=messages, calls=calls)
    for res in ("Messages.json", "Calls.json", "Recordings.json", "Usage/Records.json"):
        r = call(sb, "GET", f"/2010-04-01/Accounts/{sb.account_sid}/{res}")
        assert r.status_code == 200, r.text
    assert len(r.json()["usage_records"]) > 0
