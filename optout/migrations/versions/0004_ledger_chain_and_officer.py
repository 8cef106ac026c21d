"""Hash-chained ledger, redacted events, policy versions, access requests, officers and their audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

Existing events are chained in id order, each with a fresh nonce; existing choices take the
policy version of their latest event.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from optout.db import UTCDateTime
from optout.ledger.chain import GENESIS, digest_of, link

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_EVENT_COLUMNS = (
    "id, pid, scope, channel, action, source, campaign_id, lang, policy_version, change_id, "
    "created_at, occurred_at, evidence"
)


def _chain_existing() -> tuple[int, str]:
    bind = op.get_bind()
    events = sa.table(
        "consent_event",
        sa.column("id", sa.Integer),
        sa.column("pid", sa.String),
        sa.column("scope", sa.String),
        sa.column("channel", sa.String),
        sa.column("action", sa.String),
        sa.column("source", sa.String),
        sa.column("campaign_id", sa.Integer),
        sa.column("lang", sa.String),
        sa.column("policy_version", sa.String),
        sa.column("change_id", sa.String),
        sa.column("created_at", UTCDateTime()),
        sa.column("occurred_at", UTCDateTime()),
        sa.column("evidence", sa.String),
        sa.column("seq", sa.BigInteger),
        sa.column("nonce", sa.String),
        sa.column("digest", sa.String),
        sa.column("prev_chain", sa.String),
        sa.column("chain", sa.String),
    )
    seq, chain = 0, GENESIS
    rows = bind.execute(sa.select(*(events.c[name] for name in _EVENT_COLUMNS.split(", "))).order_by(events.c.id))
    for row in rows.mappings().all():
        seq += 1
        values = {**row, "seq": seq, "nonce": secrets.token_hex(16)}
        values["digest"] = digest_of(values)
        values["prev_chain"] = chain
        chain = values["chain"] = link(chain, values["digest"])
        bind.execute(
            events.update().where(events.c.id == row["id"]),
            {name: values[name] for name in ("seq", "nonce", "digest", "prev_chain", "chain")},
        )
    return seq, chain


def upgrade() -> None:
    with op.batch_alter_table("consent_event") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("nonce", sa.String(32), nullable=True))
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("prev_chain", sa.String(64), nullable=True))
        batch.add_column(sa.Column("chain", sa.String(64), nullable=True))
    seq, chain = _chain_existing()
    with op.batch_alter_table("consent_event") as batch:
        for name in ("seq", "nonce", "digest", "prev_chain", "chain"):
            batch.alter_column(name, nullable=False)
        batch.create_unique_constraint("uq_consent_event_seq", ["seq"])
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": seq, "chain": chain}])
    op.create_table(
        "redacted_event",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prev_chain", sa.String(64), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.Column("erased_by", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_redacted_event"),
    )
    with op.batch_alter_table("choice") as batch:
        batch.add_column(sa.Column("policy_version", sa.String(64), nullable=True))
    op.execute(
        "UPDATE choice SET policy_version = (SELECT e.policy_version FROM consent_event e "
        "WHERE e.pid = choice.pid AND e.scope = choice.scope ORDER BY e.id DESC LIMIT 1)"
    )
    op.create_table(
        "policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("material", sa.Boolean(), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_policy_version"),
        sa.UniqueConstraint("version", name="uq_policy_version_version"),
    )
    op.create_table(
        "access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pid", sa.String(32), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("repeat_reason", sa.String(500), nullable=True),
        sa.Column("handled_by", sa.String(254), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_request"),
    )
    op.create_index("ix_access_request_pid_received_at", "access_request", ["pid", "received_at"])
    op.create_table(
        "officer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_officer"),
        sa.UniqueConstraint("email", name="uq_officer_email"),
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("officer", sa.String(254), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
    )


def downgrade() -> None:
    op.drop_table("audit_entry")
    op.drop_table("officer")
    op.drop_index("ix_access_request_pid_received_at", table_name="access_request")
    op.drop_table("access_request")
    op.drop_table("policy_version")
    with op.batch_alter_table("choice") as batch:
        batch.drop_column("policy_version")
    op.drop_table("redacted_event")
    op.drop_table("ledger_head")
    with op.batch_alter_table("consent_event") as batch:
        batch.drop_constraint("uq_consent_event_seq", type_="unique")
        for name in ("chain", "prev_chain", "digest", "nonce", "seq"):
            batch.drop_column(name)
