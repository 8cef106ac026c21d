"""Pages outside any link: the front page and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import schema
from .session import get_session

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Explain where a recipient's link is; there is nothing to log in to."""
    return render_template("public/index.html")


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Answer 200 when the database answers and its schema is current, else 503 (never cached)."""
    try:
        get_session().execute(text("SELECT 1"))
        schema.check(current_app.extensions["optout.db"].engine)
    except (SQLAlchemyError, schema.SchemaOutdated) as exc:
        current_app.logger.warning("health check failed: %s", type(exc).__name__)  # no SQL, no parameters
        return {"status": "unavailable"}, 503, {"Cache-Control": "no-store"}
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
