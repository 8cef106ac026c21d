"""Decisions: each recipient's current choices and the hash-chained ledger that proves them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, stored_enum, utcnow
from ..pids import Pid
from .enums import Action, Channel, Link, Source, Status


class Choice(Base):
    """The current choice of one recipient for one scope; always equal to the ledger's last word."""

    __tablename__ = "choice"
    __table_args__ = (CheckConstraint("status IN ('opt-in', 'opt-out', 'pause')", name="status"),)

    pid: Mapped[Pid] = mapped_column(String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(String(140), primary_key=True)
    status: Mapped[Status] = mapped_column(stored_enum(Status, 8))
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The privacy policy in force when the choice was made: a material change makes older opt-ins stale.
    policy_version: Mapped[str | None] = mapped_column(String(64))
    ends_on: Mapped[dt.date | None]  # a pause's last day (Norway's calendar); null for every other choice


class ConsentEvent(Base):
    """One change of one choice: the append-only, hash-chained ledger that proves every decision.

    ``digest`` commits to its content and random ``nonce``, ``chain`` to the event before (:mod:`.ledger.chain`)."""

    __tablename__ = "consent_event"
    __table_args__ = (
        CheckConstraint("action IN ('opt-in', 'opt-out', 'reset', 'pause', 'link', 'unlink')", name="action"),
        Index("ix_consent_event_pid_id", "pid", "id"),
        Index("ix_consent_event_change_id", "change_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    pid: Mapped[Pid] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(140))
    channel: Mapped[Channel | None] = mapped_column(stored_enum(Channel, 16))
    action: Mapped[Action] = mapped_column(stored_enum(Action, 8))
    source: Mapped[Source] = mapped_column(stored_enum(Source, 32))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    lang: Mapped[str | None] = mapped_column(String(2))
    policy_version: Mapped[str] = mapped_column(String(64))
    change_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # For decisions made elsewhere and imported: when they were made, and the proof given.
    occurred_at: Mapped[dt.datetime | None]
    evidence: Mapped[str | None] = mapped_column(String(500))
    # Which link carried a page decision (None: the CLI or an import), and, for an undo, the seq of
    # the event whose choice it brought back: the proof of a restored consent leads to its origin.
    link: Mapped[Link | None] = mapped_column(stored_enum(Link, 16))
    restores: Mapped[int | None] = mapped_column(BigInteger)
    ends_on: Mapped[dt.date | None]  # a pause's last day
    nonce: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    prev_chain: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(64))


class IdentityLink(Base):
    """One person's email id and phone id, as marketing data joined them: the current state of the
    ``link``/``unlink`` events. Each identity's choices count for the other (:mod:`optout.consent.identities`)."""

    __tablename__ = "identity_link"
    __table_args__ = (Index("ix_identity_link_phone_pid", "phone_pid"),)

    email_pid: Mapped[Pid] = mapped_column(String(32), primary_key=True)
    phone_pid: Mapped[Pid] = mapped_column(String(32), primary_key=True)
    linked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RedactedEvent(Base):
    """What stays of an erased person's ledger event: its place in the chain, nothing about them.

    The digest was computed with a random nonce that erasure deleted, so it cannot be matched
    to any guessed content; it still lets the chain around it verify.
    """

    __tablename__ = "redacted_event"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    prev_chain: Mapped[str] = mapped_column(String(64))
    chain: Mapped[str] = mapped_column(String(64))
    erased_by: Mapped[int] = mapped_column(BigInteger)  # seq of the erasure's tombstone event


class LedgerHead(Base):
    """The single row that holds the newest chain value; appending locks it, so appends serialize."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(64))


class PolicyVersion(Base):
    """A registered version of the privacy policy; a material one makes older consents stale."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    effective_on: Mapped[dt.date]
    url: Mapped[str] = mapped_column(String(500))
    material: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
