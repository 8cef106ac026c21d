"""Erase a person and keep them suppressed (GDPR Art. 17 and 21(3); the ICO's suppression advice).

Everything about the person goes: their choices, their access requests, the content of their
ledger events, and their id from the officers' audit trail. What stays is a tombstone: one
choice (scope everything, opt-out) and one ledger event with source ``erasure`` (the
pseudonymous id, the scope, the date, the reason), so that no list ever reaches them again.

A person is every identity linked to the one asked about (an address and its numbers): all are
erased, each keeps its own tombstone (so the number stays suppressed too), and the links go,
their events redacted with the rest (also from the history of an address linked once, since parted).

Their old events keep only their place in the hash chain (see :mod:`optout.ledger.chain`): a
digest that nobody can match to content any more, since the nonce that went into it is deleted
too. The chain therefore verifies before and after.

The person may still come back on their own: an opt-in they make later on the preference page is
recorded and honoured like any other decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from .. import scopes
from ..audit import service as audit
from ..consent import identities
from ..consent import service as consent
from ..ledger import chain
from ..models import AccessRequest, Action, Choice, ConsentEvent, RedactedEvent, Source
from ..pids import Pid

REASON = "erasure (GDPR Art. 17)"
_EVENT = cast(Table, ConsentEvent.__table__)
_REDACTED = cast(Table, RedactedEvent.__table__)


@dataclass(frozen=True)
class Erasure:
    """What one erasure removed, and the tombstone it left (one per identity of the person)."""

    tombstone_seq: int  # the tombstone of the identity asked about
    events_redacted: int
    choices_removed: int
    requests_removed: int
    identities: int = 1  # the identity asked about and those linked to it: each has its tombstone
    links_removed: int = 0


@dataclass(frozen=True)
class Review:
    """What an erasure would remove, shown before the officer confirms."""

    events: int
    choices: int
    requests: int
    identities: int = 1


def _events_of(pids: Sequence[Pid]) -> ColumnElement[bool]:
    """The events of *pids*: their own, and the links to them that another id's history holds."""
    return or_(_EVENT.c.pid.in_(pids), _EVENT.c.scope.in_([identities.scope_of(pid) for pid in pids]))


def review(session: Session, pid: Pid) -> Review:
    """Count what :func:`erase` would remove for *pid* and every identity linked to it."""
    everyone = identities.person(session.connection(), pid)

    def count(table: Any, where: ColumnElement[bool] | None = None) -> int:
        chosen = table.c.pid.in_(everyone) if where is None else where
        return int(session.scalar(select(func.count()).select_from(table).where(chosen)) or 0)

    events = count(_EVENT, _events_of(everyone))
    return Review(events, count(Choice.__table__), count(AccessRequest.__table__), len(everyone))


def erase(session: Session, pid: Pid, *, policy_version: str) -> Erasure:
    """Remove everything about *pid* and every identity linked to it but a suppression tombstone
    for each (so a linked number stays suppressed too); the caller commits."""
    connection = session.connection()
    chain.lock(connection)  # nothing else may write this person's events meanwhile
    everyone = identities.person(connection, pid)
    links_removed = identities.remove_all(connection, everyone)  # the links' events are redacted below
    choices_removed = connection.execute(delete(Choice).where(Choice.pid.in_(everyone))).rowcount
    requests_removed = connection.execute(delete(AccessRequest).where(AccessRequest.pid.in_(everyone))).rowcount
    context = consent.DecisionContext(Source.ERASURE, policy_version, evidence=REASON)
    tombstones: dict[Pid, int] = {}
    for one in everyone:
        # The audit trail keeps what officers did, but no longer whom it concerned.
        audit.forget_subject(session, one)
        consent.decide(session, one, {scopes.EVERYTHING: Action.OPT_OUT}, context)
        tombstones[one] = connection.execute(
            select(_EVENT.c.seq).where(_EVENT.c.pid == one).order_by(_EVENT.c.seq.desc()).limit(1)
        ).scalar_one()
    first_tombstone = min(tombstones.values())
    old = connection.execute(
        select(_EVENT.c.seq, _EVENT.c.pid, _EVENT.c.scope, _EVENT.c.digest, _EVENT.c.prev_chain, _EVENT.c.chain)
        .where(_events_of(everyone), _EVENT.c.seq < first_tombstone)
        .order_by(_EVENT.c.seq)
    ).all()
    if old:
        connection.execute(
            insert(_REDACTED),
            [
                {
                    "seq": r.seq,
                    "digest": r.digest,
                    "prev_chain": r.prev_chain,
                    "chain": r.chain,
                    "erased_by": tombstones.get(r.pid) or tombstones[Pid(r.scope.partition(":")[2])],
                }
                for r in old
            ],
        )
        connection.execute(delete(_EVENT).where(_EVENT.c.seq.in_([r.seq for r in old])))
    return Erasure(tombstones[pid], len(old), choices_removed, requests_removed, len(everyone), links_removed)
