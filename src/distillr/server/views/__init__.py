"""The JSON API's routes, one router per area (as datasette's ``views/``): ``auth`` (login,
logout, who am I), ``sources`` (the wizard and saved sources), ``tree`` (nav tree and samples),
``queries`` (jobs and EXPLAIN), ``export`` (results and files), ``openapi`` (a spec's proposed
tables, for the wizard), ``static`` (the page, the API
docs, health). Each route declares the role it needs (``distillr.server.roles``)."""

from __future__ import annotations

from distillr.server.views import auth, export, openapi, queries, sources, static, tree

ROUTERS = (
    auth.router,
    sources.router,
    openapi.router,
    tree.router,
    queries.router,
    export.router,
    static.router,
)

__all__ = ["ROUTERS"]
