"""Officer accounts and a signed-in test client for the console tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from optout.accounts import officers as auth
from optout.web.session import get_session
from tests.conftest import BASE_URL, csrf_token

EMAIL = "personvern@example.no"
PASSWORD = "correct horse battery staple"
LOGIN_URL = f"{BASE_URL}/officer/login"


def console(path: str) -> str:
    """The absolute URL of a console path."""
    return f"{BASE_URL}/officer{path}"


def log_in(client: FlaskClient, email: str = EMAIL, password: str = PASSWORD, *, query: str = ""):
    """Fill in and send the login form, as a browser would (same-origin Referer)."""
    page = client.get(LOGIN_URL + query)
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    return client.post(LOGIN_URL + query, data=data, headers={"Referer": LOGIN_URL})


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None, *, token: bool = True):
    """POST a console form with the CSRF token of the page at *path* (or without one)."""
    url = console(path)
    form = dict(data or {})
    if token:
        page = client.get(console("/"))
        form["csrf_token"] = csrf_token((page if page.status_code == 200 else client.get(LOGIN_URL)).text)
    return client.post(url, data=form, headers={"Referer": url})


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
