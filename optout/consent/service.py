"""Record choices, read them back, and undo a change.

Every change is one conditional upsert of the ``choice`` row plus one ledger event, in the same
transaction. The upsert only matches when the stored status differs, and both SQLite (one writer
at a time) and PostgreSQL (the conflicting row is locked and re-checked) evaluate that condition
against the latest committed row. So two concurrent requests for the same recipient can neither
lose a decision nor record it twice, and a repeated opt-out writes nothing.

Each choice row always equals its scope's latest event: the status is the event's action and the
policy version the event's. That is what lets undo restore a row exactly (status, the version
the consent was given under, and a pointer to the event that gave it), never a fresh consent.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import Connection, Executable, Table, and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import Session

from .. import scopes
from ..db import utcnow
from ..ledger import chain
from ..models import Action, Choice, ConsentEvent, Link, Source, Status, Topic
from . import rules
from .rules import Blocker, Choices, Freshness, TopicLike

__all__ = ["Blocker", "Change", "ChangeNotFound", "ChangeNotUndoable", "ChangeStale", "Choices", "Context", "TopicLike"]

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

_CHOICE = cast(Table, Choice.__table__)
_EVENT = cast(Table, ConsentEvent.__table__)


class ChangeNotFound(LookupError):
    """No change with that id belongs to this recipient."""


class ChangeStale(Exception):
    """The choices have changed since; undoing would overwrite a newer decision."""


class ChangeNotUndoable(Exception):
    """The change is not one that the link in hand may undo (an undo, an import, another link's)."""


@dataclass(frozen=True)
class Context:
    """How a decision was made, recorded with every event it causes."""

    source: Source
    policy_version: str
    campaign_id: int | None = None
    lang: str | None = None
    occurred_at: dt.datetime | None = None  # a decision made elsewhere, imported later
    evidence: str | None = None
    link: Link | None = None  # the signed link that carried a decision made on our pages


@dataclass(frozen=True)
class Change:
    """What one call changed: its id (for undo) and the scope/action pairs actually recorded."""

    change_id: str
    actions: tuple[tuple[str, Action], ...]

    def __bool__(self) -> bool:
        return bool(self.actions)


class _Write(NamedTuple):
    """One scope to change, and the row it must hold afterwards."""

    scope: str
    action: Action
    policy_version: str  # the version the resulting choice was given under
    restores: int | None = None  # undo: the seq of the event whose choice this brings back


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


def _apply(connection: Connection, pid: str, write: _Write, now: dt.datetime) -> bool:
    """Make *write*'s scope hold its result; return True only if the stored state changed."""
    if write.action is Action.RESET:
        return connection.execute(_RESET, {"pid": pid, "scope": write.scope}).first() is not None
    upsert = _upsert(connection.dialect.name)
    values = {
        "pid": pid,
        "scope": write.scope,
        "status": write.action.value,
        "at": now,
        "policy_version": write.policy_version,
    }
    return connection.execute(upsert, values).first() is not None


def _topic_channels(session: Session, topics: Sequence[TopicLike] | None) -> dict[str, str]:
    if topics is None:
        return dict(session.execute(select(Topic.key, Topic.channel)).all())
    return {topic.key: topic.channel for topic in topics}


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
    pairs = changes.items() if isinstance(changes, Mapping) else changes
    writes = [_Write(scope, action, context.policy_version) for scope, action in pairs]
    connection = session.connection()  # Core: the ORM adds nothing to these statements
    head = chain.lock(connection)  # first, before any choice row: every writer locks in the same order
    return _write(connection, pid, writes, context, _topic_channels(session, topics), head)


def _write(
    connection: Connection,
    pid: str,
    writes: Sequence[_Write],
    context: Context,
    topic_channels: Mapping[str, str],
    head: tuple[int, str],
) -> Change:
    """Apply *writes* under the ledger lock (*head*, taken in this transaction) and chain their events."""
    change_id = uuid.uuid4().hex
    now = utcnow()
    done: list[tuple[str, Action]] = []
    events: list[dict[str, Any]] = []
    for write in writes:
        if not _apply(connection, pid, write, now):
            continue  # a no-op (already so) writes no event
        done.append((write.scope, write.action))
        events.append(
            {
                "pid": pid,
                "scope": write.scope,
                "channel": _channel_of(write.scope, topic_channels),
                "action": write.action.value,
                "source": context.source.value,
                "campaign_id": context.campaign_id,
                "lang": context.lang,
                "policy_version": write.policy_version,
                "change_id": change_id,
                "created_at": now,
                "occurred_at": context.occurred_at,
                "evidence": context.evidence,
                "link": context.link.value if context.link else None,
                "restores": write.restores,
            },
        )
    chain.append(connection, events, head)
    return Change(change_id=change_id, actions=tuple(done))


def choices_of(session: Session, pid: str) -> Choices:
    """Read the recorded choices of recipient *pid* (what they mean: :mod:`optout.consent.rules`)."""
    # Core on the session's connection: this runs on every page view, and the ORM adds nothing here.
    stmt = select(_CHOICE.c.scope, _CHOICE.c.status, _CHOICE.c.policy_version).where(_CHOICE.c.pid == pid)
    return Choices.of(session.connection().execute(stmt))


def sendability(
    session: Session,
    pid: str,
    topics: Iterable[TopicLike],
    *,
    fresh: Freshness,
    partner_slug: str | None = None,
) -> dict[str, Blocker | None]:
    """For each of *topics* (by key), why a message of it may not be sent to *pid* now (None: it may)."""
    choices = choices_of(session, pid)
    return {topic.key: rules.blocker(choices, topic, partner_slug=partner_slug, fresh=fresh) for topic in topics}


def history(session: Session, pid: str) -> Sequence[ConsentEvent]:
    """Every ledger event of recipient *pid*, oldest first."""
    stmt = select(ConsentEvent).where(ConsentEvent.pid == pid).order_by(ConsentEvent.id)
    return session.scalars(stmt).all()


CHANGE_ID = re.compile(r"^[0-9a-f]{32}$")  # what uuid4().hex gives: anything else names no change


def change_events(session: Session, pid: str, change_id: str) -> Sequence[ConsentEvent]:
    """The events of one change, only if it belongs to *pid* (none for a text that is no change id)."""
    if not CHANGE_ID.match(change_id):
        return ()
    stmt = (
        select(ConsentEvent)
        .where(ConsentEvent.pid == pid, ConsentEvent.change_id == change_id)
        .order_by(ConsentEvent.id)
    )
    return session.scalars(stmt).all()


# The decisions a person makes through one of our links: the only ones a page offers to undo.
_PAGE_SOURCES = frozenset({Source.ONE_CLICK, Source.CONFIRMATION_PAGE, Source.PREFERENCE_PAGE})


def may_undo(events: Sequence[ConsentEvent], link: Link, campaign_id: int) -> bool:
    """True when the holder of *link* (for *campaign_id*) may undo the change made of *events*.

    The preferences link may undo any decision made through a link (never an undo, an import or
    the CLI's); the unsubscribe link only its own opt-outs, made through that link for its campaign.
    """
    if not events or any(event.source not in _PAGE_SOURCES for event in events):
        return False
    if link is Link.PREFERENCES:
        return True
    return all(
        event.link == Link.UNSUBSCRIBE and event.campaign_id == campaign_id and event.action == Action.OPT_OUT
        for event in events
    )


def superseded(session: Session, pid: str, events: Sequence[ConsentEvent]) -> bool:
    """True when a newer decision has touched a choice that the change of *events* made."""
    newer = select(func.count()).where(
        ConsentEvent.pid == pid,
        ConsentEvent.scope.in_({event.scope for event in events}),
        ConsentEvent.id > max(event.id for event in events),
    )
    return bool(session.scalar(newer))


def undoable(session: Session, pid: str, events: Sequence[ConsentEvent], link: Link, campaign_id: int) -> bool:
    """Whether a page may offer Undo for the change of *events* now (the act checks again, locked)."""
    return may_undo(events, link, campaign_id) and not superseded(session, pid, events)


def undo(session: Session, pid: str, change_id: str, context: Context) -> Change:
    """Restore exactly the choices that change *change_id* replaced, as new ledger events.

    A restored choice gets back the status and the policy version it was given under (so an
    opt-in that a material policy change made stale stays stale), and its event names the event
    that gave it (``restores``). A scope that had no choice goes back to none. The checks and the
    reads run under the ledger lock, in the writes' transaction: a decision recorded meanwhile
    either came first (then this refuses with :class:`ChangeStale`) or waits for this one.
    """
    if context.link is None or context.campaign_id is None:
        raise ValueError("an undo is made through a link, for its campaign")
    connection = session.connection()
    head = chain.lock(connection)
    events = change_events(session, pid, change_id)
    if not events:
        raise ChangeNotFound(change_id)
    if not may_undo(events, context.link, context.campaign_id):
        raise ChangeNotUndoable(change_id)
    if superseded(session, pid, events):
        raise ChangeStale(change_id)
    first_id = events[0].id
    writes: list[_Write] = []
    for scope in dict.fromkeys(event.scope for event in events):
        before = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.pid == pid, ConsentEvent.scope == scope, ConsentEvent.id < first_id)
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        ).first()
        if before is None or before.action == Action.RESET:
            writes.append(_Write(scope, Action.RESET, context.policy_version))
        else:
            writes.append(
                _Write(scope, Action(before.action), before.policy_version, restores=before.seq)
            )
    return _write(connection, pid, writes, context, _topic_channels(session, None), head)
