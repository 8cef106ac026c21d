"""The people who act on the centre and their requests: access requests, officers, the audit trail, API keys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ColumnElement, Index, String, func, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow
from ..pids import Pid


class AccessRequest(Base):
    """A person's request for access (GDPR Art. 15), registered by pseudonymous id only."""

    __tablename__ = "access_request"
    __table_args__ = (Index("ix_access_request_pid_received_at", "pid", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pid: Mapped[Pid] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_on: Mapped[dt.date]
    answered_at: Mapped[dt.datetime | None]
    repeat_reason: Mapped[str | None] = mapped_column(String(500))
    handled_by: Mapped[str] = mapped_column(String(254))  # "cli" or the officer's address
    # Art. 12(3): at most one extension, recorded when the person is told of it and why.
    extended_to: Mapped[dt.date | None]
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    extended_at: Mapped[dt.datetime | None]
    extended_by: Mapped[str | None] = mapped_column(String(254))

    @hybrid_property
    def answer_due(self) -> dt.date:
        """The day the answer is due: the extended day if there is one, else :attr:`due_on`."""
        return self.extended_to or self.due_on

    @answer_due.inplace.expression
    @classmethod
    def _answer_due_expression(cls) -> ColumnElement[dt.date]:
        return func.coalesce(cls.extended_to, cls.due_on)


class Officer(Base):
    """A privacy officer who may use the web console; only a salted password hash is stored."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Part of every login's stamp: logging out raises it, so no copy of an earlier cookie works.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class AuditEntry(Base):
    """What an officer, the CLI or an API key did: an action code, whom it concerned, and its data."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    officer: Mapped[str] = mapped_column(String(254))  # the actor: an officer's address, cli or api:NAME
    action: Mapped[str] = mapped_column(String(64))
    # The person's pseudonymous id, only here (never in data), so that erasure clears it in one place.
    subject_pid: Mapped[Pid | None] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))


class ApiKey(Base):
    """A bearer key for the HTTP API; only a hash of the key is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of a 256-bit random key
    scopes: Mapped[str] = mapped_column(String(200))  # what it may do: scope names, space-separated
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
