"""Record choices and read them back.

Every change is one conditional upsert of the ``choice`` row plus one ledger event, in the same
transaction. The upsert only matches when the stored status differs, and both SQLite (one writer
at a time) and PostgreSQL (the conflicting row is locked and re-checked) evaluate that condition
against the latest committed row. So two concurrent requests for the same recipient can neither
lose a decision nor record it twice, and a repeated opt-out writes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import Connection, Executable, Table, and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..ledger import chain
from ..models import Action, Basis, Choice, ConsentEvent, Source, Status, Topic
from . import scopes

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

_CHOICE = cast(Table, Choice.__table__)
_EVENT = cast(Table, ConsentEvent.__table__)


class TopicLike(Protocol):
    """What deciding about a topic needs: a cached copy or the row itself."""

    @property
    def key(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def basis(self) -> str: ...


class Blocker(enum.StrEnum):
    """What stops a message, most general first."""

    EVERYTHING = "opted-out-everything"
    CHANNEL = "opted-out-channel"
    PARTNER = "opted-out-partner"
    TOPIC = "opted-out-topic"
    NO_CONSENT = "no-consent"
    STALE_CONSENT = "consent-predates-policy"


class ChangeNotFound(LookupError):
    """No change with that id belongs to this recipient."""


class ChangeStale(Exception):
    """The choices have changed since; undoing would overwrite a newer decision."""


@dataclass(frozen=True)
class Context:
    """How a decision was made, recorded with every event it causes."""

    source: Source
    policy_version: str
    campaign_id: int | None = None
    lang: str | None = None
    occurred_at: dt.datetime | None = None  # a decision made elsewhere, imported later
    evidence: str | None = None


@dataclass(frozen=True)
class Change:
    """What one call changed: its id (for undo) and the scope/action pairs actually recorded."""

    change_id: str
    actions: tuple[tuple[str, Action], ...]

    def __bool__(self) -> bool:
        return bool(self.actions)


@dataclass
class Choices:
    """A recipient's recorded choices, with what they mean for sending."""

    statuses: dict[str, str] = field(default_factory=dict)
    stale: frozenset[str] = frozenset()  # opt-ins given under a policy a material change replaced

    def status(self, scope: str) -> str | None:
        """The recorded status of *scope*, or None when the recipient never chose."""
        return self.statuses.get(scope)

    def renewable(self, scope: str) -> bool:
        """True when *scope*'s opt-in no longer counts and must be given again under the new policy."""
        return scope in self.stale

    def refused(self, scope: str) -> bool:
        """True when *scope* is opted out."""
        return self.statuses.get(scope) == Status.OPTED_OUT

    def wants_topic(self, topic: TopicLike) -> bool:
        """The topic-level answer: the recorded choice, else the default of the topic's basis."""
        scope = scopes.topic(topic.key)
        status = self.statuses.get(scope)
        if status is None:
            return topic.basis == Basis.OPT_OUT
        if topic.basis == Basis.CONSENT and scope in self.stale:
            return False
        return status == Status.OPTED_IN

    def blocker(self, topic: TopicLike, partner_slug: str | None = None) -> Blocker | None:
        """Why a message of *topic* (from *partner_slug*, if any) may not be sent; None if it may."""
        if self.refused(scopes.EVERYTHING):
            return Blocker.EVERYTHING
        if self.refused(scopes.channel(topic.channel)):
            return Blocker.CHANNEL
        if partner_slug is not None and self.refused(scopes.partner(partner_slug)):
            return Blocker.PARTNER
        if self.refused(scopes.topic(topic.key)):
            return Blocker.TOPIC
        if not self.wants_topic(topic):
            if topic.basis == Basis.CONSENT and scopes.topic(topic.key) in self.stale:
                return Blocker.STALE_CONSENT
            return Blocker.NO_CONSENT
        return None

    def receives(self, topic: TopicLike, partner_slug: str | None = None) -> bool:
        """True when a message of *topic* (from *partner_slug*, if any) may be sent."""
        return self.blocker(topic, partner_slug) is None


@functools.cache  # built once per dialect: building and hashing it anew costs more than running it
def _upsert(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT DO UPDATE … WHERE it changes something RETURNING scope`` for *dialect*.

    An opt-in given again under a newer policy version counts as a change: it renews a consent
    that a material policy change made stale. The dialect's module is imported here, on first
    use: importing PostgreSQL's cost every command 15 ms of start-up, even on SQLite.
    """
    insert: Callable[[Table], postgresql.Insert | sqlite.Insert]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise KeyError(dialect)
    stmt = insert(_CHOICE).values(
        pid=bindparam("pid"),
        scope=bindparam("scope"),
        status=bindparam("status"),
        changed_at=bindparam("at"),
        policy_version=bindparam("policy_version"),
    )
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[_CHOICE.c.pid, _CHOICE.c.scope],
        set_={"status": excluded.status, "changed_at": excluded.changed_at, "policy_version": excluded.policy_version},
        where=or_(
            _CHOICE.c.status != excluded.status,
            and_(
                excluded.status == Status.OPTED_IN.value,
                or_(_CHOICE.c.policy_version.is_(None), _CHOICE.c.policy_version != excluded.policy_version),
            ),
        ),
    ).returning(_CHOICE.c.scope)


# Built once: building and hashing it anew costs more than running it.
_RESET = (
    delete(_CHOICE)
    .where(_CHOICE.c.pid == bindparam("pid"), _CHOICE.c.scope == bindparam("scope"))
    .returning(_CHOICE.c.scope)
)


def _channel_of(scope: str, topic_channels: Mapping[str, str]) -> str | None:
    kind, key = scopes.split(scope)
    if kind == "topic":
        return topic_channels.get(key)
    if kind == "channel":
        return key
    if kind == "partner":
        return "email"
    return None  # everything: every channel


def _apply(connection: Connection, pid: str, scope: str, action: Action, at: dt.datetime, version: str) -> bool:
    """Make *scope* hold *action*'s result; return True only if the stored state changed."""
    if action is Action.RESET:
        return connection.execute(_RESET, {"pid": pid, "scope": scope}).first() is not None
    upsert = _upsert(connection.dialect.name)
    values = {"pid": pid, "scope": scope, "status": action.value, "at": at, "policy_version": version}
    return connection.execute(upsert, values).first() is not None


def record(
    session: Session,
    pid: str,
    changes: Mapping[str, Action] | Iterable[tuple[str, Action]],
    context: Context,
    *,
    topics: Sequence[TopicLike] | None = None,
) -> Change:
    """Apply *changes* (scope to action) for recipient *pid*; write one event per real change.

    *topics* (for the channel of each topic scope) is read from the database when not given.
    """
    pairs = list(changes.items() if isinstance(changes, Mapping) else changes)
    change_id = uuid.uuid4().hex
    if topics is None:
        topic_channels = dict(session.execute(select(Topic.key, Topic.channel)).all())
    else:
        topic_channels = {topic.key: topic.channel for topic in topics}
    connection = session.connection()  # Core: the ORM adds nothing to these statements
    head = chain.lock(connection)  # first, before any choice row: every writer locks in the same order
    now = utcnow()
    done: list[tuple[str, Action]] = []
    events: list[dict[str, Any]] = []
    for scope, action in pairs:
        if not _apply(connection, pid, scope, action, now, context.policy_version):
            continue  # a no-op (already so) writes no event
        done.append((scope, action))
        events.append(
            {
                "pid": pid,
                "scope": scope,
                "channel": _channel_of(scope, topic_channels),
                "action": action.value,
                "source": context.source.value,
                "campaign_id": context.campaign_id,
                "lang": context.lang,
                "policy_version": context.policy_version,
                "change_id": change_id,
                "created_at": now,
                "occurred_at": context.occurred_at,
                "evidence": context.evidence,
            },
        )
    chain.append(connection, events, head)
    return Change(change_id=change_id, actions=tuple(done))


def choices_of(session: Session, pid: str, fresh_versions: frozenset[str] | None = None) -> Choices:
    """Read the recorded choices of recipient *pid*.

    With *fresh_versions* (the policy versions since the last material change), opt-ins given
    under any other version are marked stale.
    """
    # Core on the session's connection: this runs on every page view, and the ORM adds nothing here.
    stmt = select(_CHOICE.c.scope, _CHOICE.c.status, _CHOICE.c.policy_version).where(_CHOICE.c.pid == pid)
    statuses: dict[str, str] = {}
    stale: set[str] = set()
    for scope, status, version in session.connection().execute(stmt):
        statuses[scope] = status
        if fresh_versions is not None and status == Status.OPTED_IN and version not in fresh_versions:
            stale.add(scope)
    return Choices(statuses, frozenset(stale))


def history(session: Session, pid: str) -> Sequence[ConsentEvent]:
    """Every ledger event of recipient *pid*, oldest first."""
    stmt = select(ConsentEvent).where(ConsentEvent.pid == pid).order_by(ConsentEvent.id)
    return session.scalars(stmt).all()


def change_events(session: Session, pid: str, change_id: str) -> Sequence[ConsentEvent]:
    """The events of one change, only if it belongs to *pid*."""
    stmt = (
        select(ConsentEvent)
        .where(ConsentEvent.pid == pid, ConsentEvent.change_id == change_id)
        .order_by(ConsentEvent.id)
    )
    return session.scalars(stmt).all()


def _result(action: str) -> str | None:
    return None if action == Action.RESET else action


def undoable(session: Session, pid: str, events: Sequence[ConsentEvent]) -> bool:
    """True when the choices still are what the change left them (nothing newer to overwrite)."""
    if not events:
        return False
    current = choices_of(session, pid)
    final = {event.scope: _result(event.action) for event in events}
    return all(current.status(scope) == status for scope, status in final.items())


def undo(session: Session, pid: str, change_id: str, context: Context) -> Change:
    """Restore the choices that change *change_id* replaced, as new ledger events."""
    events = change_events(session, pid, change_id)
    if not events:
        raise ChangeNotFound(change_id)
    if not undoable(session, pid, events):
        raise ChangeStale(change_id)
    first_id = events[0].id
    restore: dict[str, Action] = {}
    for scope in dict.fromkeys(event.scope for event in events):
        before = session.scalar(
            select(ConsentEvent.action)
            .where(ConsentEvent.pid == pid, ConsentEvent.scope == scope, ConsentEvent.id < first_id)
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        )
        restore[scope] = Action(before) if before is not None else Action.RESET
    return record(session, pid, restore, context)
