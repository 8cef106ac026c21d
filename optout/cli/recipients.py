"""``optout links`` and ``optout recipient``: links for addresses, and one recipient's record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import Session

from .. import phones, scopes
from ..audit import service as audit
from ..catalog import service as catalog
from ..consent import identities, rules
from ..consent import service as consent
from ..identity import pid_of, pseudonymous_id
from ..links import links_for
from ..models import Action, Channel, Source
from ..pids import Pid
from ..tokens import LANGUAGES
from ..web.extensions import get_settings, get_tokens
from .common import check_scope, current_policy, echo_json, fail, mailbox, number, person, session


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


def _history(db: Session, pid: Pid, campaigns: Mapping[int, str]) -> list[dict[str, Any]]:
    return [
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
    ]


@recipient_group.command("show")
@click.argument("email_or_phone", metavar="EMAIL|PHONE")
def recipient_show_cmd(email_or_phone: str) -> None:
    """Print the person's current choices (merged across their linked identities) and full history as JSON.

    The linked identities are shown by pseudonymous ID and kind only: their address or number is not kept.
    """
    db = session()
    kind, normal, pid = person(email_or_phone)
    choices = consent.choices_of(db, pid)
    verdicts = consent.sendability(db, pid, catalog.topics(db), fresh=current_policy().freshness)
    campaigns = {c.id: c.slug for c in catalog.campaigns(db)}
    other = Channel.EMAIL if kind is Channel.PHONE else Channel.PHONE  # a link joins an address and a number
    echo_json(
        {
            kind.value: normal,
            "pseudonymous_id": pid,
            "choices": dict(sorted(choices.statuses.items())),
            "receives": {key: blocker is None for key, blocker in verdicts.items()},
            "blocked_by": {key: blocker.value for key, blocker in verdicts.items() if blocker is not None},
            "paused_until": day.isoformat() if (day := rules.paused_until(choices)) else None,
            "history": _history(db, pid, campaigns),
            "linked": [
                {
                    "pseudonymous_id": linked_pid,
                    "kind": other.value,
                    "choices": dict(sorted(consent.own_choices_of(db, linked_pid).statuses.items())),
                    "history": _history(db, linked_pid, campaigns),
                }
                for linked_pid in identities.linked(db.connection(), pid)
            ],
        }
    )


def _change_link(email: str, phone: str, *, unlink: bool) -> bool:
    db = session()
    email_pid = pid_of(get_settings().id_key, mailbox(email))
    phone_pid = phones.pid_of_number(get_settings().id_key, number(phone))
    version = current_policy().current.version
    change = identities.unlink if unlink else identities.link
    changed = change(db, email_pid, phone_pid, source=Source.CLI, policy_version=version, actor=audit.CLI)
    db.commit()
    return changed


@recipient_group.command("link")
@click.argument("email")
@click.argument("phone")
def recipient_link_cmd(email: str, phone: str) -> None:
    """Record that EMAIL and PHONE are one person's (as marketing data says): each one's choices then
    count for the other, the latest per scope. A link records no choice and no consent by itself."""
    if _change_link(email, phone, unlink=False):
        click.echo("Linked: the choices of either now count for both.")
    else:
        click.echo("Already linked: nothing recorded.")


@recipient_group.command("unlink")
@click.argument("email")
@click.argument("phone")
def recipient_unlink_cmd(email: str, phone: str) -> None:
    """Remove the link between EMAIL and PHONE: each then has only its own choices again."""
    if _change_link(email, phone, unlink=True):
        click.echo("Unlinked: each has only its own choices again.")
    else:
        click.echo("Not linked: nothing recorded.")


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
