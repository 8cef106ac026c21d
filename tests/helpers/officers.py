"""The console tests' officer: address, password, and logging in and posting forms as a browser."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token

EMAIL = "personvern@example.no"
PASSWORD = "correct horse battery staple"
LOGIN_URL = f"{BASE_URL}/officer/login"


def console(path: str) -> str:
    """The absolute URL of a console path."""
    return f"{BASE_URL}/officer{path}"


def log_in(client: FlaskClient, email: str = EMAIL, password: str = PASSWORD, *, query: str = "") -> TestResponse:
    """Fill in and send the login form, as a browser would (same-origin Referer)."""
    page = client.get(LOGIN_URL + query)
    data = {"csrf_token": csrf_token(page.text), "email": email, "password": password}
    return client.post(LOGIN_URL + query, data=data, headers={"Referer": LOGIN_URL})


def post(client: FlaskClient, path: str, data: dict[str, str] | None = None, *, token: bool = True) -> TestResponse:
    """POST a console form with the CSRF token of the page at *path* (or without one)."""
    url = console(path)
    form = dict(data or {})
    if token:
        page = client.get(console("/"))
        form["csrf_token"] = csrf_token((page if page.status_code == 200 else client.get(LOGIN_URL)).text)
    return client.post(url, data=form, headers={"Referer": url})
