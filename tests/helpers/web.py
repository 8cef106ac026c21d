"""The test client every app uses, and reading a form's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class PublicOriginClient(FlaskClient):
    """A test client that sends relative URLs to the app's public origin, as a browser following
    its links would: the app refuses every other ``Host`` (``TRUSTED_HOSTS``), and the test client's
    default, ``localhost``, is another."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        if args and isinstance(args[0], str) and args[0].startswith("/") and "base_url" not in kwargs:
            kwargs["base_url"] = self.application.extensions["optout.settings"].public_origin
        return super().open(*args, **kwargs)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in *html*."""
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)
