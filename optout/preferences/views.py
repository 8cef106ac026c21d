"""The preference page: show every choice, save changes, unsubscribe from everything, pause, undo.

Every POST here is CSRF-protected (the session cookie exists only on these pages). After a
change the browser is sent back to the page with the change's id, which shows what changed and
offers Undo while nothing newer has happened.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import generate_csrf

from ..consent import pause as pausing
from ..consent import service as consent
from ..consent import undo as consent_undo
from ..links import PREFERENCES_PREFIX
from ..models import Link, Source
from ..tokens import Purpose
from ..web import pagecache
from ..web.extensions import get_catalog, get_settings
from ..web.i18n import current_language, explicit_language
from ..web.pages import current_policy, read_link, token_urls
from ..web.session import get_session
from . import page as prefs
from . import summary as changes
from . import why
from .words import long_date

bp = Blueprint("preferences", __name__)
TOKEN_RULE = PREFERENCES_PREFIX + "<token>"  # the URL scheme is links.py's
ACTIONS = {name: f"preferences.{name}" for name in ("save", "everything", "undo", "pause", "end_pause")}


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
    """The page, rendered once for everyone whose page shows the same (:mod:`..web.pagecache`).

    What differs between two such people goes in as slots: the link's token in the forms'
    URLs, the CSRF token, the change id that Undo carries and the text of each reason (its day)."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    pid, lang = claims.pid_hex, current_language()
    lang_arg = explicit_language()
    topics = get_catalog().topics(session)
    page = prefs.build_page(session, pid, campaign, topics, lang, fresh=current_policy().freshness)
    summary = changes.summary(session, pid, request.args.get("change"), topics, lang, campaign.id)
    reasons = why.reasons(session, pid, page, topics, lang)
    slots = {"token": token, "csrf": generate_csrf(), "change": summary.change_id if summary else ""}
    slots.update((f"reason-{n}", reason.text) for n, reason in enumerate(reasons))
    reason_topics = tuple(reason.topic for reason in reasons)
    fixed: dict[str, Hashable] = {
        "campaign": campaign,
        "page": page,
        "summary": replace(summary, change_id="") if summary else None,
        "reason_topics": reason_topics,
        "partner_promise": why.partner_promise(campaign, get_settings().officer.organisation),
        "paused_until": long_date(page.paused_until, lang) if page.paused_until else None,
        "pause_months": pausing.MONTHS,
        "saved": request.args.get("saved") == "1",
        "stale": stale,
    }

    def build(filled: Mapping[str, str]) -> dict[str, object]:
        return {
            "actions": token_urls(filled["token"], ACTIONS, lang_arg),
            "csrf_token": lambda: filled["csrf"],
            "change_id": filled["change"],
            "reasons": [why.Reason(topic, filled[f"reason-{n}"]) for n, topic in enumerate(reason_topics)],
        }

    return pagecache.render("preferences/show.html", fixed, slots, build), status


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
    wanted = prefs.changes_from_form(page, request.form.getlist("shown"), request.form.getlist("want"))
    change = consent.decide(session, pid, wanted, _context(Source.PREFERENCE_PAGE, campaign.id), topics=topics)
    session.commit()
    return _back(token, change.change_id if change else None)


@bp.post(TOKEN_RULE + "/everything")
def everything(token: str) -> ResponseReturnValue:
    """Unsubscribe from everything, or resubscribe (which lifts that stop and gives no consent)."""
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


@bp.post(TOKEN_RULE + "/pause")
def pause(token: str) -> ResponseReturnValue:
    """Pause all email for the months chosen (1, 3 or 6)."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    months = request.form.get("months", "")
    if not months.isdigit() or int(months) not in pausing.MONTHS:
        abort(400)
    session = get_session()
    change = pausing.pause(session, claims.pid_hex, int(months), _context(Source.PREFERENCE_PAGE, campaign.id))
    session.commit()
    return _back(token, change.change_id if change else None)


@bp.post(TOKEN_RULE + "/pause/end")
def end_pause(token: str) -> ResponseReturnValue:
    """End the pause now, before its last day."""
    claims, campaign = read_link(Purpose.PREFERENCES, token)
    session = get_session()
    change = pausing.end(session, claims.pid_hex, _context(Source.PREFERENCE_PAGE, campaign.id))
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
