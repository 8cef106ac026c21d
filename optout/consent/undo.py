"""Undo a change: restore exactly the rows it replaced, and only where the link in hand may.

A restored choice gets back the status and the policy version it was given under (so an opt-in
that a material policy change made stale stays stale), and its event names the event that gave
it (``restores``). The checks and the reads run under the ledger lock, in the writes'
transaction, so a decision recorded meanwhile is never overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..ledger import chain
from ..models import Action, ConsentEvent, Link, Source
from ..pids import Pid
from .service import Change, DecisionContext, Write, apply_writes, change_events, topic_channels


class ChangeNotFound(LookupError):
    """No change with that id belongs to this recipient."""


class ChangeStale(Exception):
    """The choices have changed since; undoing would overwrite a newer decision."""


class ChangeNotUndoable(Exception):
    """The change is not one that the link in hand may undo (an undo, an import, another link's)."""


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


def superseded(session: Session, pid: Pid, events: Sequence[ConsentEvent]) -> bool:
    """True when a newer decision has touched a choice that the change of *events* made."""
    newer = select(func.count()).where(
        ConsentEvent.pid == pid,
        ConsentEvent.scope.in_({event.scope for event in events}),
        ConsentEvent.id > max(event.id for event in events),
    )
    return bool(session.scalar(newer))


def undoable(session: Session, pid: Pid, events: Sequence[ConsentEvent], link: Link, campaign_id: int) -> bool:
    """Whether a page may offer Undo for the change of *events* now (the act checks again, locked)."""
    return may_undo(events, link, campaign_id) and not superseded(session, pid, events)


def undo(session: Session, pid: Pid, change_id: str, context: DecisionContext) -> Change:
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
    writes: list[Write] = []
    for scope in dict.fromkeys(event.scope for event in events):
        before = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.pid == pid, ConsentEvent.scope == scope, ConsentEvent.id < first_id)
            .order_by(ConsentEvent.id.desc())
            .limit(1)
        ).first()
        if before is None or before.action == Action.RESET:
            writes.append(Write(scope, Action.RESET, context.policy_version))
        else:
            writes.append(
                Write(scope, Action(before.action), before.policy_version, restores=before.seq, ends_on=before.ends_on)
            )
    return apply_writes(connection, pid, writes, context, topic_channels(session, None), head)
