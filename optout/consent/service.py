"""Record choices, read them back, and undo a change.

Every change is one conditional upsert of the ``choice`` row plus one ledger event, in the same
transaction. The upsert only matches when the stored status differs, and both SQLite (one writer
at a time) and PostgreSQL (the conflicting row is locked and re-checked) evaluate that condition
against the latest committed row. So two concurrent requests for the same recipient can neither
lose a decision nor record it twice, and a repeated opt-out writes nothing.

Each choice row always equals its scope's latest event: the status is the event's action and the
policy version the event's. That is what lets undo (:mod:`optout.consent.undo`) restore a row
exactly, never as a fresh consent.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from sqlalchemy import (
    Connection,
    Executable,
    Table,
    and_,
    bindparam,
    delete,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement

from .. import metrics, scopes
from ..db import list_value, listed, listed_objects, utcnow
from ..ledger import chain
from ..models import Action, Channel, Choice, ConsentEvent, Link, Source, Status, Topic
from ..pids import Pid
from ..prepared import Prepared
from . import identities, merge, rules
from .rules import Blocker, Choices, Freshness, TopicLike

__all__ = ["Blocker", "Change", "Choices", "DecisionContext", "TopicLike"]

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

_CHOICE = cast(Table, Choice.__table__)
_EVENT = cast(Table, ConsentEvent.__table__)


@dataclass(frozen=True)
class DecisionContext:
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


class Write(NamedTuple):
    """One scope to change, and the row it must hold afterwards."""

    scope: str
    action: Action
    policy_version: str  # the version the resulting choice was given under
    restores: int | None = None  # undo: the seq of the event whose choice this brings back
    ends_on: dt.date | None = None  # a pause: its last day


def _insert_for(dialect: str) -> Callable[[Table], postgresql.Insert | sqlite.Insert]:
    """The dialect's ``INSERT … ON CONFLICT``, imported here, on first use: importing PostgreSQL's
    cost every command 15 ms of start-up, even on SQLite."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    raise KeyError(dialect)


def _when_changed(stmt: postgresql.Insert | sqlite.Insert) -> Executable:
    """*stmt* made an upsert that writes only a change, and says which rows it changed.

    The one rule of what is a change: another status, a pause moved to another last day, or an
    opt-in given again under a newer policy version (it renews a consent that a material policy
    change made stale)."""
    excluded = stmt.excluded
    return stmt.on_conflict_do_update(
        index_elements=[_CHOICE.c.pid, _CHOICE.c.scope],
        set_={
            "status": excluded.status,
            "changed_at": excluded.changed_at,
            "policy_version": excluded.policy_version,
            "ends_on": excluded.ends_on,
        },
        where=or_(
            _CHOICE.c.status != excluded.status,
            _CHOICE.c.ends_on.is_distinct_from(excluded.ends_on),
            and_(
                excluded.status == Status.OPTED_IN.value,
                or_(_CHOICE.c.policy_version.is_(None), _CHOICE.c.policy_version != excluded.policy_version),
            ),
        ),
    ).returning(_CHOICE.c.pid, _CHOICE.c.scope)


@functools.cache  # built once per dialect: building and hashing it anew costs more than running it
def upsert_choice(dialect: str) -> Executable:
    """``INSERT … ON CONFLICT DO UPDATE … WHERE it changes something RETURNING pid, scope`` of one
    row for *dialect* (:func:`_when_changed` says what is a change)."""
    stmt = _insert_for(dialect)(_CHOICE).values(
        pid=bindparam("pid"),
        scope=bindparam("scope"),
        status=bindparam("status"),
        changed_at=bindparam("at"),
        policy_version=bindparam("policy_version"),
        ends_on=bindparam("ends_on"),
    )
    return _when_changed(stmt)


@functools.cache
def upsert_choices(dialect: str) -> Executable:
    """:func:`upsert_choice` for many people at once, one statement: the same scope, status, time,
    policy version and last day for every pid in the list parameter ``pids``
    (:func:`optout.db.listed`). Returns the rows that changed (:mod:`optout.consent.bulk`)."""
    given = listed("pids", dialect).subquery()
    c = _CHOICE.c
    rows = select(
        given.c.value,
        bindparam("scope", type_=c.scope.type),
        bindparam("status", type_=c.status.type),
        bindparam("at", type_=c.changed_at.type),
        bindparam("policy_version", type_=c.policy_version.type),
        bindparam("ends_on", type_=c.ends_on.type),
    ).where(true())  # SQLite reads ON CONFLICT after a bare SELECT … FROM as a join's ON
    names = ["pid", "scope", "status", "changed_at", "policy_version", "ends_on"]
    return _when_changed(_insert_for(dialect)(_CHOICE).from_select(names, rows))


@functools.cache
def upsert_choice_rows(dialect: str) -> Executable:
    """:func:`upsert_choice` for many rows at once, one statement, whose pid, scope and policy
    version differ per row: the list parameter ``rows`` holds them as objects
    (:func:`optout.db.listed_objects`), each ``(pid, scope)`` at most once; the status, time and last
    day are shared. Returns the rows that changed (:func:`optout.consent.bulk.opt_in_many`)."""
    given = listed_objects("rows", dialect, ["pid", "scope", "policy_version"]).subquery()
    c = _CHOICE.c
    rows = select(
        given.c.pid,
        given.c.scope,
        bindparam("status", type_=c.status.type),
        bindparam("at", type_=c.changed_at.type),
        given.c.policy_version,
        bindparam("ends_on", type_=c.ends_on.type),
    ).where(true())  # as in upsert_choices
    names = ["pid", "scope", "status", "changed_at", "policy_version", "ends_on"]
    return _when_changed(_insert_for(dialect)(_CHOICE).from_select(names, rows))


@functools.cache
def _own_choices_listed(dialect: str) -> Executable:
    c = _CHOICE.c
    given = listed("pids", dialect).scalar_subquery()
    return select(c.pid, c.scope, c.status, c.policy_version, c.ends_on).where(c.pid.in_(given))


def own_choices_of_many(connection: Connection, pids: Sequence[Pid]) -> dict[Pid, Choices]:
    """:func:`own_choices_of` for each of *pids* in one query (the pids as one list parameter,
    :func:`optout.db.listed`); a pid that never chose has no entry."""
    found: dict[Pid, list[Sequence[Any]]] = {}
    for pid, *rest in connection.execute(_own_choices_listed(connection.dialect.name), {"pids": list_value(pids)}):
        found.setdefault(Pid(pid), []).append(rest)
    return {pid: Choices.of(rows) for pid, rows in found.items()}


# A decision's statements, built and compiled once (optout.prepared): they run under the ledger lock.
_RESET = Prepared(
    delete(_CHOICE)
    .where(_CHOICE.c.pid == bindparam("pid"), _CHOICE.c.scope == bindparam("scope"))
    .returning(_CHOICE.c.scope)
)
_TOUCH = Prepared(
    update(_CHOICE)
    .where(_CHOICE.c.pid == bindparam("b_pid"), _CHOICE.c.scope == bindparam("b_scope"))
    .values(changed_at=bindparam("b_at"))
)


@functools.cache
def _upsert_one(dialect: str) -> Prepared:
    return Prepared(cast(ClauseElement, upsert_choice(dialect)))


def channel_of(scope: str, topic_channels: Mapping[str, str]) -> str | None:
    """The channel an event on *scope* is about (None: every channel)."""
    kind, key = scopes.split(scope)
    if kind == "topic":
        return topic_channels.get(key)
    if kind in ("channel", "pause"):
        return key
    if kind == "partner":
        return Channel.EMAIL
    return None  # everything: every channel


def _apply(connection: Connection, pid: Pid, write: Write, now: dt.datetime) -> bool:
    """Make *write*'s scope hold its result; return True only if the stored state changed."""
    if write.action is Action.RESET:
        return bool(_RESET.run(connection, {"pid": pid, "scope": write.scope}))
    values = {
        "pid": pid,
        "scope": write.scope,
        "status": write.action.value,
        "at": now,
        "policy_version": write.policy_version,
        "ends_on": write.ends_on,
    }
    return bool(_upsert_one(connection.dialect.name).run(connection, values))


def topic_channels(session: Session, topics: Sequence[TopicLike] | None) -> dict[str, str]:
    if topics is None:
        return dict(session.execute(select(Topic.key, Topic.channel)).all())
    return {topic.key: topic.channel for topic in topics}


def decide(
    session: Session,
    pid: Pid,
    changes: Mapping[str, Action] | Iterable[tuple[str, Action]],
    context: DecisionContext,
    *,
    topics: Sequence[TopicLike] | None = None,
) -> Change:
    """Apply *changes* (scope to action) for recipient *pid*; write one event per real change.

    *topics* (for the channel of each topic scope) is read from the database when not given.
    """
    pairs = changes.items() if isinstance(changes, Mapping) else changes
    writes = [Write(scope, action, context.policy_version) for scope, action in pairs]
    connection = session.connection()  # Core: the ORM adds nothing to these statements
    head = chain.lock(connection)  # first, before any choice row: every writer locks in the same order
    return apply_writes(connection, pid, writes, context, topic_channels(session, topics), head)


def apply_writes(
    connection: Connection,
    pid: Pid,
    writes: Sequence[Write],
    context: DecisionContext,
    topic_channels: Mapping[str, str],
    head: tuple[int, str],
) -> Change:
    """Apply *writes* under the ledger lock (*head*, taken in this transaction) and chain their events."""
    change_id = uuid.uuid4().hex
    now = utcnow()
    done: list[tuple[str, Action]] = []
    events: list[dict[str, Any]] = []
    outdated: dict[str, str] | None = None  # read only when a write changed nothing: links are rare
    for write in writes:
        if not _apply(connection, pid, write, now):
            # Already so for this identity. If a linked identity decided otherwise since, the
            # decision is made again now, so that it is the person's latest (never lost to a tie);
            # a write that changed the row made it the latest already.
            if outdated is None:
                outdated = identities.outdated(connection, pid)
            if outdated.get(write.scope) != write.action.value:
                continue  # a no-op (already so) writes no event
            _TOUCH.run(connection, {"b_pid": pid, "b_scope": write.scope, "b_at": now})
        done.append((write.scope, write.action))
        events.append(
            {
                "pid": pid,
                "scope": write.scope,
                "channel": channel_of(write.scope, topic_channels),
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
                "ends_on": write.ends_on,
            },
        )
    chain.append(connection, events, head)
    metrics.count_decisions(connection, context.source, done)
    return Change(change_id=change_id, actions=tuple(done))


_OWN_CHOICES = select(_CHOICE.c.scope, _CHOICE.c.status, _CHOICE.c.policy_version, _CHOICE.c.ends_on).where(
    _CHOICE.c.pid == bindparam("pid")
)


def own_choices_of(session: Session, pid: Pid) -> Choices:
    """The choices recorded for the one identity *pid*, without those of its linked identities."""
    # Core on the session's connection, built once: this runs on every page view.
    return Choices.of(session.connection().execute(_OWN_CHOICES, {"pid": pid}))


def choices_of(session: Session, pid: Pid) -> Choices:
    """The person's choices, as *pid* and every identity linked to it recorded them: per scope the
    most recent (:mod:`optout.consent.merge`; what they mean: :mod:`optout.consent.rules`).

    One statement reads the rows of every id of the person (links are rare); rows of *pid* alone
    are its choices as they stand, the merge having nothing to weigh."""
    rows = session.connection().execute(identities.PERSON_CHOICE_ROWS, {"pid": pid}).all()
    if all(row.pid == pid for row in rows):
        return Choices.of(row[1:5] for row in rows)
    return Choices.of(merge.latest(row[1:] for row in rows))


def sendability(
    session: Session,
    pid: Pid,
    topics: Iterable[TopicLike],
    *,
    fresh: Freshness,
    partner_slug: str | None = None,
) -> dict[str, Blocker | None]:
    """For each of *topics* (by key), why a message of it may not be sent to *pid* now (None: it may)."""
    choices = choices_of(session, pid)
    return {topic.key: rules.blocker(choices, topic, partner_slug=partner_slug, fresh=fresh) for topic in topics}


def history(session: Session, pid: Pid) -> Sequence[ConsentEvent]:
    """Every ledger event of recipient *pid*, oldest first."""
    stmt = select(ConsentEvent).where(ConsentEvent.pid == pid).order_by(ConsentEvent.id)
    return session.scalars(stmt).all()


CHANGE_ID = re.compile(r"^[0-9a-f]{32}$")  # what uuid4().hex gives: anything else names no change


def change_events(session: Session, pid: Pid, change_id: str) -> Sequence[ConsentEvent]:
    """The events of one change, only if it belongs to *pid* (none for a text that is no change id)."""
    if not CHANGE_ID.match(change_id):
        return ()
    stmt = (
        select(ConsentEvent)
        .where(ConsentEvent.pid == pid, ConsentEvent.change_id == change_id)
        .order_by(ConsentEvent.id)
    )
    return session.scalars(stmt).all()
