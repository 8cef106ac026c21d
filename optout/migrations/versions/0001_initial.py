"""Topics, partners, campaigns, current choices and the consent ledger; seed the three topics.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optout.db import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TOPICS = [
    {
        "key": "periodic",
        "channel": "email",
        "basis": "opt-out",
        "for_partners": False,
        "position": 1,
        "name_nb": "E-post om nettstedet",
        "name_en": "E-mails about the site",
        "description_nb": "Jevnlige e-poster fra oss med informasjon om nettstedet og tjenestene våre.",
        "description_en": "Regular e-mails from us with information about the site and our services.",
    },
    {
        "key": "partner-offers",
        "channel": "email",
        "basis": "consent",
        "for_partners": True,
        "position": 2,
        "name_nb": "Tilbud fra samarbeidspartnere",
        "name_en": "Offers from our partners",
        "description_nb": (
            "Kampanjetilbud som vi sender på vegne av markedsføringspartnere. "
            "Partnerne får aldri e-postadressen din eller andre personopplysninger."
        ),
        "description_en": (
            "Campaign offers that we send on behalf of marketing partners. "
            "The partners never get your e-mail address or any other personal data."
        ),
    },
    {
        "key": "phone",
        "channel": "phone",
        "basis": "consent",
        "for_partners": False,
        "position": 3,
        "name_nb": "Innspilte telefonmeldinger",
        "name_en": "Pre-recorded phone messages",
        "description_nb": "Forhåndsinnspilte meldinger som vi ringer til telefonen din.",
        "description_en": "Pre-recorded messages that we play when we call your phone.",
    },
]


def upgrade() -> None:
    topic = op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("basis", sa.String(16), nullable=False),
        sa.Column("for_partners", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_nb", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("description_nb", sa.String(1000), nullable=False),
        sa.Column("description_en", sa.String(1000), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_topic"),
        sa.UniqueConstraint("key", name="uq_topic_key"),
    )
    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partner"),
        sa.UniqueConstraint("slug", name="uq_partner_slug"),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["topic_id"], ["topic.id"], name="fk_campaign_topic_id_topic"),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name="fk_campaign_partner_id_partner"),
        sa.PrimaryKeyConstraint("id", name="pk_campaign"),
        sa.UniqueConstraint("slug", name="uq_campaign_slug"),
    )
    op.create_table(
        "choice",
        sa.Column("pid", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(140), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('opt-in', 'opt-out')", name="ck_choice_status"),
        sa.PrimaryKeyConstraint("pid", "scope", name="pk_choice"),
    )
    op.create_table(
        "consent_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.String(32), nullable=False),
        sa.Column("scope", sa.String(140), nullable=False),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("lang", sa.String(2), nullable=True),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("change_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("action IN ('opt-in', 'opt-out', 'reset')", name="ck_consent_event_action"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name="fk_consent_event_campaign_id_campaign"),
        sa.PrimaryKeyConstraint("id", name="pk_consent_event"),
    )
    op.create_index("ix_consent_event_pid_id", "consent_event", ["pid", "id"])
    op.create_index("ix_consent_event_change_id", "consent_event", ["change_id"])
    op.bulk_insert(topic, TOPICS)


def downgrade() -> None:
    op.drop_table("consent_event")
    op.drop_table("choice")
    op.drop_table("campaign")
    op.drop_table("partner")
    op.drop_table("topic")
