"""Ledger events: which link carried a page decision, and which event an undo brought back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

Both columns are null for every event written before: the digest leaves trailing null fields
out (see optout.ledger.chain.LATER_FIELDS), so the chain of an existing ledger still verifies.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_event") as batch:
        batch.add_column(sa.Column("link", sa.String(16), nullable=True))
        batch.add_column(sa.Column("restores", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_event") as batch:
        batch.drop_column("restores")
        batch.drop_column("link")
