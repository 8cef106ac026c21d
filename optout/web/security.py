"""Response headers, and keeping tokens, pseudonymous ids and addresses out of every log.

``Referrer-Policy: same-origin`` rather than ``no-referrer``: Flask-WTF rejects an HTTPS form POST
without a same-origin Referer, and ``same-origin`` still sends nothing to any other site.

Werkzeug routes the percent-decoded path and redirects ``/p//…`` to ``/p/…``, so a token may
stand in a request line as ``/%70/…``, ``/p//…`` or ``%2Fp%2F…``: the pattern takes every such
form. Redaction happens on the formatted message and traceback of every record, when the record
is made (a log record factory) and again in a filter on the loggers and handlers that write
them, so a handler added to any logger sees nothing secret either.
"""

from __future__ import annotations

import logging
import re
from types import TracebackType
from typing import Any

from flask import Flask, Response, request

from ..links import LINK_PREFIXES

CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
TOKEN_AREAS = LINK_PREFIXES
OFFICER_AREA = "/officer"  # the console: personal data on every page, never to be cached
REDACTED = "…"
LOGGERS = ("optout", "werkzeug", "gunicorn.access", "gunicorn.error", "sqlalchemy", "sqlalchemy.engine.Engine")


def _area(prefix: str) -> str:
    """The pattern of one link area's name, each letter literal or percent-encoded (``p``, ``%70``)."""
    return "".join(f"(?:{re.escape(letter)}|%{ord(letter):02x})" for letter in prefix.strip("/"))


_SLASHES = "(?:/|%2f)+"
_TOKEN_IN_PATH = re.compile(
    f"({_SLASHES}(?:{'|'.join(_area(prefix) for prefix in LINK_PREFIXES)}){_SLASHES})[^/\\s?#\"'<>]+",
    re.IGNORECASE,
)
_PSEUDONYMOUS_ID = re.compile("(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])", re.IGNORECASE)
_ADDRESS = re.compile(r"[^\s@<>()\[\]\"',;:/\\]+(?:@|%40)[^\s@<>()\[\]\"',;:/\\?#&]+", re.IGNORECASE)


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
    """*text* (a log line, a path, a traceback) without link tokens, pseudonymous ids or addresses."""
    text = _TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
    text = _PSEUDONYMOUS_ID.sub(REDACTED, text)
    return _ADDRESS.sub(REDACTED, text)


_TRACEBACKS = logging.Formatter()


def redact_record(record: logging.LogRecord) -> None:
    """Replace *record*'s message, traceback and stack with their redacted text."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a bad logging call: the handler reports it as usual
        return
    record.msg, record.args = redact(message), None
    if record.exc_info:  # formatted here, since formatters would print it from the exception itself
        record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactTokens(logging.Filter):
    """A log filter that removes link tokens, pseudonymous ids and addresses from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


class _RedactingRecords:
    """A log record factory that redacts each record as it is made, whichever logger makes it."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.make(*args, **kwargs)
        redact_record(record)
        return record


class RedactingFlask(Flask):
    """Flask, logging an unhandled exception with the redacted path (``Exception on /p/… [GET]``),
    and asking whether each hook and view is a coroutine once rather than in every request."""

    _sync: dict[Any, Any]

    def ensure_sync(self, func: Any) -> Any:
        """Flask's :meth:`~flask.Flask.ensure_sync`, remembered per function (a dozen per request)."""
        try:
            cache = self._sync
        except AttributeError:
            cache = self._sync = {}
        found = cache.get(func)
        if found is None:
            if len(cache) >= 4096:  # a function made per request (after_this_request) must not pile up
                cache.clear()
            found = cache[func] = super().ensure_sync(func)
        return found

    def log_exception(self, exc_info: tuple[type, BaseException, TracebackType] | tuple[None, None, None]) -> None:
        """Log the exception of the current request, its path redacted."""
        self.logger.error("Exception on %s [%s]", redact(request.path), request.method, exc_info=exc_info)


def _add_filter(target: logging.Logger | logging.Handler) -> None:
    if not any(isinstance(f, RedactTokens) for f in target.filters):
        target.addFilter(RedactTokens())


def install_log_redaction(app: Flask) -> None:
    """Redact every log record: the record factory, and a filter on the loggers and their handlers."""
    if not isinstance(logging.getLogRecordFactory(), _RedactingRecords):
        logging.setLogRecordFactory(_RedactingRecords(logging.getLogRecordFactory()))
    loggers = [app.logger, logging.getLogger(), *(logging.getLogger(name) for name in LOGGERS)]
    for logger in loggers:
        _add_filter(logger)
        for handler in logger.handlers:
            _add_filter(handler)


def init_app(app: Flask) -> None:
    """Install the headers and the log redaction."""
    app.after_request(add_headers)
    install_log_redaction(app)
