"""Flask's signed session cookie, with its serializer built once per key set rather than per request.

Flask builds an ``itsdangerous`` serializer twice in every request (to open the session and to
save it), even for a request that sends no cookie, such as a one-click POST; the cookie itself,
its keys, salt and format are Flask's, unchanged.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class SessionCookies(SecureCookieSessionInterface):
    """:class:`~flask.sessions.SecureCookieSessionInterface`, its serializer kept while the keys stay."""

    def __init__(self) -> None:
        self._built: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer for *app*'s current ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def init_app(app: Flask) -> None:
    """Give *app* the session cookies above."""
    app.session_interface = SessionCookies()
