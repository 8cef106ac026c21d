"""Structured audit entries: the person's pseudonymous id in its own column, the detail as JSON data.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

``audit_entry.detail`` (free English text, with the pid written into it) goes. Each old detail
moves into ``data`` as ``{"text": ...}``, with a trailing ``pid <hex>`` (look-ups, access requests,
extensions) taken out of the text and put into ``subject_pid``: erasure then clears that column
for old entries too, and rewrites no text. Downgrade writes the text back, with the pid where it
was, and a JSON dump of the data for entries written after this revision.
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PID = re.compile(r"(?:^|, )pid ([0-9a-f]{32})$")
_MAX_DETAIL = 500
_entries = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("detail", sa.String),
    sa.column("subject_pid", sa.String),
    sa.column("data", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("subject_pid", sa.String(32), nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch.create_index(op.f("ix_audit_entry_subject_pid"), ["subject_pid"])
    connection = op.get_bind()
    moved = []
    for row in connection.execute(sa.select(_entries.c.id, _entries.c.detail)):
        text, pid = row.detail or "", None
        found = _PID.search(text)
        if found:
            text, pid = text[: found.start()], found.group(1)
        moved.append({"row_id": row.id, "pid": pid, "moved": {"text": text} if text else {}})
    if moved:
        connection.execute(
            _entries.update()
            .where(_entries.c.id == sa.bindparam("row_id"))
            .values(subject_pid=sa.bindparam("pid"), data=sa.bindparam("moved", type_=sa.JSON)),
            moved,
        )
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("detail")


def _detail(data: dict[str, object], pid: str | None) -> str:
    text = data["text"] if set(data) == {"text"} else (json.dumps(data, sort_keys=True) if data else "")
    if pid:
        text = f"{text}, pid {pid}" if text else f"pid {pid}"
    return str(text)[:_MAX_DETAIL]


def downgrade() -> None:
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("detail", sa.String(500), server_default="", nullable=False))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_entries.c.id, _entries.c.data, _entries.c.subject_pid)).all()
    if rows:
        connection.execute(
            _entries.update().where(_entries.c.id == sa.bindparam("row_id")).values(detail=sa.bindparam("text")),
            [{"row_id": r.id, "text": _detail(r.data or {}, r.subject_pid)} for r in rows],
        )
    with op.batch_alter_table("audit_entry") as batch:
        batch.alter_column("detail", existing_type=sa.String(500), server_default=None)
        batch.drop_index(op.f("ix_audit_entry_subject_pid"))
        batch.drop_column("data")
        batch.drop_column("subject_pid")
