"""Where a standing "yes" came from: the ledger event that gave it, for "Why did I get this?".

An undo that brought a choice back names the event it restored (``restores``); following those
links leads to the decision the person actually made, so the page shows that, never the undo.

The preference page asks this on every view, so the statements are Core and built once, and the
latest event of every topic asked about is read in one statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, select
from sqlalchemy.orm import Session

from .. import scopes
from ..models import Action, ConsentEvent, Status
from ..pids import Pid
from .rules import Choices

_MAX_HOPS = 50  # restores links only point back; this only bounds a damaged ledger
_EVENT = cast(Table, ConsentEvent.__table__)
_E = _EVENT.c
# What the page says of a yes (when, how, under which version), and the link an undo left.
_COLUMNS = (_E.id, _E.seq, _E.pid, _E.scope, _E.action, _E.source, _E.policy_version, _E.created_at, _E.occurred_at,
            _E.restores)  # fmt: skip
_LATEST = select(*_COLUMNS).where(
    _E.id.in_(
        select(func.max(_E.id))
        .where(_E.pid == bindparam("pid"), _E.scope.in_(bindparam("scopes", expanding=True)))
        .group_by(_E.scope)
    )
)
_BY_SEQ = select(*_COLUMNS).where(_E.seq == bindparam("seq"), _E.pid == bindparam("pid"))

# A ledger event as read here: the columns above by name (``event.source``, ``event.occurred_at``).
Event = Row[*tuple[Any, ...]]


def origin(session: Session, event: Event) -> Event:
    """The event whose decision *event* carries: itself, or the one its chain of undos restored."""
    connection = session.connection()
    hops = 0
    while event.restores is not None and hops < _MAX_HOPS:
        found = connection.execute(_BY_SEQ, {"seq": event.restores, "pid": event.pid}).first()
        if found is None:  # erased or redacted: the undo is the best evidence left
            break
        event, hops = found, hops + 1
    return event


def yes_events(
    session: Session, pid: Pid, topic_keys: Iterable[str], *, standing: Choices | None = None
) -> dict[str, Event | None]:
    """For each topic key, the event that gave *pid*'s standing opt-in to it (None: no recorded yes).

    With *standing* (the person's choices, :func:`~optout.consent.service.choices_of`), a topic
    whose choice is no opt-in is not looked up: each choice row equals its scope's latest event
    (:mod:`optout.consent.service`), and where *pid*'s own row is an opt-in the person's choice is
    one too unless a linked identity refused since. So a recipient who never chose, the most
    common visitor, costs no statement."""
    asked = list(topic_keys)
    found: dict[str, Event | None] = dict.fromkeys(asked)
    keys = [key for key in asked if standing is None or standing.status(scopes.topic(key)) == Status.OPTED_IN]
    if not keys:
        return found
    wanted = {scopes.topic(key): key for key in keys}
    rows = session.connection().execute(_LATEST, {"pid": pid, "scopes": list(wanted)})
    latest = {wanted[row.scope]: row for row in rows}
    for key in keys:
        event = latest.get(key)
        found[key] = origin(session, event) if event is not None and event.action == Action.OPT_IN else None
    return found
