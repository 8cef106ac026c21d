"""``optout topic``, ``optout partner``, ``optout campaign``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..audit.service import CLI
from ..catalog import service as catalog
from ..tokens import LANGUAGES
from .common import echo_json, fail, session


@click.group("topic", cls=AppGroup)
def topic_group() -> None:
    """Topics recipients choose from."""


@topic_group.command("list")
def topic_list_cmd() -> None:
    """Print every topic as a JSON line."""
    for topic in catalog.topics(session()):
        echo_json(
            {
                "key": topic.key,
                "channel": topic.channel,
                "basis": topic.basis,
                "for_partners": topic.for_partners,
                "name_nb": topic.name_nb,
                "name_en": topic.name_en,
                "description_nb": topic.description_nb,
                "description_en": topic.description_en,
            }
        )


@topic_group.command("edit")
@click.argument("key")
@click.option("--name-nb", help="The name in bokmål, as recipients see it (a heading on their pages).")
@click.option("--name-en", help="The name in English.")
@click.option("--description-nb", help="The description in bokmål: what the emails are and how often they come.")
@click.option("--description-en", help="The description in English.")
def topic_edit_cmd(
    key: str, name_nb: str | None, name_en: str | None, description_nb: str | None, description_en: str | None
) -> None:
    """Rename or redescribe topic KEY (give one text or more); the change is audited."""
    given = {"name_nb": name_nb, "name_en": name_en, "description_nb": description_nb, "description_en": description_en}
    texts = {field: value for field, value in given.items() if value is not None}
    if not texts:
        fail("give at least one of --name-nb, --name-en, --description-nb, --description-en.", code=2)
    db = session()
    try:
        changed = catalog.edit_topic(db, key, texts, actor=CLI)
    except catalog.CatalogError as exc:
        fail(str(exc), code=2)
    db.commit()
    if changed:
        click.echo(f"Topic {key} changed: {', '.join(field.replace('_', '-') for field in changed)}.")
    else:
        click.echo(f"Topic {key} unchanged: it already has these texts.")


@click.group("partner", cls=AppGroup)
def partner_group() -> None:
    """Marketing partners."""


@partner_group.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The partner's name, as recipients see it.")
def partner_add_cmd(slug: str, name: str) -> None:
    """Create partner SLUG."""
    db = session()
    try:
        catalog.add_partner(db, slug, name)
    except catalog.CatalogError as exc:
        fail(str(exc))
    db.commit()
    click.echo(f"Partner {slug} created.")


@partner_group.command("list")
def partner_list_cmd() -> None:
    """Print every partner as a JSON line."""
    for partner in catalog.partners(session()):
        echo_json({"slug": partner.slug, "name": partner.name})


@click.group("campaign", cls=AppGroup)
def campaign_group() -> None:
    """Campaigns (one per sending)."""


@campaign_group.command("add")
@click.argument("slug")
@click.option("--topic", "topic_key", help="The topic key (a partner campaign's is partner-offers).")
@click.option("--partner", "partner_slug", help="The partner, for a campaign sent on its behalf.")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="nb",
    show_default=True,
    help="Default language of the campaign's links.",
)
def campaign_add_cmd(slug: str, topic_key: str | None, partner_slug: str | None, lang: str) -> None:
    """Create campaign SLUG."""
    db = session()
    try:
        campaign = catalog.add_campaign(db, slug, topic_key=topic_key, partner_slug=partner_slug, lang=lang)
    except catalog.CatalogError as exc:
        fail(str(exc))
    db.commit()
    click.echo(f"Campaign {slug} created (topic {campaign.topic.key}).")


@campaign_group.command("list")
def campaign_list_cmd() -> None:
    """Print every campaign as a JSON line."""
    for campaign in catalog.campaigns(session()):
        echo_json(
            {
                "slug": campaign.slug,
                "topic": campaign.topic.key,
                "lang": campaign.lang,
                "partner": campaign.partner.slug if campaign.partner else None,
            }
        )
