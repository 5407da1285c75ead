"""Who may call which route.

Roles: ``admin`` manages users, sources and secrets; ``analyst`` queries, browses, exports and
sees sources masked. API tokens and login sessions act with their user's role, looked up at
each request. Without a login (a server on loopback only), the local user is an admin.

Every route declares exactly one of these as a parameter, which also gives it the caller::

    def list_sources(caller: Caller = ANALYST) -> ...

``PUBLIC`` (no login: health, login), ``ANALYST`` (any logged-in user) or ``ADMIN``. A request
without valid credentials gets 401; a logged-in user without the role gets 403. A state-changing
request authenticated by the session cookie needs the session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from fastapi import Depends, Request

from distillr.server.auth import AuthStore, same_secret
from distillr.server.problems import ApiProblem

__all__ = [
    "ADMIN",
    "ANALYST",
    "CSRF_HEADER",
    "PUBLIC",
    "ROLE_DEPENDENCIES",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "Caller",
    "Role",
]

SESSION_COOKIE = "distillr_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Role(IntEnum):
    NONE = 0
    ANALYST = 1
    ADMIN = 2

    @classmethod
    def named(cls, name: str | None) -> Role:
        return {"admin": cls.ADMIN, "analyst": cls.ANALYST}.get(name or "", cls.NONE)

    @property
    def label(self) -> str:
        return self.name.lower() if self else "none"


@dataclass(frozen=True)
class Caller:
    """Who sent the request: ``user`` is ``None`` for the local user (no login needed)."""

    user: str | None
    role: Role
    csrf: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role >= Role.ADMIN


def _identify(request: Request) -> Caller:
    """The caller of a request, or 401 when a login is needed and none is valid."""
    state = request.app.state.server
    if not state.require_auth:
        return Caller(None, Role.ADMIN)
    store: AuthStore = state.auth
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        found = store.identity_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            raise ApiProblem(
                401,
                "Not authenticated",
                "The API token is not valid (wrong, revoked, or its user was removed)."
                " Create one with `distillr users token NAME`.",
                "auth",
            )
        return Caller(found[0], Role.named(found[1]))
    sid = request.cookies.get(SESSION_COOKIE)
    sess = store.session(sid) if sid else None
    if sess is None:
        raise ApiProblem(
            401,
            "Not authenticated",
            "Log in, or send an API token as `Authorization: Bearer TOKEN`.",
            "auth",
        )
    if request.method not in SAFE_METHODS and not same_secret(
        request.headers.get(CSRF_HEADER), sess.csrf
    ):
        raise ApiProblem(
            403, "CSRF token missing or wrong", "Reload the page and try again.", "csrf"
        )
    return Caller(sess.user, Role.named(sess.role), sess.csrf)


def _needs(role: Role, what: str):
    def dependency(request: Request) -> Caller:
        caller = _identify(request)
        if caller.role < role:
            raise ApiProblem(
                403,
                "Not allowed",
                f"Only {role.label}s may {what}; you are logged in as {caller.user}"
                f" ({caller.role.label}). An admin can change that with"
                f" `distillr users role {caller.user} {role.label}`.",
                "role",
            )
        return caller

    dependency.__name__ = f"needs_{role.label}"
    return dependency


def _public(request: Request) -> Caller:
    """No login needed; the caller is not looked up."""
    return Caller(None, Role.NONE)


PUBLIC = Depends(_public)
ANALYST = Depends(_needs(Role.ANALYST, "use this server"))
ADMIN = Depends(_needs(Role.ADMIN, "manage data sources, secrets and users"))
#: the dependency callables, for tests that check each route declares exactly one
ROLE_DEPENDENCIES = {PUBLIC.dependency: Role.NONE, ANALYST.dependency: Role.ANALYST}
ROLE_DEPENDENCIES[ADMIN.dependency] = Role.ADMIN
