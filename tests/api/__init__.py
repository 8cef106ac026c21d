"""Helpers shared by the API tests: a key straight from the service, and its header."""

from __future__ import annotations

from flask import Flask

from optout.accounts import api_keys as keys
from optout.web.session import get_session


def create_key(app: Flask, name: str = "mailer", scopes: tuple[keys.Scope, ...] = tuple(keys.Scope)) -> str:
    """Create an API key (by default with every scope) through the service and return it."""
    with app.app_context():
        session = get_session()
        key = keys.create_key(session, name, scopes)
        session.commit()
        return key


def bearer(key: str) -> dict[str, str]:
    """The Authorization header for *key*."""
    return {"Authorization": f"Bearer {key}"}
