"""Access requests: a deadline extended by up to two months, with the reason and when the person was told.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optout.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_request") as batch:
        batch.add_column(sa.Column("extended_to", sa.Date(), nullable=True))
        batch.add_column(sa.Column("extension_reason", sa.String(500), nullable=True))
        batch.add_column(sa.Column("extended_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("extended_by", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_request") as batch:
        for name in ("extended_by", "extended_at", "extension_reason", "extended_to"):
            batch.drop_column(name)
