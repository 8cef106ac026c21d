"""The register of access requests (GDPR Art. 12(3), 15): received, due one month later, answered.

Only the pseudonymous id is kept. A person who asked within the last twelve months is refused
unless the officer records a reason: the policy (§ 8, § 10) lets repetitive requests be declined,
and the reason shows why this one was not.

Art. 12(3) lets the deadline be extended by up to two further months where necessary, if the
person is told of it, with the reasons, within the first month. An extension is recorded once,
at that notice, and only until the original due day; from then on the extended day is the one
that counts, for the overdue flag too.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..dates import add_months, local_date
from ..db import utcnow
from ..models import AccessRequest
from ..pids import Pid

REPEAT_MONTHS = 12
DUE_MONTHS = 1
EXTENSION_MONTHS = (1, 2)  # "may be extended by two further months"
MAX_REASON = 500  # the column's size


class RepeatedRequest(Exception):
    """The same person asked within twelve months, and no reason to answer again was given."""

    def __init__(self, previous: AccessRequest) -> None:
        super().__init__(previous.received_at)
        self.previous = previous


class Refusal(enum.StrEnum):
    """Why a deadline may not be extended (a stable code, turned into a message at the edge)."""

    ANSWERED = "answered"
    ALREADY_EXTENDED = "already-extended"
    TOO_LATE = "too-late"  # the original due day has passed: the person was not told in time
    BAD_MONTHS = "bad-months"
    NO_REASON = "no-reason"


class ExtensionRefused(Exception):
    """The deadline of *request* may not be extended, for the reason *code* names."""

    def __init__(self, code: Refusal, request: AccessRequest) -> None:
        super().__init__(code.value)
        self.code = code
        self.request = request


def latest(session: Session, pid: Pid) -> AccessRequest | None:
    """The person's newest request, if any."""
    stmt = select(AccessRequest).where(AccessRequest.pid == pid).order_by(AccessRequest.received_at.desc()).limit(1)
    return session.scalars(stmt).first()


def register(
    session: Session, pid: Pid, *, handled_by: str, reason: str | None = None, received_at: dt.datetime | None = None
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


def get(session: Session, request_id: int, *, for_update: bool = False) -> AccessRequest | None:
    """The request numbered *request_id*, if there is one; *for_update* holds it until commit, so
    that two officers extending it at once cannot both succeed."""
    if for_update:
        # A write that changes nothing: the row's lock on PostgreSQL, the write lock on SQLite
        # (which ignores FOR UPDATE); the request is then read as the last writer left it.
        session.execute(update(AccessRequest).where(AccessRequest.id == request_id).values(id=AccessRequest.id))
    return session.get(AccessRequest, request_id, populate_existing=for_update)


def open_request(session: Session, pid: Pid) -> AccessRequest | None:
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


def extend(request: AccessRequest, *, months: int, reason: str, by: str, at: dt.datetime | None = None) -> dt.date:
    """Extend *request*'s deadline by *months* (1 or 2) as of *at* (default now); return the new due day.

    Record it when the person is told, with *reason*: that must happen by the original due day.
    """
    at = at or utcnow()
    reason = reason.strip()
    if request.answered_at is not None:
        raise ExtensionRefused(Refusal.ANSWERED, request)
    if request.extended_to is not None:
        raise ExtensionRefused(Refusal.ALREADY_EXTENDED, request)
    if local_date(at) > request.due_on:
        raise ExtensionRefused(Refusal.TOO_LATE, request)
    if months not in EXTENSION_MONTHS:
        raise ExtensionRefused(Refusal.BAD_MONTHS, request)
    if not reason:
        raise ExtensionRefused(Refusal.NO_REASON, request)
    request.extended_to = add_months(request.due_on, months)
    request.extension_reason = reason[:MAX_REASON]
    request.extended_at = at
    request.extended_by = by
    return request.extended_to


def extendable(request: AccessRequest, today: dt.date) -> bool:
    """Whether *request*'s deadline may still be extended on *today* (open, not extended, not past due)."""
    return request.answered_at is None and request.extended_to is None and today <= request.due_on


def overdue(request: AccessRequest, today: dt.date) -> bool:
    """Whether *request* is open and past the day its answer is due (the extended day, if any)."""
    return request.answered_at is None and request.answer_due < today


def listing(session: Session, *, overdue_only: bool = False, today: dt.date | None = None) -> Sequence[AccessRequest]:
    """Open requests (unanswered), the earliest due first; with *overdue_only*, those past their due day."""
    today = today or local_date(utcnow())
    stmt = (
        select(AccessRequest)
        .where(AccessRequest.answered_at.is_(None))
        .order_by(AccessRequest.answer_due, AccessRequest.id)
    )
    if overdue_only:
        stmt = stmt.where(AccessRequest.answer_due < today)
    return session.scalars(stmt).all()


def all_requests(session: Session, limit: int = 500) -> Sequence[AccessRequest]:
    """The newest requests, answered or not (for the console's register)."""
    return session.scalars(select(AccessRequest).order_by(AccessRequest.received_at.desc()).limit(limit)).all()
