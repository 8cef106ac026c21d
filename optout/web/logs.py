"""Request ids, and ``OPTOUT_LOG_FORMAT=json``: one JSON object per log line, redacted first.

Each request gets an id: the caller's ``X-Request-ID`` when it is a short, safe token (so a proxy's
id carries through), else a fresh one; it is in every log line of the request, in the response's
``X-Request-ID`` header and, for gunicorn's access line, in the WSGI environ. The JSON formatter
redacts every record (:func:`optout.web.security.redact_record`) before it formats it, and each
field again, so a JSON line holds no more than a text line: no token, pseudonymous id or address.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler, has_level_handler, wsgi_errors_stream

from .metrics import endpoint_class
from .security import RedactTokens, redact, redact_record

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")  # no dot or underscore: a link token always holds a dot
REQUEST_ID, ENDPOINT = "optout.request_id", "optout.endpoint"  # keys in the WSGI environ
FIELDS = ("request_id", "method", "endpoint", "status", "duration", "path")


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "event", "request_id", "method", "endpoint", …}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, after redaction."""
        redact_record(record)
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        if has_request_context():
            data.update(request_id=g.get("request_id"), method=request.method, endpoint=endpoint_class())
        data.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None})
        if record.exc_text:
            data["exception"] = record.exc_text
        if record.stack_info:
            data["stack"] = record.stack_info
        safe = {key: redact(value) if isinstance(value, str) else value for key, value in data.items()}
        return json.dumps(safe, ensure_ascii=False, default=str)


def request_id(given: str) -> str:
    """*given* if it is a short safe token that redaction leaves alone, else a fresh id."""
    if _SAFE_ID.match(given) and redact(given) == given:
        return given
    return secrets.token_urlsafe(12)


def _assign_request_id() -> None:
    g.request_id = request.environ[REQUEST_ID] = request_id(request.headers.get(REQUEST_ID_HEADER, ""))


def _tag_response(response: Response) -> Response:
    rid = g.get("request_id") or request_id("")
    response.headers[REQUEST_ID_HEADER] = rid
    request.environ[REQUEST_ID] = rid
    request.environ[ENDPOINT] = endpoint_class()  # for gunicorn's access line: a class, never a path
    return response


def use_json(logger: logging.Logger) -> None:
    """Give *logger* a JSON handler on the WSGI error stream, in place of Flask's text one."""
    logger.removeHandler(default_handler)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(wsgi_errors_stream)  # type: ignore[call-overload]
        handler.setFormatter(JsonFormatter())
        handler.addFilter(RedactTokens())
        logger.addHandler(handler)


def use_text(logger: logging.Logger) -> None:
    """Undo :func:`use_json` on *logger* (the logger is the process's, shared by its apps)."""
    for handler in [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]:
        logger.removeHandler(handler)
    if not has_level_handler(logger):
        logger.addHandler(default_handler)


def init_app(app: Flask, log_format: str) -> None:
    """Give every request an id and, with ``json``, the app's log lines as JSON."""
    app.before_request(_assign_request_id)
    app.after_request(_tag_response)
    (use_json if log_format == "json" else use_text)(app.logger)
