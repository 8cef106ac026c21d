"""Where a standing "yes" came from: the ledger event that gave it, for "Why did I get this?".

An undo that brought a choice back names the event it restored (``restores``); following those
links leads to the decision the person actually made, so the page shows that, never the undo.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import scopes
from ..models import Action, ConsentEvent
from ..pids import Pid

_MAX_HOPS = 50  # restores links only point back; this only bounds a damaged ledger


def origin(session: Session, event: ConsentEvent) -> ConsentEvent:
    """The event whose decision *event* carries: itself, or the one its chain of undos restored."""
    hops = 0
    while event.restores is not None and hops < _MAX_HOPS:
        found = session.scalars(
            select(ConsentEvent).where(ConsentEvent.seq == event.restores, ConsentEvent.pid == event.pid)
        ).first()
        if found is None:  # erased or redacted: the undo is the best evidence left
            break
        event, hops = found, hops + 1
    return event


def yes_events(session: Session, pid: Pid, topic_keys: Iterable[str]) -> dict[str, ConsentEvent | None]:
    """For each topic key, the event that gave *pid*'s standing opt-in to it (None: no recorded yes)."""
    found: dict[str, ConsentEvent | None] = {}
    for key in topic_keys:
        latest = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.pid == pid, ConsentEvent.scope == scopes.topic(key))
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        ).first()
        found[key] = origin(session, latest) if latest is not None and latest.action == Action.OPT_IN else None
    return found
