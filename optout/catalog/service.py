"""Create and look up topics, partners and campaigns."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scopes
from ..audit import service as audit
from ..csvcells import starts_like_a_formula
from ..models import Campaign, Channel, Partner, Topic
from ..tokens import LANGUAGES

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$|^[a-z0-9]$")


class CatalogError(ValueError):
    """A catalog request that cannot be carried out; the message says why."""


def check_slug(slug: str) -> str:
    """Return *slug* if it is lower-case letters, digits and inner hyphens, at most 64 long."""
    if not SLUG.match(slug):
        raise CatalogError(f"{slug!r} is not a valid slug: use a-z, 0-9 and '-', at most 64 characters.")
    return slug


def topics(session: Session) -> Sequence[Topic]:
    """Every topic, in display order."""
    return session.scalars(select(Topic).order_by(Topic.position, Topic.id)).all()


def topic_by_key(session: Session, key: str) -> Topic:
    """The topic *key*, or :class:`CatalogError`."""
    topic = session.scalar(select(Topic).where(Topic.key == key))
    if topic is None:
        known = ", ".join(t.key for t in topics(session))
        raise CatalogError(f"unknown topic {key!r} (known: {known}).")
    return topic


# The texts of a topic an operator may edit, and their longest length (the columns' sizes).
TOPIC_TEXTS = {"name_nb": 200, "name_en": 200, "description_nb": 1000, "description_en": 1000}


def _topic_text(field: str, value: str) -> str:
    text = value.strip()
    option = "--" + field.replace("_", "-")  # as the CLI and its error messages spell the field
    if not text:
        raise CatalogError(f"{option} is empty: a recipient sees this text on every page about the topic.")
    if len(text) > TOPIC_TEXTS[field]:
        raise CatalogError(f"{option} is {len(text)} characters long; at most {TOPIC_TEXTS[field]} fit.")
    if any(ord(ch) < 32 for ch in text):
        raise CatalogError(f"{option} must be one line, without tabs or control characters.")
    return text


def edit_topic(session: Session, key: str, texts: dict[str, str], *, actor: str) -> dict[str, str]:
    """Rename or redescribe topic *key* in one language or both: *texts* maps fields of
    :data:`TOPIC_TEXTS` to their new text. Topics are data, so the operator can name them after
    the emails they are (review B2). Returns the fields that changed; those are written to the
    audit trail with their old and new text, so what a recipient was shown stays on record."""
    unknown = set(texts) - set(TOPIC_TEXTS)
    if unknown or not texts:
        raise CatalogError("give at least one of --name-nb, --name-en, --description-nb, --description-en.")
    topic = topic_by_key(session, key)
    wanted = {field: _topic_text(field, value) for field, value in texts.items()}
    before = {field: getattr(topic, field) for field in wanted if getattr(topic, field) != wanted[field]}
    after = {field: wanted[field] for field in before}
    if not after:
        return {}
    for field, value in after.items():
        setattr(topic, field, value)
    session.flush()
    audit.log_action(
        session, actor, audit.AuditAction.TOPIC_EDITED, data={"topic": key, "before": before, "after": after}
    )
    return after


def partner_by_slug(session: Session, slug: str) -> Partner:
    """The partner *slug*, or :class:`CatalogError`."""
    partner = session.scalar(select(Partner).where(Partner.slug == slug))
    if partner is None:
        raise CatalogError(f"unknown partner {slug!r}.")
    return partner


def scope_exists(session: Session, scope: str) -> bool:
    """Whether *scope* names something a choice can be about: everything, a topic or a partner in
    the catalog, or a channel (the one check the CLI, the imports and the intake API share)."""
    kind, key = scopes.split(scope)
    if kind == "topic":
        return session.scalar(select(Topic.id).where(Topic.key == key)) is not None
    if kind == "partner":
        return session.scalar(select(Partner.id).where(Partner.slug == key)) is not None
    if kind == "channel":
        return key in {channel.value for channel in Channel}
    return scope == scopes.EVERYTHING


def campaign_by_slug(session: Session, slug: str) -> Campaign:
    """The campaign *slug*, or :class:`CatalogError`."""
    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise CatalogError(f"unknown campaign {slug!r}.")
    return campaign


def campaign_by_id(session: Session, campaign_id: int) -> Campaign | None:
    """The campaign with this id, if any."""
    return session.get(Campaign, campaign_id)


def add_partner(session: Session, slug: str, name: str) -> Partner:
    """Create a partner."""
    check_slug(slug)
    if not name.strip():
        raise CatalogError("a partner needs a name.")
    if starts_like_a_formula(name.strip()):  # it goes into the partner's CSV report
        first = name.strip()[0]
        raise CatalogError(f"a partner's name cannot start with {first!r}: spreadsheets take that for a formula.")
    if session.scalar(select(Partner.id).where(Partner.slug == slug)) is not None:
        raise CatalogError(f"partner {slug!r} exists already.")
    partner = Partner(slug=slug, name=name.strip())
    session.add(partner)
    session.flush()
    return partner


def add_campaign(
    session: Session, slug: str, *, topic_key: str | None, partner_slug: str | None, lang: str = "nb"
) -> Campaign:
    """Create a campaign; a partner campaign's topic is the partner-offers topic."""
    check_slug(slug)
    if lang not in LANGUAGES:
        raise CatalogError(f"unknown language {lang!r}: use nb or en.")
    if session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        raise CatalogError(f"campaign {slug!r} exists already.")
    partner = partner_by_slug(session, partner_slug) if partner_slug else None
    if topic_key is None:
        if partner is None:
            raise CatalogError("give --topic, or --partner for a partner campaign.")
        topic = session.scalar(select(Topic).where(Topic.for_partners.is_(True)).order_by(Topic.id))
        if topic is None:
            raise CatalogError("no topic is marked for partner offers.")
    else:
        topic = topic_by_key(session, topic_key)
    if partner is not None and not topic.for_partners:
        raise CatalogError(f"a partner campaign's topic must be a partner-offers topic, not {topic.key!r}.")
    if partner is None and topic.for_partners:
        raise CatalogError(f"topic {topic.key!r} is for partner offers: give --partner.")
    campaign = Campaign(slug=slug, topic=topic, partner=partner, lang=lang)
    session.add(campaign)
    session.flush()
    return campaign


def campaigns(session: Session) -> Sequence[Campaign]:
    """Every campaign, oldest first."""
    return session.scalars(select(Campaign).order_by(Campaign.id)).all()


def partners(session: Session) -> Sequence[Partner]:
    """Every partner, by slug."""
    return session.scalars(select(Partner).order_by(Partner.slug)).all()
