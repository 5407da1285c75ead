"""Twilio-shaped error bodies: ``{code, message, more_info, status}``."""

from __future__ import annotations

import json


class TwilioHTTPError(Exception):
    """Raised inside the app; rendered as Twilio renders its errors."""

    def __init__(self, status: int, code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def body(self) -> bytes:
        return json.dumps(
            {
                "code": self.code,
                "message": self.message,
                "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
                "status": self.status,
            }
        ).encode()


def shown(value: str, limit: int = 60) -> str:
    """A client's value quoted for an error message, cut short if long."""
    return repr(value if len(value) <= limit else value[:limit] + "...")


def authenticate() -> TwilioHTTPError:
    return TwilioHTTPError(
        401, 20003, "Authenticate", {"www-authenticate": 'Basic realm="Twilio API"'}
    )


def not_found(path: str) -> TwilioHTTPError:
    shown_path = path if len(path) <= 200 else path[:200] + "..."
    return TwilioHTTPError(404, 20404, f"The requested resource {shown_path} was not found")


def bad_request(code: int, message: str) -> TwilioHTTPError:
    return TwilioHTTPError(400, code, message)
