"""``optout links`` and ``optout recipient``: links for addresses, and one recipient's record."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from .. import scopes
from ..audit import service as audit
from ..catalog import service as catalog
from ..consent import rules
from ..consent import service as consent
from ..identity import pid_of, pseudonymous_id
from ..links import links_for
from ..models import Action, Channel, Source
from ..tokens import LANGUAGES
from ..web.extensions import get_settings, get_tokens
from .common import check_scope, current_policy, echo_json, fail, mailbox, session


@click.command("links")
@click.option("--campaign", "campaign_slug", required=True, help="The campaign the links belong to.")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Page language (default: the campaign's).")
@click.argument("emails", nargs=-1, required=True)
@with_appcontext
def links_command(campaign_slug: str, lang: str | None, emails: tuple[str, ...]) -> None:
    """Print the links and List-Unsubscribe headers for each EMAIL, one JSON object per line."""
    try:
        campaign = catalog.campaign_by_slug(session(), campaign_slug)
    except catalog.CatalogError as exc:
        fail(str(exc))
    if campaign.topic.channel == Channel.PHONE:
        fail(f"{campaign.slug} is a phone campaign, and a phone campaign has no links: a call carries none", 2)
    settings, tokens = get_settings(), get_tokens()
    # Every address is checked before any link is printed: a typo stops the run, naming its argument.
    addresses = [mailbox(email, position=at, of=len(emails)) for at, email in enumerate(emails, start=1)]
    # Audited (the count, never an address) before any link is printed: a link opens its person's page.
    db = session()
    minted = {"campaign": campaign.slug, "links": len(addresses)}
    audit.log_action(db, audit.CLI, audit.AuditAction.LINKS_MINTED, data=minted)
    db.commit()
    for email in addresses:
        links = links_for(
            tokens,
            settings.base_url,
            pseudonymous_id(settings.id_key, email),
            campaign.id,
            lang or campaign.lang,
            settings.mailto_domain,
        )
        echo_json({"email": email, **links.fields()})


@click.group("recipient", cls=AppGroup)
def recipient_group() -> None:
    """One recipient's choices and history (found through the pseudonymous ID)."""


@recipient_group.command("show")
@click.argument("email")
def recipient_show_cmd(email: str) -> None:
    """Print EMAIL's current choices and full history as JSON."""
    db = session()
    normal = mailbox(email)
    pid = pid_of(get_settings().id_key, normal)
    choices = consent.choices_of(db, pid)
    verdicts = consent.sendability(db, pid, catalog.topics(db), fresh=current_policy().freshness)
    campaigns = {c.id: c.slug for c in catalog.campaigns(db)}
    echo_json(
        {
            "email": normal,
            "pseudonymous_id": pid,
            "choices": dict(sorted(choices.statuses.items())),
            "receives": {key: blocker is None for key, blocker in verdicts.items()},
            "blocked_by": {key: blocker.value for key, blocker in verdicts.items() if blocker is not None},
            "paused_until": day.isoformat() if (day := rules.paused_until(choices)) else None,
            "history": [
                {
                    "id": e.id,
                    "at": e.created_at.isoformat(),
                    "scope": e.scope,
                    "channel": e.channel,
                    "action": e.action,
                    "source": e.source,
                    "campaign": campaigns.get(e.campaign_id) if e.campaign_id else None,
                    "lang": e.lang,
                    "policy_version": e.policy_version,
                    "change_id": e.change_id,
                    "link": e.link,
                    "restores": e.restores,
                    "ends_on": e.ends_on.isoformat() if e.ends_on else None,
                }
                for e in consent.history(db, pid)
            ],
        }
    )


@recipient_group.command("opt-out")
@click.argument("email")
@click.option(
    "--scope",
    "scope_list",
    multiple=True,
    default=[scopes.EVERYTHING],
    show_default=True,
    help="everything, topic:KEY, partner:SLUG or channel:email|phone (repeatable).",
)
def recipient_opt_out_cmd(email: str, scope_list: tuple[str, ...]) -> None:
    """Record an opt-out for EMAIL (for a request received by letter, phone or email)."""
    db = session()
    normal = mailbox(email)
    checked = [check_scope(s) for s in scope_list]
    pid = pid_of(get_settings().id_key, normal)
    change = consent.decide(
        db,
        pid,
        [(s, Action.OPT_OUT) for s in checked],
        consent.DecisionContext(source=Source.CLI, policy_version=current_policy().current.version),
    )
    db.commit()
    done = ", ".join(scope for scope, _action in change.actions) or "nothing (already opted out)"
    click.echo(f"Recorded opt-out: {done}.")
