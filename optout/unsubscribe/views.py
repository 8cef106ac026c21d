"""The unsubscribe URL.

GET and HEAD only render: mail security scanners fetch every link. POST acts, whether it comes
from a mail client's RFC 8058 one-click or from the page's button (which sends the same request):
it reads no cookie and no session, needs no CSRF token, sets no cookie, never redirects, answers
200, and only ever opts out of the campaign's topic, whatever else the body holds.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from ..consent import scopes
from ..consent import service as consent
from ..db import get_session
from ..extensions import csrf, get_catalog, get_tokens
from ..i18n import current_language
from ..links import preferences_path
from ..models import Action, Source, Status
from ..pages import current_policy, read_link
from ..tokens import Purpose

bp = Blueprint("unsubscribe", __name__)

ONE_CLICK_KEY = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
PAGE_MARKER = "page"  # the confirmation page's button adds source=page, so the ledger can tell


@bp.get("/u/<token>")
def confirm(token: str) -> ResponseReturnValue:
    """Show what the link would unsubscribe from, with one button; change nothing."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    pid = claims.pid.hex()
    scope = scopes.topic(campaign.topic.key)
    already = consent.choices_of(get_session(), pid).status(scope) == Status.OPTED_OUT
    return render_template(
        "unsubscribe/confirm.html",
        campaign=campaign,
        topic_name=campaign.topic.name(current_language()),
        already=already,
        preferences_url=_preferences_url(claims.pid, campaign.id),
    )


@bp.post("/u/<token>")
def one_click(token: str) -> ResponseReturnValue:
    """Opt out of the campaign's topic (idempotent) and confirm it."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    source = Source.CONFIRMATION_PAGE if request.form.get("source") == PAGE_MARKER else Source.ONE_CLICK
    session = get_session()
    change = consent.record(
        session,
        claims.pid.hex(),
        {scopes.topic(campaign.topic.key): Action.OPT_OUT},
        consent.Context(
            source=source,
            policy_version=current_policy().current.version,
            campaign_id=campaign.id,
            lang=current_language(),
        ),
        topics=get_catalog().topics(session),
    )
    session.commit()
    return render_template(
        "unsubscribe/done.html",
        topic_name=campaign.topic.name(current_language()),
        changed=bool(change),
        preferences_url=_preferences_url(claims.pid, campaign.id, change.change_id if change else None),
    )


# RFC 8058: the one-click POST carries no cookie, so it cannot carry a CSRF token either. Its only
# authority is the signed token in the URL, and its only effect an idempotent opt-out.
csrf.exempt(one_click)


def _preferences_url(pid: bytes, campaign_id: int, change_id: str | None = None) -> str:
    token = get_tokens().mint(Purpose.PREFERENCES, pid, campaign_id, current_language())
    suffix = f"?change={change_id}" if change_id else ""
    return preferences_path(token) + suffix
