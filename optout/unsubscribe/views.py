"""The unsubscribe URL (``/u/``, the one in ``List-Unsubscribe``) and what its holder may do.

Whoever sees only a message's headers holds this link: a mail provider, a feedback-loop report, a
scanner. So it can do less than the preferences link: show its confirmation page, opt out of its
campaign's topic (RFC 8058 one-click), opt out of everything, and undo an opt-out that it made
itself. On a partner's campaign it offers two scopes: this partner only, or every partner (the
campaign's topic, which is what the one-click does). After an opt-out its answer may take one
optional reason, counted per campaign and never tied to the person (:mod:`.reasons`). It never
reads the person's other choices, never opts in, and never yields the preferences link.

GET and HEAD only render: mail security scanners fetch every link. Every POST reads no cookie
and no session, needs no CSRF token (the signed token is the only authority, as in RFC 8058),
sets no cookie, never redirects, and answers with a page.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import cast

from flask import Blueprint, abort, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from .. import scopes
from ..catalog.cache import CampaignInfo
from ..consent import rules
from ..consent import service as consent
from ..consent import undo as consent_undo
from ..labels import UNSUBSCRIBE_REASONS as LABELS
from ..links import UNSUBSCRIBE_PREFIX
from ..models import Action, Link, Source, UnsubscribeReason
from ..reports import reasons as reason_counts
from ..tokens import LinkClaims, Purpose
from ..web import pagecache
from ..web.extensions import csrf, get_catalog
from ..web.i18n import current_language, explicit_language
from ..web.pages import current_policy, read_link, token_urls
from ..web.session import get_session
from . import reasons

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


def _refusal(claims: LinkClaims, campaign: CampaignInfo) -> rules.Blocker | None:
    """The person's recorded "no" to this campaign, if any: the send rule's answer, and nothing more."""
    partner = campaign.partner.slug if campaign.partner else None
    verdict = consent.sendability(
        get_session(), claims.pid_hex, [campaign.topic], fresh=current_policy().freshness, partner_slug=partner
    )[campaign.topic.key]
    return verdict if verdict in rules.REFUSALS else None


_ACTIONS = {name: f"unsubscribe.{name}" for name in ("one_click", "everything", "partner", "undo", "reason")}


def _actions(token: str) -> dict[str, str]:
    """Where the page's buttons post: this link's own URLs, in the page's language if one was chosen."""
    return token_urls(token, _ACTIONS, explicit_language())


@bp.app_template_filter("keep_end")
def keep_end(text: str) -> Markup:
    """*text* (escaped) with its last word in a no-break span, so «»?» never starts a line alone."""
    head, space, last = str(text).rpartition(" ")
    return Markup('{}{}<span class="nobr">{}</span>').format(head, space, last)


_REASONS = tuple((reason.value, LABELS[reason]) for reason in UnsubscribeReason)


def _page(
    template: str, token: str, campaign: CampaignInfo, status: int = 200, **values: object
) -> ResponseReturnValue:
    """One of this link's pages: the same for every recipient of *campaign* in one language and
    state but for the token and the change id, so rendered once and filled in (:mod:`..web.pagecache`)."""
    change_id = values.pop("change_id", None)
    slots = {"token": token}
    if isinstance(change_id, str):  # a hex id, the same escaped or not
        slots["change_id"] = change_id
    else:
        values["change_id"] = change_id
    fixed = {"campaign": campaign, "topic_name": campaign.topic.name(current_language()), **values}

    def build(filled: Mapping[str, str]) -> dict[str, object]:
        return {"actions": _actions(filled["token"]), "reasons": _REASONS, **filled}

    return pagecache.render(template, cast(Mapping[str, Hashable], fixed), slots, build), status


def _done(token: str, campaign: CampaignInfo, change: consent.Change, scope: str) -> ResponseReturnValue:
    return _page(
        "unsubscribe/done.html",
        token,
        campaign,
        changed=bool(change),
        scope_kind=scopes.split(scope)[0],
        change_id=change.change_id if change else None,
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
    return _done(token, campaign, change, scope)


@bp.get(TOKEN_RULE)
def confirm(token: str) -> ResponseReturnValue:
    """Show what the link would unsubscribe from, with its buttons; change nothing."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    refusal = _refusal(claims, campaign)
    # A partner refused on its own leaves the wider "every partner" still to offer.
    return _page("unsubscribe/confirm.html", token, campaign, already=refusal is not None, refusal=refusal)


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


@bp.post(TOKEN_RULE + "/partner")
def partner(token: str) -> ResponseReturnValue:
    """On a partner's campaign: opt out of this partner's offers only (idempotent) and confirm it."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    if campaign.partner is None:
        abort(404)
    return _opt_out(token, claims, campaign, scopes.partner(campaign.partner.slug), Source.CONFIRMATION_PAGE)


@bp.post(TOKEN_RULE + "/undo")
def undo(token: str) -> ResponseReturnValue:
    """Undo an opt-out that this link made (the change id from its own answer), and nothing else."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    session = get_session()
    change_id = request.form.get("change", "")
    try:
        consent_undo.undo(session, claims.pid_hex, change_id, _context(Source.UNDO, campaign))
    except (consent_undo.ChangeNotFound, consent_undo.ChangeNotUndoable, consent_undo.ChangeStale):
        session.rollback()
        return _page("unsubscribe/undone.html", token, campaign, 409, undone=False)
    session.commit()
    return _page("unsubscribe/undone.html", token, campaign, undone=True)


@bp.post(TOKEN_RULE + "/reason")
def reason(token: str) -> ResponseReturnValue:
    """Count one optional reason for this link's own standing opt-out (the rules: :mod:`.reasons`)."""
    claims, campaign = read_link(Purpose.UNSUBSCRIBE, token)
    try:
        given = UnsubscribeReason(request.form.get("reason", ""))
    except ValueError:
        abort(400)
    change_id = request.form.get("change", "")
    if not reasons.standing_opt_out(claims.pid_hex, change_id, campaign.id):
        return _page("unsubscribe/reason.html", token, campaign, 409, counted=False, change_id=None)
    if reasons.may_count(change_id):
        reason_counts.count(get_session(), campaign.id, given)
        get_session().commit()
    # A repeat is thanked the same way: the page neither confirms nor denies an earlier answer.
    return _page("unsubscribe/reason.html", token, campaign, counted=True, change_id=change_id)


# RFC 8058: the one-click POST carries no cookie, so it cannot carry a CSRF token either. The
# page's other buttons work the same way: the signed token in the URL is their only authority,
# and what they can do is bounded by what the link may do (see the module's docstring).
for _view in (one_click, everything, partner, undo, reason):
    csrf.exempt(_view)
