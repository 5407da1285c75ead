"""The JSON API's routes, one router per area (as datasette's ``views/``): ``auth`` (login,
logout, who am I), ``sources`` (the wizard and saved sources), ``tree`` (nav tree and samples),
``queries`` (jobs, EXPLAIN and formatting), ``saved`` (saved queries), ``export`` (results
and files), ``openapi`` (a spec's proposed tables, for the wizard), ``files`` (uploads into a
source of files), ``static`` (the page, the API docs, health). Each route declares the role it
needs (``distillr.server.roles``)."""

from __future__ import annotations

from distillr.server.views import (
    auth,
    export,
    files,
    openapi,
    queries,
    saved,
    sources,
    static,
    tree,
)

ROUTERS = (
    auth.router,
    sources.router,
    openapi.router,
    files.router,
    tree.router,
    queries.router,
    saved.router,
    export.router,
    static.router,
)

__all__ = ["ROUTERS"]
