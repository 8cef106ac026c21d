"""Redirects stay on the public origin, ``OPTOUT_BASE_URL``.

Werkzeug builds the slash-canonicalising redirects (``/officer`` to ``/officer/``, ``/p//<token>``)
as absolute URLs from the request's scheme and host. ``TRUSTED_HOSTS`` already refuses any other
host; this also gives them the public scheme and port, whatever the proxy in front forwarded.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import SecurityError

REDIRECTS = frozenset({301, 302, 303, 307, 308})


def init_app(app: Flask, public_origin: str) -> None:
    """Point every redirect to this site at *public_origin*, and refuse other hosts plainly."""

    @app.errorhandler(SecurityError)
    def _unknown_host(_error: SecurityError) -> Response:
        # No page of ours: with an untrusted Host, Flask has no URL adapter to build its links with.
        return Response("This site does not answer to that host name.\n", 400, mimetype="text/plain")

    @app.after_request
    def _public_location(response: Response) -> Response:
        location = response.headers.get("Location")
        if response.status_code not in REDIRECTS or not location:
            return response
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.environ.get("HTTP_HOST", ""):
            response.headers["Location"] = public_origin + parts._replace(scheme="", netloc="").geturl()
        return response
