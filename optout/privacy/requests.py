"""The register of access requests (GDPR Art. 12(3), 15): received, due one month later, answered.

Only the pseudonymous id is kept. A person who asked within the last twelve months is refused
unless the officer records a reason: the policy (§ 8, § 10) lets repetitive requests be declined,
and the reason shows why this one was not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import AccessRequest
from .dates import add_months, local_date

REPEAT_MONTHS = 12
DUE_MONTHS = 1


class RepeatedRequest(Exception):
    """The same person asked within twelve months, and no reason to answer again was given."""

    def __init__(self, previous: AccessRequest) -> None:
        super().__init__(previous.received_at)
        self.previous = previous


def latest(session: Session, pid: str) -> AccessRequest | None:
    """The person's newest request, if any."""
    stmt = select(AccessRequest).where(AccessRequest.pid == pid).order_by(AccessRequest.received_at.desc()).limit(1)
    return session.scalars(stmt).first()


def register(
    session: Session, pid: str, *, handled_by: str, reason: str | None = None, received_at: dt.datetime | None = None
) -> AccessRequest:
    """Register a request received at *received_at* (default now); refuse a repeat without *reason*."""
    received_at = received_at or utcnow()
    previous = latest(session, pid)
    reason = (reason or "").strip() or None
    if previous is not None and reason is None:
        window_start = add_months(local_date(received_at), -REPEAT_MONTHS)
        if local_date(previous.received_at) > window_start:
            raise RepeatedRequest(previous)
    request = AccessRequest(
        pid=pid,
        received_at=received_at,
        due_on=add_months(local_date(received_at), DUE_MONTHS),
        repeat_reason=reason[:500] if reason else None,
        handled_by=handled_by,
    )
    session.add(request)
    session.flush()
    return request


def open_request(session: Session, pid: str) -> AccessRequest | None:
    """The person's oldest unanswered request, if any."""
    stmt = (
        select(AccessRequest)
        .where(AccessRequest.pid == pid, AccessRequest.answered_at.is_(None))
        .order_by(AccessRequest.received_at)
        .limit(1)
    )
    return session.scalars(stmt).first()


def answer(request: AccessRequest, at: dt.datetime | None = None) -> None:
    """Mark *request* answered (the package was produced and handed over)."""
    request.answered_at = at or utcnow()


def listing(session: Session, *, overdue_only: bool = False, today: dt.date | None = None) -> Sequence[AccessRequest]:
    """Open requests (unanswered), oldest due first; with *overdue_only*, those past their due day."""
    today = today or local_date(utcnow())
    stmt = select(AccessRequest).where(AccessRequest.answered_at.is_(None)).order_by(AccessRequest.due_on)
    if overdue_only:
        stmt = stmt.where(AccessRequest.due_on < today)
    return session.scalars(stmt).all()


def all_requests(session: Session, limit: int = 500) -> Sequence[AccessRequest]:
    """The newest requests, answered or not (for the console's register)."""
    return session.scalars(select(AccessRequest).order_by(AccessRequest.received_at.desc()).limit(limit)).all()
