"""The unsubscribe URL (``/u/``, the one in ``List-Unsubscribe``) and what its holder may do.

Whoever sees only a message's headers holds this link: a mail provider, a feedback-loop report, a
scanner. So it can do less than the preferences link: show its confirmation page, opt out of its
campaign's topic (RFC 8058 one-click), opt out of everything, and undo an opt-out that it made
itself. It never reads the person's other choices, never opts in, and never yields the
preferences link.

GET and HEAD only render: mail security scanners fetch every link. Every POST reads no cookie
and no session, needs no CSRF token (the signed token is the only authority, as in RFC 8058),
sets no cookie, never redirects, and answers with a page.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .. import scopes
from ..catalog.cache import CampaignInfo
from ..consent import rules
from ..consent import service as consent
from ..consent import undo as consent_undo
from ..links import UNSUBSCRIBE_PREFIX
from ..models import Action, Link, Source
from ..tokens import LinkClaims, Purpose
from ..web.extensions import csrf, get_catalog
from ..web.i18n import current_language, explicit_language
from ..web.pages import current_policy, read_link
from ..web.session import get_session

bp = Blueprint("unsubscribe", __name__)
TOKEN_RULE = UNSUBSCRIBE_PREFIX + "<token>"  # the URL scheme is links.py's

ONE_CLICK_KEY = "List-Unsubscribe"
ONE_CLICK_VALUE = "One-Click"
PAGE_MARKER = "page"  # the confirmation page's button adds source=page, so the ledger can tell


def _context(source: Source, campaign: CampaignInfo) -> consent.DecisionContext:
    return consent.DecisionContext(
        source=source,
        policy_version=current_policy().current.version,
        campaign_id=campaign.id,
        lang=current_language(),
        link=Link.UNSUBSCRIBE,
    )


def _refused(claims: LinkClaims, campaign: CampaignInfo) -> bool:
    """True when the person already refuses this campaign: the send rule's answer, and nothing more."""
    partner = campaign.partner.slug if campaign.partner else None
    verdict = consent.sendability(
        get_session(), claims.pid_hex, [campaign.topic], fresh=current_policy().freshness, partner_slug=partner
    )[campaign.topic.key]
    return verdict in rules.REFUSALS


def _actions(token: str) -> dict[str, str]:
    """Where the page's buttons post: this link's own URLs, in the page's language if one was chosen."""
    lang = explicit_language()
    return {
        name: url_for(f"unsubscribe.{name}", token=token, lang=lang) for name in ("one_click", "everything", "undo")
    }


def _done(token: str, campaign: CampaignInfo, change: consent.Change, *, everything: bool) -> ResponseReturnValue:
    return render_template(
        "unsubscribe/done.html",
        topic_name=campaign.topic.name(current_language()),
        changed=bool(change),
        everything=everything,
        change_id=change.change_id if change else None,
        actions=_actions(token),
    )


def _opt_out(token: str, claims: LinkClaims, campaign: CampaignInfo, scope: str, source: Source) -> ResponseReturnValue:
    """Record an opt-out of *scope* (idempotent: a repeat records nothing) and answer with what changed."""
    session = get_session()
    change = consent.decide(
        session,
        claims.pid_hex,
        {scope: Action.OPT_OUT},
        _context(source, campaign),
        topics=get_catalog().topics(session),
    )
    session.commit()
    return _done(token, campaign, change, everything=scope == scopes.EVERYTHING)


@bp.get(TOKEN_RULE)
def confirm(token: str) -> ResponseReturnValue:
    """Show what the link would unsubscribe from, with its buttons; change nothing."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    return render_template(
        "unsubscribe/confirm.html",
        campaign=campaign,
        topic_name=campaign.topic.name(current_language()),
        already=_refused(claims, campaign),
        actions=_actions(token),
    )


@bp.post(TOKEN_RULE)
def one_click(token: str) -> ResponseReturnValue:
    """Opt out of the campaign's topic (idempotent) and confirm it."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    source = Source.CONFIRMATION_PAGE if request.form.get("source") == PAGE_MARKER else Source.ONE_CLICK
    return _opt_out(token, claims, campaign, scopes.topic(campaign.topic.key), source)


@bp.post(TOKEN_RULE + "/everything")
def everything(token: str) -> ResponseReturnValue:
    """Opt out of everything we send (idempotent) and confirm it."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    return _opt_out(token, claims, campaign, scopes.EVERYTHING, Source.CONFIRMATION_PAGE)


@bp.post(TOKEN_RULE + "/undo")
def undo(token: str) -> ResponseReturnValue:
    """Undo an opt-out that this link made (the change id from its own answer), and nothing else."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    session = get_session()
    change_id = request.form.get("change", "")
    topic_name = campaign.topic.name(current_language())
    try:
        consent_undo.undo(session, claims.pid_hex, change_id, _context(Source.UNDO, campaign))
    except (consent_undo.ChangeNotFound, consent_undo.ChangeNotUndoable, consent_undo.ChangeStale):
        session.rollback()
        return render_template("unsubscribe/undone.html", topic_name=topic_name, undone=False), 409
    session.commit()
    return render_template("unsubscribe/undone.html", topic_name=topic_name, undone=True, actions=_actions(token))


# RFC 8058: the one-click POST carries no cookie, so it cannot carry a CSRF token either. The
# page's other buttons work the same way: the signed token in the URL is their only authority,
# and what they can do is bounded by what the link may do (see the module's docstring).
for _view in (one_click, everything, undo):
    csrf.exempt(_view)
