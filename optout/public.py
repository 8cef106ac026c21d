"""Pages outside any link: the front page and a health check for load balancers."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from .db import get_session

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Explain where a recipient's link is; there is nothing to log in to."""
    return render_template("public/index.html")


@bp.get("/healthz")
def health() -> ResponseReturnValue:
    """Answer 200 when the database answers."""
    get_session().execute(text("SELECT 1"))
    return {"status": "ok"}
