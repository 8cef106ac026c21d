"""Count the optional reasons people give after unsubscribing, and read the counts back.

Each reason adds one to its campaign's counter (an upsert, so two at once never lose one). The
counter knows neither who nor when: the caller decides whether a reason may be counted at all
(see :mod:`optout.unsubscribe.reasons`), and nothing here can tie a count to a person.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import ReasonCount, UnsubscribeReason

_COUNTS = cast(Table, ReasonCount.__table__)


def count(session: Session, campaign_id: int, reason: UnsubscribeReason) -> None:
    """Add one to *reason*'s count for *campaign_id*."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(_COUNTS).values(campaign_id=campaign_id, reason=reason.value, count=1)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[_COUNTS.c.campaign_id, _COUNTS.c.reason], set_={"count": _COUNTS.c.count + 1}
        )
    )
    session.flush()


def counts(session: Session, campaign_id: int) -> dict[str, int]:
    """Every reason's count for *campaign_id*, in the page's order, zero where none was given."""
    stmt = select(ReasonCount.reason, ReasonCount.count).where(ReasonCount.campaign_id == campaign_id)
    found: dict[str, int] = dict(session.execute(stmt).all())
    return {reason.value: found.get(reason.value, 0) for reason in UnsubscribeReason}
