"""The errors a Custom API source raises for an API's answers: which request, what status, the
API's own message and what to do, never a secret.

The request is shown by method and URL (the base URL's origin and the path and query as they
were before the auth scheme added anything); the API's message is looked up at the endpoint's
or the source's ``error_path``, then at the usual places (:data:`ERROR_PATHS`). Every text goes
through the auth scheme's ``redact``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from distillr.connectors.auth import AuthScheme
from distillr.connectors.formats import value_at
from distillr.connectors.rest.definition import EndpointDef, SourceDef
from distillr.errors import AuthError, SourceError

if TYPE_CHECKING:
    import httpx

__all__ = ["ERROR_PATHS", "ApiErrors"]

#: where APIs usually give an error's message, tried after the definition's ``error_path``
ERROR_PATHS = (
    "errorMessages",
    "message",
    "error.message",
    "error_description",
    "error",
    "detail",
    "errors",
)
_HINTS = {
    403: "The credentials may not read this resource.",
    404: "Check the path parameters and the endpoint's URL: the resource may not exist.",
    400: "A parameter or pushed-down filter may be malformed.",
    410: "The API has removed this endpoint: update the definition.",
}


class ApiErrors:
    """Builds the errors of one source (its name, auth scheme and definition)."""

    def __init__(self, source: str, auth: AuthScheme, definition: SourceDef) -> None:
        self.source = source
        self.auth = auth
        self.error_path = definition.error_path
        parts = urlsplit(definition.base_url)
        # a base URL never holds credentials: the definition refuses them
        self.origin = f"{parts.scheme}://{parts.netloc}"

    def api_message(self, ep: EndpointDef | None, response: httpx.Response | None) -> str | None:
        """The API's own message in an error answer, if it gives one."""
        if response is None:
            return None
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            text = response.text[:200].strip()
            return self.auth.redact(text) if text and "<" not in text[:1] else None
        paths = [p for p in ((ep.error_path if ep else None), self.error_path) if p]
        for path in [*paths, *ERROR_PATHS]:
            text = _message_text(value_at(body, path))
            if text:
                return self.auth.redact(text)
        return None

    def refused(
        self, ep: EndpointDef, response: httpx.Response, method: str, path: str
    ) -> SourceError:
        """The error for a 4xx answer (``AuthError`` for a 401)."""
        status = response.status_code
        message = self.api_message(ep, response)
        path = self.auth.redact(path)
        url = self.origin + path
        detail = (message or "no details").rstrip(". ")
        if status == 401:
            return AuthError(
                f"The API of source '{self.source}' rejected the credentials (HTTP 401) for"
                f" {method} {url}: {detail}. Check the source's auth ({self.auth.describe()})"
                " and its secrets.",
                status=status,
                api_message=message,
                path=path,
            )
        hint = _HINTS.get(status, "")
        return SourceError(
            f"The API of source '{self.source}' answered HTTP {status} to {method} {url}:"
            f" {detail}. {hint}".rstrip(),
            status=status,
            api_message=message,
            path=path,
        )

    def gave_up(
        self,
        ep: EndpointDef,
        method: str,
        path: str,
        response: httpx.Response | None,
        reason: str,
        attempts: int,
    ) -> SourceError:
        """The error after the last retry of a request."""
        message = self.api_message(ep, response)
        path = self.auth.redact(path)
        detail = f": {message.rstrip('. ')}" if message else ""
        return SourceError(
            f"The API of source '{self.source}': {method} {self.origin}{path} failed after"
            f" {attempts + 1} attempts; last: {self.auth.redact(reason)}{detail}. The query"
            " returned no partial data; try again later, or lower the source's concurrency or"
            " requests_per_second.",
            status=response.status_code if response is not None else None,
            api_message=message,
            path=path,
        )


def _message_text(found: Any) -> str | None:
    if found is None or found == "" or found == [] or found == {}:
        return None
    if isinstance(found, str):
        return found[:300]
    if isinstance(found, list):
        parts = [_message_text(x) for x in found]
        return "; ".join(x for x in parts if x)[:300] or None
    if isinstance(found, dict):
        parts = [f"{k}: {_message_text(v)}" for k, v in found.items() if _message_text(v)]
        return "; ".join(parts)[:300] or None
    return str(found)[:300]
