"""Counts of every filter run, for partner reports.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optout.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filter_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_kept", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], name="fk_filter_run_campaign_id_campaign"),
        sa.PrimaryKeyConstraint("id", name="pk_filter_run"),
    )
    op.create_index("ix_filter_run_campaign_id", "filter_run", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("filter_run")
