"""Every list endpoint answers with its exact envelope, and every record validates against the
spec's schema (the catalog's schemas are the spec's, $refs resolved)."""

import asyncio

import httpx
import jsonschema

from distillr import catalogs

V2010_KEYS = {
    "first_page_uri",
    "next_page_uri",
    "previous_page_uri",
    "uri",
    "page",
    "page_size",
    "start",
    "end",
}
META_KEYS = {
    "page",
    "page_size",
    "first_page_url",
    "previous_page_url",
    "url",
    "next_page_url",
    "key",
}


def to_jsonschema(schema):
    """OpenAPI 3.0 ``nullable`` -> JSON Schema ``null`` alternative, recursively."""
    if isinstance(schema, list):
        return [to_jsonschema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: to_jsonschema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _parent_values(sb, ep):
    """Values for the path parameters: a real parent where the sandbox holds one."""
    data = sb.data
    known = {
        "CallSid": ("calls", "sid"),
        "MessageSid": ("messages", "sid"),
        "ConferenceSid": ("participants", "conference_sid"),
        "QueueSid": ("queue_members", "queue_sid"),
        "RecordingSid": ("transcriptions", "recording_sid"),
        "ConversationSid": ("conversation_messages", "conversation_sid"),
        "FlowSid": ("executions", "flow_sid"),
        "ServiceSid": ("messaging_service_numbers", "service_sid"),
        "ChatServiceSid": ("conversations", "chat_service_sid"),
    }
    if ep["product"] == "conversations":
        known["MessageSid"] = ("conversation_messages", "sid")
    out = {"AccountSid": sb.account_sid}
    for p in ep["path_params"]:
        name = p["name"]
        if name == "AccountSid":
            continue
        if (
            name in known
            and ep["product"] in ("api", "conversations", "studio", "messaging")
            and not (name == "ServiceSid" and ep["product"] != "messaging")
        ):
            table, col = known[name]
            t = data.tables[table]
            acct = t.columns.get("account_sid")
            import numpy as np

            rows = (
                np.flatnonzero(acct.eq_mask(sb.account_sid)) if acct is not None else np.arange(t.n)
            )
            if len(rows):
                out[name] = t.render(rows[:1])[0][col]
                continue
        pattern = (p.get("schema") or {}).get("pattern", "")
        prefix = pattern[1:3] if pattern.startswith("^") and pattern[1:3].isalpha() else None
        out[name] = (prefix + "ab" * 16) if prefix and prefix.isupper() else "US"
    return out


def _url(catalog, ep, values):
    prefix = catalog["products"][ep["product"]]["prefix"]
    path = ep["path"]
    for k, v in values.items():
        path = path.replace("{" + k + "}", v)
    return prefix + path


def test_every_list_endpoint_validates(tiny):
    catalog = catalogs.load("twilio")
    schemas = catalog["schemas"]
    checked = 0

    async def run():
        nonlocal checked
        transport = httpx.ASGITransport(app=tiny.app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://sandbox.test",
            auth=(tiny.account_sid, tiny.auth_token),
        ) as client:
            for ep in catalog["endpoints"]:
                url = _url(catalog, ep, _parent_values(tiny, ep))
                r = await client.get(url, params={"PageSize": 20})
                assert r.status_code == 200, (url, r.text)
                body = r.json()
                key = ep["list_key"]
                if ep["envelope"] == "v2010":
                    assert set(body) == V2010_KEYS | {key}, url
                    assert body["uri"].startswith(url.split("?")[0] + "?")
                else:
                    assert set(body) == {key, "meta"}, url
                    assert set(body["meta"]) == META_KEYS and body["meta"]["key"] == key
                    assert body["meta"]["url"].startswith("http://sandbox.test" + url)
                validator = jsonschema.Draft202012Validator(
                    to_jsonschema(schemas[ep["record_schema"]])
                )
                for rec in body[key]:
                    errors = sorted(validator.iter_errors(rec), key=str)
                    assert not errors, (url, errors[0].message, errors[0].path)
                    assert set(rec) == {f["name"] for f in ep["fields"]}, url
                    checked += 1
                # the matching fetch answers with the same record
                if body[key] and ep.get("fetch_path"):
                    rec = body[key][0]
                    fp = ep["fetch_param"]
                    snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in fp).lstrip(
                        "_"
                    )
                    col = snake if snake in rec else ("sid" if "sid" in rec else None)
                    if col and isinstance(rec[col], str):
                        values = _parent_values(tiny, ep)
                        values[fp] = rec[col]
                        fetch = _url(catalog, {**ep, "path": ep["fetch_path"]}, values)
                        f = await client.get(fetch)
                        assert f.status_code == 200, (fetch, f.text)
                        assert f.json() == rec

    asyncio.run(run())
    assert checked > 300
