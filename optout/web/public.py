"""Pages outside any link: the front page, and the liveness and readiness checks of load balancers."""

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
    """Liveness: the process answers (200), without touching the database, so a database outage
    never gets a healthy worker restarted."""
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def ready() -> ResponseReturnValue:
    """Readiness: 200 when the database answers and its schema is current, else 503 with the reason
    (``database`` or ``schema``), never a trace; never cached."""
    try:
        get_session().execute(text("SELECT 1"))
        schema.check(current_app.extensions["optout.db"].engine)
    except SQLAlchemyError as exc:
        current_app.logger.warning("not ready: the database does not answer (%s)", type(exc).__name__)
        return {"status": "unavailable", "reason": "database"}, 503, {"Cache-Control": "no-store"}
    except schema.SchemaOutdated:
        current_app.logger.warning("not ready: the schema is not current (run `%s`)", schema.UPGRADE_COMMAND)
        return {"status": "unavailable", "reason": "schema"}, 503, {"Cache-Control": "no-store"}
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
