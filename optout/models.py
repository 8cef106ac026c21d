"""The tables. Topics, partners and campaigns are data; choices and the ledger hold decisions.

Recipients exist only as pseudonymous ids (:mod:`optout.identity`): no table holds an address.
Columns of a fixed set of values are typed by their enum and store its values (``db.stored_enum``)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ColumnElement, ForeignKey, Index, String, Text, func, text
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, stored_enum, utcnow
from .pids import Pid
from .reasoncounts import ReasonCount as ReasonCount  # a table too: imported so Base.metadata holds it


class Channel(enum.StrEnum):
    """How a message reaches the recipient."""

    EMAIL = "email"
    PHONE = "phone"


class Basis(enum.StrEnum):
    """Legal basis of a topic: sendable unless refused, or only with a standing opt-in."""

    OPT_OUT = "opt-out"
    CONSENT = "consent"


class Status(enum.StrEnum):
    """A recipient's recorded choice for one scope."""

    OPTED_IN = "opt-in"
    OPTED_OUT = "opt-out"
    PAUSED = "pause"  # scope pause:email only, until its ends_on: never an opt-out, it expires


class Action(enum.StrEnum):
    """What one ledger event did. ``reset`` returns a scope to no recorded choice (undo, ending a pause)."""

    OPT_IN = "opt-in"
    OPT_OUT = "opt-out"
    RESET = "reset"
    PAUSE = "pause"


class Source(enum.StrEnum):
    """Where a decision came from."""

    ONE_CLICK = "one-click"
    MAILTO = "mailto"  # the List-Unsubscribe mailto: address (optout mail serve)
    CONFIRMATION_PAGE = "confirmation-page"
    PREFERENCE_PAGE = "preference-page"
    UNDO = "undo"
    CLI = "cli"
    IMPORT = "import"
    ERASURE = "erasure"
    # Opt-outs reported through the intake API (POST /api/v1/opt-outs) by the system that took them:
    IVR = "ivr"  # a phone call's "press 9 to stop"
    SMS = "sms"  # a STOP reply to a text message
    ESP = "esp"  # an e-mail provider's own unsubscribe or complaint event
    SUPPORT = "support"  # a person who asked customer service


class Link(enum.StrEnum):
    """Which signed link carried a decision made on our pages (what each may do: README)."""

    UNSUBSCRIBE = "unsubscribe"  # /u/, the List-Unsubscribe link: opt-outs and their undo only
    PREFERENCES = "preferences"  # /p/, in the message body: every choice on the page


class Via(enum.StrEnum):
    """Which edge filtered a sending list."""

    CLI = "cli"
    API = "api"


class Topic(Base):
    """A kind of message a recipient can choose to receive or refuse."""

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(stored_enum(Channel, 16))
    basis: Mapped[Basis] = mapped_column(stored_enum(Basis, 16))
    for_partners: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    name_nb: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_nb: Mapped[str] = mapped_column(String(1000))
    description_en: Mapped[str] = mapped_column(String(1000))

    def name(self, lang: str) -> str:
        """The topic's name in *lang*."""
        return self.name_nb if lang == "nb" else self.name_en

    def description(self, lang: str) -> str:
        """The topic's description in *lang*."""
        return self.description_nb if lang == "nb" else self.description_en


class Partner(Base):
    """A marketing partner on whose behalf we send offers; it never sees a recipient."""

    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Campaign(Base):
    """One sending: its topic, its partner (for partner offers) and the default link language."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id"))
    lang: Mapped[str] = mapped_column(String(2), default="nb")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    topic: Mapped[Topic] = relationship(lazy="joined")
    partner: Mapped[Partner | None] = relationship(lazy="joined")


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
        CheckConstraint("action IN ('opt-in', 'opt-out', 'reset', 'pause')", name="action"),
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


class FilterRun(Base):
    """Counts of one filtering of a sending list: what a partner report is built from."""

    __tablename__ = "filter_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    finished_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    via: Mapped[Via] = mapped_column(stored_enum(Via, 8))
    rows_read: Mapped[int]
    rows_kept: Mapped[int]
    dropped: Mapped[str] = mapped_column(Text)  # JSON object: reason -> count


class ApiKey(Base):
    """A bearer key for the HTTP API; only a hash of the key is stored."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of a 256-bit random key
    scopes: Mapped[str] = mapped_column(String(200))  # what it may do: scope names, space-separated
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
