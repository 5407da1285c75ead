"""The next-URL paginator's ways of meeting the base URL: a link joined to it, a path appended
to it (Twilio's next_page_uri) and an absolute URL moved onto it (Twilio's
meta.next_page_url); in each, a next page that would leave the base URL's host is refused."""

from __future__ import annotations

import pytest

from distillr.connectors.paginators import NextUrlPaginator, Page, PageRequest, make_paginator
from distillr.errors import SourceError


def _next(paginator, body, base):
    nxt = paginator.next(Page(PageRequest(base + "/first"), body, 1, base_url=base))
    return None if nxt is None else nxt.url


def test_join_resolves_a_path_as_a_link():
    p = NextUrlPaginator("next")
    assert _next(p, {"next": "/v1/x?p=2"}, "http://h:1/api") == "http://h:1/v1/x?p=2"
    assert _next(p, {"next": "x?p=2"}, "http://h:1/api") == "http://h:1/api/x?p=2"


def test_append_keeps_the_base_urls_own_path():
    p = NextUrlPaginator("next_page_uri", resolve="append")
    body = {"next_page_uri": "/2010-04-01/Accounts/AC1/Messages.json?Page=1"}
    assert _next(p, body, "http://h:1/proxy") == (
        "http://h:1/proxy/2010-04-01/Accounts/AC1/Messages.json?Page=1"
    )
    assert _next(p, {"next_page_uri": None}, "http://h:1") is None


@pytest.mark.parametrize(
    ("nxt", "base", "expected"),
    [
        # the API names its public host: the path and query move onto the base URL
        (
            "https://monitor.twilio.com/v1/Alerts?Page=1",
            "http://h:1/monitor",
            "http://h:1/monitor/v1/Alerts?Page=1",
        ),
        # already on the base URL: as it is
        (
            "http://h:1/monitor/v1/Alerts?Page=1",
            "http://h:1/monitor",
            "http://h:1/monitor/v1/Alerts?Page=1",
        ),
        # another host whose path repeats the base URL's: not doubled
        ("http://other/monitor/v1/Alerts", "http://h:1/monitor", "http://h:1/monitor/v1/Alerts"),
        (
            "https://monitor.twilio.com/v1/Alerts",
            "https://monitor.twilio.com",
            "https://monitor.twilio.com/v1/Alerts",
        ),
    ],
)
def test_rebase_moves_an_absolute_url_onto_the_base_url(nxt, base, expected):
    p = NextUrlPaginator("meta.next_page_url", resolve="rebase")
    assert _next(p, {"meta": {"next_page_url": nxt}}, base) == expected


@pytest.mark.parametrize("resolve", ["join", "append"])
def test_a_next_url_that_leaves_the_host_is_refused(resolve):
    p = NextUrlPaginator("next", resolve=resolve)
    with pytest.raises(SourceError, match="another server"):
        _next(
            p, {"next": "@evil.example/x" if resolve == "append" else "http://evil/x"}, "http://h:1"
        )


def test_resolve_is_a_setting_with_its_choices():
    assert make_paginator({"type": "next_url", "resolve": "rebase"}).resolve == "rebase"
    with pytest.raises(Exception, match="join"):
        make_paginator({"type": "next_url", "resolve": "sideways"})
