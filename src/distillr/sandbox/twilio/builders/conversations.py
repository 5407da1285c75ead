"""Conversations: a Conversations service per account, and support chats between a customer
(over SMS, through one of the account's numbers) and an agent, two to eight messages each,
customer and agent taking turns. Listed oldest first, also under their service.
"""

from __future__ import annotations

import json
import random

from distillr.sandbox.twilio import values as V
from distillr.sandbox.twilio.builders.records import bind_view, from_records, product_url
from distillr.sandbox.twilio.store import Binding

TOPICS = ("Order question", "Delivery issue", "Billing", "Appointment", "Returns", "Feedback")
STATES = ("active", "active", "inactive", "closed", "closed")
AGENT_LINES = (
    "Hi! How can I help you today?",
    "Let me check that for you.",
    "Your order is on its way.",
    "Is there anything else I can help with?",
)
CUSTOMER_LINES = (
    "Hi, I have a question about my order.",
    "It hasn't arrived yet.",
    "Thanks, that's great!",
    "No, that's all. Bye!",
    "Can I change the address?",
)
_BY_CONVERSATION = {"ConversationSid": "conversation_sid"}
_PRODUCT = "conversations"


def build(ds, prng: random.Random) -> None:
    """Draws each conversation's time, customer, agent and messages from ``prng``, in turn."""
    services = _services(ds)
    convs, parts, msgs = [], [], []
    for k in range(max(6, min(2000, ds.sizes["messages"] // 150))):
        a = ds.account_order[1] if k % 8 == 7 else ds.account_order[0]
        conv = _conversation(ds, prng, k, a, services[a])
        convs.append(conv)
        customer = ds.customers[prng.randrange(len(ds.customers))]
        proxy = next(r["phone_number"] for r in ds.number_records if r["account_sid"] == a)
        agent = f"agent_{prng.randrange(1, 12)}"
        pair = _participants(ds, conv, customer, proxy, agent)
        parts.extend(pair)
        msgs.extend(_messages(ds, prng, conv, (customer, agent), [p["sid"] for p in pair]))
    convs.sort(key=lambda r: r["date_created"])
    from_records(ds, "conversations", "conversations.v1.conversation", convs)
    from_records(
        ds, "conversation_messages", "conversations.v1.conversation.conversation_message", msgs
    )
    from_records(
        ds,
        "conversation_participants",
        "conversations.v1.conversation.conversation_participant",
        parts,
    )
    b = ds.bindings
    b[(_PRODUCT, "/v1/Conversations")] = Binding("conversations", {})
    b[(_PRODUCT, "/v1/Conversations/{ConversationSid}/Messages")] = Binding(
        "conversation_messages", dict(_BY_CONVERSATION)
    )
    b[(_PRODUCT, "/v1/Conversations/{ConversationSid}/Participants")] = Binding(
        "conversation_participants", dict(_BY_CONVERSATION)
    )
    by_service = {"ChatServiceSid": "chat_service_sid"}
    under = "/v1/Services/{ChatServiceSid}/Conversations"
    bind_view(ds, _PRODUCT, under, "svc_conversations", "conversations", by_service)
    for tail, table in (
        ("Messages", "conversation_messages"),
        ("Participants", "conversation_participants"),
    ):
        path = f"{under}/{{ConversationSid}}/{tail}"
        bind_view(ds, _PRODUCT, path, "svc_" + table, table, {**by_service, **_BY_CONVERSATION})


def _services(ds) -> dict[str, str]:
    """The Conversations service of each account (the first two), by account."""
    services = {a: V.sid("IS", ds.seed, a, "conv-service") for a in ds.account_order[:2]}
    records = []
    for a, s in services.items():
        t = ds.accounts[a].created + 20 * V.DAY
        records.append(
            {
                "sid": s,
                "account_sid": a,
                "friendly_name": "Default Conversations Service",
                "date_created": t,
                "date_updated": t,
                "_when": t,
                "url": product_url(_PRODUCT, f"/v1/Services/{s}"),
                "links": {
                    "conversations": product_url(_PRODUCT, f"/v1/Services/{s}/Conversations")
                },
            }
        )
    from_records(ds, "conversation_services", "conversations.v1.service", records)
    ds.bindings[(_PRODUCT, "/v1/Services")] = Binding("conversation_services", {})
    return services


def _conversation(ds, prng: random.Random, k: int, a: str, service: str) -> dict:
    t = ds.start + prng.randrange(0, ds.anchor - ds.start - V.DAY)
    sid = V.sid("CH", ds.seed, "conv", k)
    base = f"/v1/Conversations/{sid}"
    topic = TOPICS[k % len(TOPICS)]
    return {
        "sid": sid,
        "account_sid": a,
        "chat_service_sid": service,
        "messaging_service_sid": ds.messaging_services[a][0],
        "friendly_name": f"{topic} #{1000 + k}",
        "unique_name": None,
        "attributes": json.dumps({"topic": topic}),
        "state": STATES[k % len(STATES)],
        "date_created": t,
        "date_updated": t + 3600,
        "_when": t,
        "timers": {},
        "bindings": None,
        "url": product_url(_PRODUCT, base),
        "links": {
            "participants": product_url(_PRODUCT, f"{base}/Participants"),
            "messages": product_url(_PRODUCT, f"{base}/Messages"),
            "webhooks": product_url(_PRODUCT, f"{base}/Webhooks"),
        },
    }


def _participants(ds, conv: dict, customer: str, proxy: str, agent: str) -> list[dict]:
    """The customer (an SMS binding through ``proxy``), then the agent (a chat identity)."""
    sid, a, t = conv["sid"], conv["account_sid"], conv["date_created"]
    out = []
    for tag, ident, binding in (
        ("c", None, {"type": "sms", "address": customer, "proxy_address": proxy}),
        ("a", agent, None),
    ):
        ps = V.sid("MB", ds.seed, sid, tag)
        out.append(
            {
                "sid": ps,
                "account_sid": a,
                "conversation_sid": sid,
                "chat_service_sid": conv["chat_service_sid"],
                "identity": ident,
                "messaging_binding": binding,
                "attributes": "{}",
                "role_sid": V.sid("RL", ds.seed, a, "participant"),
                "date_created": t,
                "date_updated": t,
                "_when": t,
                "last_read_message_index": None,
                "last_read_timestamp": None,
                "url": product_url(_PRODUCT, f"/v1/Conversations/{sid}/Participants/{ps}"),
            }
        )
    return out


def _messages(ds, prng, conv: dict, authors: tuple[str, str], participants: list[str]) -> list:
    """Two to eight messages, a minute or so apart: the customer first, then the agent, in turn."""
    sid, a, t = conv["sid"], conv["account_sid"], conv["date_created"]
    base = f"/v1/Conversations/{sid}"
    out = []
    for i in range(prng.randrange(2, 9)):
        by_agent = i % 2 == 1
        ms = V.sid("IM", ds.seed, sid, i)
        mt = t + 60 * i + prng.randrange(0, 50)
        out.append(
            {
                "sid": ms,
                "account_sid": a,
                "conversation_sid": sid,
                "chat_service_sid": conv["chat_service_sid"],
                "index": i,
                "author": authors[by_agent],
                "participant_sid": participants[by_agent],
                "body": (AGENT_LINES if by_agent else CUSTOMER_LINES)[(i // 2) % 4],
                "media": None,
                "attributes": "{}",
                "date_created": mt,
                "date_updated": mt,
                "_when": mt,
                "delivery": None,
                "content_sid": None,
                "url": product_url(_PRODUCT, f"{base}/Messages/{ms}"),
                "links": {
                    "delivery_receipts": product_url(_PRODUCT, f"{base}/Messages/{ms}/Receipts"),
                    "channel_metadata": product_url(
                        _PRODUCT, f"{base}/Messages/{ms}/ChannelMetadata"
                    ),
                },
            }
        )
    return out
