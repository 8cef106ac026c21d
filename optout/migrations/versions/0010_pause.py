"""Pause: a choice and a ledger event may carry the last day of a pause of all e-mail.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

A pause is the status ``pause`` on the scope ``pause:email`` with ``ends_on`` its last day; the
event that records it has the action ``pause`` and the same ``ends_on``. The column is null for
every event written before, and the digest leaves trailing null fields out (see
optout.ledger.chain.LATER_FIELDS), so the chain of an existing ledger still verifies. Downgrade
refuses once a pause is in the ledger: deleting its events would break the chain. The checks
keep the names 0001 gave them (the naming convention applied twice: ``ck_choice_ck_choice_status``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("choice") as batch:
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch.drop_constraint(op.f("ck_choice_ck_choice_status"), type_="check")
        batch.create_check_constraint(op.f("ck_choice_ck_choice_status"), "status IN ('opt-in', 'opt-out', 'pause')")
    with op.batch_alter_table("consent_event") as batch:
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch.drop_constraint(op.f("ck_consent_event_ck_consent_event_action"), type_="check")
        batch.create_check_constraint(
            op.f("ck_consent_event_ck_consent_event_action"), "action IN ('opt-in', 'opt-out', 'reset', 'pause')"
        )


def downgrade() -> None:
    paused = op.get_bind().execute(sa.text("SELECT count(*) FROM consent_event WHERE action = 'pause'")).scalar()
    if paused:
        raise RuntimeError("the ledger holds pauses: downgrading below 0010 would break its chain")
    with op.batch_alter_table("choice") as batch:
        batch.drop_constraint(op.f("ck_choice_ck_choice_status"), type_="check")
        batch.create_check_constraint(op.f("ck_choice_ck_choice_status"), "status IN ('opt-in', 'opt-out')")
        batch.drop_column("ends_on")
    with op.batch_alter_table("consent_event") as batch:
        batch.drop_constraint(op.f("ck_consent_event_ck_consent_event_action"), type_="check")
        batch.create_check_constraint(
            op.f("ck_consent_event_ck_consent_event_action"), "action IN ('opt-in', 'opt-out', 'reset')"
        )
        batch.drop_column("ends_on")
