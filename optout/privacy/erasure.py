"""Erase a person and keep them suppressed (GDPR Art. 17 and 21(3); the ICO's suppression advice).

Everything about the person goes: their choices, their access requests, the content of their
ledger events, and their id from the officers' audit trail. What stays is a tombstone: one
choice (scope everything, opt-out) and one ledger event with source ``erasure`` (the
pseudonymous id, the scope, the date, the reason), so that no list ever reaches them again.

Their old events keep only their place in the hash chain (see :mod:`optout.ledger.chain`): a
digest that nobody can match to content any more, since the nonce that went into it is deleted
too. The chain therefore verifies before and after.

The person may still come back on their own: an opt-in they make later on the preference page is
recorded and honoured like any other decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.orm import Session

from .. import scopes
from ..audit import service as audit
from ..consent import service as consent
from ..ledger import chain
from ..models import AccessRequest, Action, Choice, ConsentEvent, RedactedEvent, Source
from ..pids import Pid

REASON = "erasure (GDPR Art. 17)"
_EVENT = cast(Table, ConsentEvent.__table__)
_REDACTED = cast(Table, RedactedEvent.__table__)


@dataclass(frozen=True)
class Erasure:
    """What one erasure removed, and the tombstone it left."""

    tombstone_seq: int
    events_redacted: int
    choices_removed: int
    requests_removed: int


@dataclass(frozen=True)
class Review:
    """What an erasure would remove, shown before the officer confirms."""

    events: int
    choices: int
    requests: int


def review(session: Session, pid: Pid) -> Review:
    """Count what :func:`erase` would remove for *pid*."""

    def count(table: Any) -> int:
        return int(session.scalar(select(func.count()).select_from(table).where(table.c.pid == pid)) or 0)

    return Review(count(_EVENT), count(Choice.__table__), count(AccessRequest.__table__))


def erase(session: Session, pid: Pid, *, policy_version: str) -> Erasure:
    """Remove everything about *pid* but a suppression tombstone; the caller commits."""
    connection = session.connection()
    chain.lock(connection)  # nothing else may write this person's events meanwhile
    choices_removed = connection.execute(delete(Choice).where(Choice.pid == pid)).rowcount
    requests_removed = connection.execute(delete(AccessRequest).where(AccessRequest.pid == pid)).rowcount
    # The audit trail keeps what officers did, but no longer whom it concerned.
    audit.forget_subject(session, pid)
    context = consent.DecisionContext(Source.ERASURE, policy_version, evidence=REASON)
    consent.decide(session, pid, {scopes.EVERYTHING: Action.OPT_OUT}, context)
    tombstone_seq = connection.execute(
        select(_EVENT.c.seq).where(_EVENT.c.pid == pid).order_by(_EVENT.c.seq.desc()).limit(1)
    ).scalar_one()
    old = connection.execute(
        select(_EVENT.c.seq, _EVENT.c.digest, _EVENT.c.prev_chain, _EVENT.c.chain).where(
            _EVENT.c.pid == pid, _EVENT.c.seq < tombstone_seq
        )
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
                    "erased_by": tombstone_seq,
                }
                for r in old
            ],
        )
        connection.execute(delete(_EVENT).where(_EVENT.c.pid == pid, _EVENT.c.seq < tombstone_seq))
    return Erasure(tombstone_seq, len(old), choices_removed, requests_removed)
