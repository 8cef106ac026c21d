"""API keys: scopes, what each key may do.

Keys made before scopes existed could both filter and mint links; they keep both scopes, so
that no client stops working on upgrade. The officer narrows them by creating new keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCOPES_BEFORE = "filter links"  # everything an API key could do before 0007


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("scopes", sa.String(200), nullable=False, server_default=SCOPES_BEFORE))
    with op.batch_alter_table("api_key") as batch:  # new keys name their scopes: no default from now on
        batch.alter_column("scopes", server_default=None, existing_type=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("scopes")
