"""Opt-outs and opt-ins per day and per scope (topic, partner, channel, everything), from the ledger.

A day is a UTC day of when the decision was made: the time an imported decision was given
elsewhere (``occurred_at``), otherwise the time it was recorded. Counting is done by the database,
grouped by day, scope and action, so the page costs one query whatever the ledger's size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.orm import Session

from .. import scopes
from ..models import Action, ConsentEvent

DAYS = 30
_KIND_ORDER = {"everything": 0, "topic": 1, "partner": 2, "channel": 3}


@dataclass(frozen=True)
class Series:
    """One scope's opt-outs and opt-ins, one number per day of :attr:`DailyCounts.days`."""

    scope: str
    opt_outs: tuple[int, ...]
    opt_ins: tuple[int, ...]

    @property
    def total_opt_outs(self) -> int:
        """Opt-outs over the whole period."""
        return sum(self.opt_outs)

    @property
    def total_opt_ins(self) -> int:
        """Opt-ins over the whole period."""
        return sum(self.opt_ins)

    @property
    def peak(self) -> int:
        """The highest count of one kind on one day (the top of the chart's scale)."""
        return max((*self.opt_outs, *self.opt_ins), default=0)


@dataclass(frozen=True)
class DailyCounts:
    """The period's days, oldest first, and a series per scope that had any opt-out or opt-in."""

    days: tuple[dt.date, ...]
    series: tuple[Series, ...]


def _day(column: ColumnElement[dt.datetime], dialect: str) -> ColumnElement[object]:
    # SQLite keeps times as text and has no date type: date() gives 'YYYY-MM-DD'.
    return func.date(column) if dialect == "sqlite" else cast(column, Date)


def _scope_order(scope: str, topic_order: Sequence[str]) -> tuple[int, int, str]:
    kind, key = scopes.split(scope)
    position = topic_order.index(key) if kind == "topic" and key in topic_order else len(topic_order)
    return _KIND_ORDER.get(kind, 9), position, key


def daily_counts(session: Session, *, today: dt.date, days: int = DAYS, topic_order: Sequence[str] = ()) -> DailyCounts:
    """Count opt-outs and opt-ins per scope for each of the *days* days up to and including *today*.

    Series are ordered everything, topics (in *topic_order*), partners, channels.
    """
    first = today - dt.timedelta(days=days - 1)
    period = tuple(first + dt.timedelta(days=n) for n in range(days))
    when = func.coalesce(ConsentEvent.occurred_at, ConsentEvent.created_at)
    day = _day(when, session.get_bind().dialect.name).label("day")
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(day, ConsentEvent.scope, ConsentEvent.action, func.count())
        .where(
            when >= start,
            when < end,
            ConsentEvent.action.in_([Action.OPT_OUT, Action.OPT_IN]),
        )
        .group_by(day, ConsentEvent.scope, ConsentEvent.action)
    ).all()
    index = {d: n for n, d in enumerate(period)}
    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {Action.OPT_OUT.value: [0] * days, Action.OPT_IN.value: [0] * days}
    )
    for row_day, scope, action, count in rows:
        when_day = row_day if isinstance(row_day, dt.date) else dt.date.fromisoformat(str(row_day))
        if when_day in index:
            counts[scope][action][index[when_day]] += int(count)
    series = tuple(
        Series(scope, tuple(values[Action.OPT_OUT.value]), tuple(values[Action.OPT_IN.value]))
        for scope, values in sorted(counts.items(), key=lambda item: _scope_order(item[0], topic_order))
    )
    return DailyCounts(period, series)
