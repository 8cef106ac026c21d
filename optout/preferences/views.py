"""The preference page: show every choice, save changes, stop everything, undo.

Every POST here is CSRF-protected (the session cookie exists only on these pages). After a
change the browser is sent back to the page with the change's id, which shows what changed and
offers Undo while nothing newer has happened.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from ..consent import service as consent
from ..consent import undo as consent_undo
from ..links import PREFERENCES_PREFIX
from ..models import Link, Source
from ..tokens import Purpose
from ..web.extensions import get_catalog
from ..web.i18n import current_language, explicit_language
from ..web.pages import current_policy, read_link
from ..web.session import get_session
from . import page as prefs

bp = Blueprint("preferences", __name__)
TOKEN_RULE = PREFERENCES_PREFIX + "<token>"  # the URL scheme is links.py's


def _context(source: Source, campaign_id: int) -> consent.DecisionContext:
    return consent.DecisionContext(
        source=source,
        policy_version=current_policy().current.version,
        campaign_id=campaign_id,
        lang=current_language(),
        link=Link.PREFERENCES,
    )


def _back(token: str, change_id: str | None) -> ResponseReturnValue:
    args: dict[str, Any] = {"change": change_id} if change_id else {"saved": "1"}
    lang = explicit_language()
    if lang:
        args["lang"] = lang
    return redirect(url_for("preferences.show", token=token, **args), code=303)


def _render(token: str, *, status: int = 200, stale: bool = False) -> ResponseReturnValue:
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    pid, lang = claims.pid_hex, current_language()
    lang_arg = explicit_language()
    topics = get_catalog().topics(session)
    return (
        render_template(
            "preferences/show.html",
            campaign=campaign,
            page=prefs.build_page(session, pid, campaign, topics, lang, fresh=current_policy().freshness),
            summary=prefs.summary(session, pid, request.args.get("change"), topics, lang, campaign.id),
            saved=request.args.get("saved") == "1",
            stale=stale,
            actions={
                name: url_for(f"preferences.{name}", token=token, lang=lang_arg)
                for name in ("save", "everything", "undo")
            },
        ),
        status,
    )


@bp.get(TOKEN_RULE)
def show(token: str) -> ResponseReturnValue:
    """Show the recipient's choices (and the last change, with Undo)."""
    return _render(token)


@bp.post(TOKEN_RULE)
def save(token: str) -> ResponseReturnValue:
    """Record every checkbox that differs from the stored choice."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    pid = claims.pid_hex
    topics = get_catalog().topics(session)
    page = prefs.build_page(session, pid, campaign, topics, current_language(), fresh=current_policy().freshness)
    changes = prefs.changes_from_form(page, request.form.getlist("shown"), request.form.getlist("want"))
    change = consent.decide(session, pid, changes, _context(Source.PREFERENCE_PAGE, campaign.id), topics=topics)
    session.commit()
    return _back(token, change.change_id if change else None)


@bp.post(TOKEN_RULE + "/everything")
def everything(token: str) -> ResponseReturnValue:
    """Stop everything, or lift that stop."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    stop = request.form.get("do") != "resume"
    change = consent.decide(
        session,
        claims.pid_hex,
        prefs.everything_action(stop),
        _context(Source.PREFERENCE_PAGE, campaign.id),
        topics=get_catalog().topics(session),
    )
    session.commit()
    return _back(token, change.change_id if change else None)


@bp.post(TOKEN_RULE + "/undo")
def undo(token: str) -> ResponseReturnValue:
    """Restore the choices a change replaced."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    change_id = request.form.get("change", "")
    try:
        change = consent_undo.undo(session, claims.pid_hex, change_id, _context(Source.UNDO, campaign.id))
    except (consent_undo.ChangeNotFound, consent_undo.ChangeNotUndoable, consent_undo.ChangeStale):
        session.rollback()
        return _render(token, status=409, stale=True)
    session.commit()
    return _back(token, change.change_id if change else None)
