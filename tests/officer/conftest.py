"""Officer accounts and a signed-in test client for the console tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from optout.accounts import officers as auth
from optout.web.session import get_session
from tests.helpers.officers import EMAIL, PASSWORD, log_in


@pytest.fixture
def officer(app: Flask) -> str:
    """An officer account; returns its address."""
    with app.app_context():
        session = get_session()
        auth.add_officer(session, EMAIL, PASSWORD)
        session.commit()
    return EMAIL


@pytest.fixture
def signed_in(client: FlaskClient, officer: str) -> FlaskClient:
    """The test client, logged in as the officer."""
    response = log_in(client)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def sql(app: Flask) -> Callable[..., None]:
    """Run one statement straight on the database (to move a lock into the past, or tamper)."""

    def run(statement: str, **params: object) -> None:
        with app.extensions["optout.db"].engine.begin() as conn:
            conn.execute(text(statement), params)

    return run
