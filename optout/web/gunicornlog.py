"""gunicorn's logger for Optout (``logger_class`` in ``gunicorn.conf.py``).

With ``OPTOUT_LOG_FORMAT=json`` its error and access logs are JSON lines too (the formatter of
:mod:`optout.web.logs`, redacted first); an access line names the request's id, method, endpoint
class, status and duration, and the redacted path. Otherwise it is gunicorn's own logger.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from gunicorn.glogging import Logger

from .logs import ENDPOINT, REQUEST_ID, JsonFormatter
from .security import redact


def json_wanted() -> bool:
    """Whether ``OPTOUT_LOG_FORMAT`` asks for JSON (the app reports a bad value when it starts)."""
    return os.environ.get("OPTOUT_LOG_FORMAT", "").strip().lower() == "json"


class OptoutLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type information
    """gunicorn's logger, its lines as JSON when asked."""

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up, then give them the JSON formatter when asked."""
        super().setup(cfg)
        if json_wanted():
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta) -> None:
        """One access line: gunicorn's format as text, or the request's fields as JSON."""
        if not json_wanted():
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = resp.status
        fields = {
            "request_id": environ.get(REQUEST_ID),
            "method": environ.get("REQUEST_METHOD"),
            "endpoint": environ.get(ENDPOINT, "other"),
            "status": int(status.split(None, 1)[0]) if isinstance(status, str) else status,
            "duration": round(request_time.total_seconds(), 6),
            "path": redact(environ.get("RAW_URI") or environ.get("PATH_INFO", "")),
        }
        self.access_log.info("request", extra=fields)
