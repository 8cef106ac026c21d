"""Unsubscribe reasons as counts: one row per campaign and reason, with nothing about a person.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

A person may say why, after unsubscribing, by picking one of a few fixed reasons. Only the count
per campaign and reason is kept: no pid, no change id and no time, so a count cannot be matched to
anyone or to a ledger event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reason_count",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name="ck_reason_count_count"),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name="fk_reason_count_campaign_id_campaign"),
        sa.PrimaryKeyConstraint("campaign_id", "reason", name="pk_reason_count"),
    )


def downgrade() -> None:
    op.drop_table("reason_count")
