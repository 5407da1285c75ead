"""A spec's security scheme as a definition's auth: the type and its options, never a secret.

The scheme is the first one the spec's top-level ``security`` names (else the first
declared): HTTP ``basic`` and ``bearer``, ``apiKey`` in a header or the query string, and
OAuth 2.0 with a client-credentials flow (``clientCredentials``; Swagger 2.0's
``application``) with its token URL and scopes. Options the spec cannot give (basic's
``username``, OAuth's ``client_id``) come from the import's ``options``; the secrets are asked
for as for any source. Other schemes (cookies, OpenID Connect, other OAuth flows) give no auth
and a note to set it by hand.
"""

from __future__ import annotations

from typing import Any

from distillr.connectors.auth import SCHEMES
from distillr.connectors.rest.openapi.spec import OpenApiError, Spec

__all__ = ["auth_of"]


def _chosen(spec: Spec) -> tuple[str, dict[str, Any]] | None:
    schemes = spec.security_schemes()
    if not schemes:
        return None
    for requirement in spec.data.get("security") or ():
        if isinstance(requirement, dict):
            for name in requirement:
                if name in schemes:
                    return name, schemes[name]
    name = next(iter(schemes))
    return name, schemes[name]


def _mapped(scheme: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    kind = str(scheme.get("type", "")).lower()
    if kind == "basic" or (kind == "http" and str(scheme.get("scheme", "")).lower() == "basic"):
        return {"type": "basic"}, "HTTP basic"
    if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
        return {"type": "bearer"}, "HTTP bearer"
    if kind == "apikey":
        where = str(scheme.get("in", "header"))
        if where not in ("header", "query"):
            return None, f"an API key in a {where} (not supported: set auth by hand)"
        name = str(scheme.get("name") or "X-API-Key")
        return {"type": "api_key", "name": name, "location": where}, f"API key ({where} {name})"
    if kind == "oauth2":
        flows = scheme.get("flows") or {}
        flow = flows.get("clientCredentials")
        if flow is None and scheme.get("flow") == "application":
            flow = scheme
        if isinstance(flow, dict) and flow.get("tokenUrl"):
            out: dict[str, Any] = {"type": "oauth2_client_credentials"}
            out["token_url"] = str(flow["tokenUrl"])
            scopes = " ".join(str(s) for s in flow.get("scopes") or {})
            if scopes:
                out["scope"] = scopes
            return out, "OAuth 2.0 client credentials"
        return None, "OAuth 2.0 without a client-credentials flow (set auth by hand)"
    return None, f"{kind or 'an unknown scheme'} (not supported: set auth by hand)"


def auth_of(spec: Spec, options: dict[str, str]) -> tuple[dict[str, Any] | None, str, dict]:
    """(the auth as written in a definition, how the report shows it, options still needed:
    name -> help)."""
    chosen = _chosen(spec)
    if chosen is None:
        if options:
            raise OpenApiError(
                f"The spec declares no auth, so the options {', '.join(options)} mean nothing."
            )
        return None, "none", {}
    auth, text = _mapped(chosen[1])
    if auth is None:
        return None, text, {}
    declared = SCHEMES[auth["type"]].settings
    known = {s.name: s for s in declared}
    for key, value in options.items():
        if key not in known:
            names = ", ".join(known) or "none"
            raise OpenApiError(
                f"The {text} auth has no option '{key}'; its options: {names}. (Secrets are"
                " given apart, never as options.)"
            )
        auth[key] = value
    missing = {s.name: s.help for s in declared if s.required and s.name not in auth}
    shown = text + "".join(f", {k}={v}" for k, v in auth.items() if k in options)
    return auth, shown, missing
