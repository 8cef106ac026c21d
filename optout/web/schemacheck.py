"""Refuse to serve from an out-of-date schema: every request gets 503 until the schema is current."""

from __future__ import annotations

from flask import Flask, abort, request

from ..schema import SchemaOutdated, check

_EXEMPT = ("static", "public.health", "public.ready", "metrics")


def init_app(app: Flask) -> None:
    """Refuse every request while the schema is out of date (checked until it is current once)."""

    @app.before_request
    def _require_current_schema() -> None:
        # Readiness makes this check itself; liveness and the metrics need no database.
        if app.extensions.get("optout.schema_ok") or request.endpoint in _EXEMPT:
            return
        try:
            check(app.extensions["optout.db"].engine)
        except SchemaOutdated as exc:
            app.logger.error("%s", exc)
            abort(503, description=str(exc))
        app.extensions["optout.schema_ok"] = True
