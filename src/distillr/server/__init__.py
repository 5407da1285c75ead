"""distillr's web app: a FastAPI JSON API and the built front end (``static/``)."""

from __future__ import annotations

from distillr.server.app import create_app

__all__ = ["create_app"]
