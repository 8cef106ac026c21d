"""Pause all email for 1, 3 or 6 months, or end a pause early: a recorded choice with a last day.

A pause is the status ``pause`` of the scope ``pause:email`` with ``ends_on`` its last day in
Norway's calendar, recorded like every decision (a choice row and a chained ledger event), so it
can be undone like any page change (:mod:`optout.consent.undo`). It ends by itself: the send rule
(:func:`optout.consent.rules.paused_until`) stops counting it the day after its last day, and no
job has to run. Ending it early is a ``reset`` event. A pause touches no other scope: it never
changes an opt-out, and lifting it never gives a consent.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from .. import dates, scopes
from ..ledger import chain
from ..models import Action
from ..pids import Pid
from . import rules
from .service import Change, DecisionContext, Write, apply_writes, choices_of

MONTHS = (1, 3, 6)  # the lengths offered: short enough that a pause is no disguised opt-out


def last_day(months: int, today: dt.date | None = None) -> dt.date:
    """The last day of a pause of *months* months that starts on *today* (default: today in Norway)."""
    if months not in MONTHS:
        raise ValueError(f"a pause lasts {', '.join(map(str, MONTHS))} months")
    return dates.add_months(today or dates.today(), months)


def pause(session: Session, pid: Pid, months: int, context: DecisionContext, *, today: dt.date | None = None) -> Change:
    """Pause every email to *pid* for *months* months (a pause that holds is moved to the new last day)."""
    write = Write(scopes.PAUSE_EMAIL, Action.PAUSE, context.policy_version, ends_on=last_day(months, today))
    connection = session.connection()
    head = chain.lock(connection)
    return apply_writes(connection, pid, [write], context, {}, head)


def end(session: Session, pid: Pid, context: DecisionContext, *, today: dt.date | None = None) -> Change:
    """End *pid*'s pause now; records nothing when no pause holds (one past its last day has ended)."""
    connection = session.connection()
    head = chain.lock(connection)  # before reading: a pause recorded meanwhile is seen
    holds = rules.paused_until(choices_of(session, pid), today) is not None
    writes = [Write(scopes.PAUSE_EMAIL, Action.RESET, context.policy_version)] if holds else []
    return apply_writes(connection, pid, writes, context, {}, head)
