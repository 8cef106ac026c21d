"""Identity links: an e-mail id and a phone id that marketing data says are one person.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

``identity_link`` holds the current links (one row per pair of pseudonymous ids); each link and
unlink is also a ledger event, with the action ``link`` or ``unlink``, the e-mail id as its pid and
``link:<phone pid>`` as its scope. Those are new values of existing columns, so the digest of every
earlier event is unchanged; only the action's CHECK widens (keeping the name 0001 gave it, the
naming convention applied twice). Downgrade refuses once a link is in the ledger: deleting its
events would break the chain.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from optout.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHECK = "ck_consent_event_ck_consent_event_action"


def upgrade() -> None:
    op.create_table(
        "identity_link",
        sa.Column("email_pid", sa.String(32), nullable=False),
        sa.Column("phone_pid", sa.String(32), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("email_pid", "phone_pid", name="pk_identity_link"),
    )
    op.create_index("ix_identity_link_phone_pid", "identity_link", ["phone_pid"])
    with op.batch_alter_table("consent_event") as batch:
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.create_check_constraint(
            op.f(_CHECK), "action IN ('opt-in', 'opt-out', 'reset', 'pause', 'link', 'unlink')"
        )


def downgrade() -> None:
    bind = op.get_bind()
    linked = bind.execute(sa.text("SELECT count(*) FROM consent_event WHERE action IN ('link', 'unlink')")).scalar()
    if linked:
        raise RuntimeError("the ledger holds identity links: downgrading below 0012 would break its chain")
    with op.batch_alter_table("consent_event") as batch:
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.create_check_constraint(op.f(_CHECK), "action IN ('opt-in', 'opt-out', 'reset', 'pause')")
    op.drop_index("ix_identity_link_phone_pid", table_name="identity_link")
    op.drop_table("identity_link")
