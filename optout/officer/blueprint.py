"""The console's blueprint at ``/officer``: its guard and its template context.

The view modules (:mod:`.views`, :mod:`.rights`) import ``bp`` from here and never each other;
the package imports them once, so their routes are on ``bp`` before it is registered. The guard
refuses anonymous requests before any view runs (:func:`guard.refuse_anonymous`), so a page added
to the console is protected without remembering to; a test walks the URL map to hold that.
"""

from __future__ import annotations

from flask import Blueprint, g, request, session
from flask.typing import ResponseReturnValue

from ..web.i18n import explicit_language
from . import guard
from .navigation import NAV

bp = Blueprint("officer", __name__, url_prefix="/officer")
PUBLIC_ENDPOINTS = frozenset({"officer.login"})


@bp.before_request
def _console_language_and_guard() -> ResponseReturnValue | None:
    lang = explicit_language()
    if lang and session.get(guard.LANG_KEY) != lang:
        session[guard.LANG_KEY] = lang
    g.console_lang = session.get(guard.LANG_KEY)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return guard.refuse_anonymous()


@bp.context_processor
def _console_context() -> dict[str, object]:
    return {"signed_in": guard.current_officer(), "console_nav": NAV}
