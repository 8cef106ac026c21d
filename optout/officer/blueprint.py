"""The console's blueprint at ``/officer``: its guard, its template context and label filters.

The page modules of :mod:`.views` import ``bp`` from here and never each other; the package
imports :mod:`.views` once, so their routes are on ``bp`` before it is registered. The guard
refuses anonymous requests before any view runs (:func:`guard.refuse_anonymous`), so a page added
to the console is protected without remembering to; a test walks the URL map to hold that.
"""

from __future__ import annotations

from flask import Blueprint, g, request, session
from flask.typing import ResponseReturnValue

from ..web.i18n import explicit_language
from . import chart, errors, guard, labels
from .navigation import NAV

bp = Blueprint("officer", __name__, url_prefix="/officer")
PUBLIC_ENDPOINTS = frozenset({"officer.login"})

# The templates name codes in the page's language with these: ``{{ event.action|action_label }}``.
for _name, _label in {
    "action_label": labels.action,
    "source_label": labels.source,
    "reason_label": labels.reason,
    "opt_out_kind_label": labels.opt_out_kind,
    "fault_label": labels.fault,
}.items():
    bp.add_app_template_filter(_label, _name)
# Labels that depend on the scope too: ``{{ choice_label(scope, status) }}``.
bp.add_app_template_global(labels.choice, "choice_label")
bp.add_app_template_global(labels.event_action, "event_action_label")
# A refused form's summary: ``{% set error_summary = errors|error_summary("email") %}``.
bp.add_app_template_filter(errors.summary, "error_summary")


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
    return {
        "signed_in": guard.current_officer(),
        "console_nav": NAV,
        "chart_width": chart.WIDTH,
        "chart_height": chart.HEIGHT,
    }
