"""Refuse to serve from an out-of-date schema: every request gets 503 until the schema is current."""

from __future__ import annotations

from flask import Flask, abort, request

from ..schema import SchemaOutdated, check


def init_app(app: Flask) -> None:
    """Refuse every request while the schema is out of date (checked until it is current once)."""

    @app.before_request
    def _require_current_schema() -> None:
        # The health check makes this check itself, and answers 503 when the database does not.
        if app.extensions.get("optout.schema_ok") or request.endpoint in ("static", "public.health"):
            return
        try:
            check(app.extensions["optout.db"].engine)
        except SchemaOutdated as exc:
            app.logger.error("%s", exc)
            abort(503, description=str(exc))
        app.extensions["optout.schema_ok"] = True
