"""Error responses: JIRA's ``{"errorMessages": [...], "errors": {field: message}}``, and the
shapes of the test endpoints (``{"error", "message"}``) and of OAuth 2.0 (RFC 6749 section 5.2:
``{"error", "error_description"}``)."""

from __future__ import annotations

import msgspec


class HTTPError(Exception):
    """Raised inside the app; ``body`` is the JSON object sent with ``status``."""

    def __init__(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        super().__init__(str(body))
        self.status = status
        self.payload = body
        self.headers = headers or {}

    def body(self) -> bytes:
        return msgspec.json.encode(self.payload)


def jira(
    status: int,
    *messages: str,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HTTPError:
    return HTTPError(status, {"errorMessages": list(messages), "errors": errors or {}}, headers)


def bad_request(*messages: str, errors: dict[str, str] | None = None) -> HTTPError:
    return jira(400, *messages, errors=errors)


def unauthorized() -> HTTPError:
    return jira(
        401,
        "Client must be authenticated to access this resource: send Basic auth with the "
        "account's email and API token.",
        headers={"www-authenticate": 'Basic realm="protected-area"'},
    )


def plain(status: int, error: str, message: str, headers: dict[str, str] | None = None):
    """An error of the test endpoints."""
    return HTTPError(status, {"error": error, "message": message}, headers)


def oauth(status: int, error: str, description: str, headers: dict[str, str] | None = None):
    return HTTPError(status, {"error": error, "error_description": description}, headers)


def shown(value: str, limit: int = 60) -> str:
    """A client's value quoted for a message, cut short if long."""
    return repr(value if len(value) <= limit else value[:limit] + "...")
