"""Topics, partners, campaigns, current choices and the consent ledger; seed the three topics.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

The seeded texts were made concrete on 2026-12-01 (UX review 2026-12, seed table): a database
created before keeps the texts it was seeded with; `optout topic edit` changes them on a running
installation.
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
        "name_nb": "Nyhetsbrev fra Mesier",
        "name_en": "Mesier newsletter",
        "description_nb": "Nyheter og tips om mesier.com og tjenestene våre, omtrent én gang i måneden.",
        "description_en": "News and tips about mesier.com and our services, about once a month.",
    },
    {
        "key": "partner-offers",
        "channel": "email",
        "basis": "consent",
        "for_partners": True,
        "position": 2,
        "name_nb": "Tilbud fra samarbeids\u00adpartnere",  # a soft hyphen: it breaks there at 320 px
        "name_en": "Offers from our partners",
        "description_nb": (
            "Tilbud fra bedrifter vi samarbeider med. Vi sender dem selv \u2013 "
            "partnerne får aldri e-postadressen din eller andre opplysninger om deg."
        ),
        "description_en": (
            "Offers from companies we work with. We send them ourselves: "
            "our partners never get your email address or any other information about you."
        ),
    },
    {
        "key": "phone",
        "channel": "phone",
        "basis": "consent",
        "for_partners": False,
        "position": 3,
        "name_nb": "Oppringinger med innspilt melding",
        "name_en": "Pre-recorded phone calls",
        "description_nb": "Vi ringer deg og spiller av en innspilt melding.",
        "description_en": "We call you and play a recorded message.",
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
