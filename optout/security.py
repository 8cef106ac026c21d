"""Response headers, and keeping tokens out of logs.

``Referrer-Policy: same-origin`` rather than ``no-referrer``: Flask-WTF rejects an HTTPS form POST
without a same-origin Referer, and ``same-origin`` still sends nothing to any other site.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from flask import Flask, Response, request

CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
TOKEN_AREAS = ("/u/", "/p/")
OFFICER_AREA = "/officer"  # the console: personal data on every page, never to be cached
_TOKEN_IN_PATH = re.compile(r"(/[up]/)[^/\s?\"]+")


def _in_console(path: str) -> bool:
    return path == OFFICER_AREA or path.startswith(OFFICER_AREA + "/")


def add_headers(response: Response) -> Response:
    """Set the security headers on every response, and no-store/noindex on token and console pages."""
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if response.mimetype == "text/html":
        response.vary.add("Accept-Language")  # the language may come from it
    if request.path.startswith(TOKEN_AREAS) or _in_console(request.path):
        headers["Cache-Control"] = "no-store"
        headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def redact(text: str) -> str:
    """Replace link tokens in *text* (a log line or a path) with an ellipsis."""
    return _TOKEN_IN_PATH.sub(r"\1…", text)


class RedactTokens(logging.Filter):
    """A log filter that removes link tokens from request lines (werkzeug, gunicorn)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access log passes its atoms as a dict
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def init_app(app: Flask) -> None:
    """Install the headers and the log filter."""
    app.after_request(add_headers)
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
