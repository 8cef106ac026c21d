"""The officer's audit trail: who did what through the console and the API, and when.

Every export, access request, deadline extension and erasure made through the console is
recorded here, in the same transaction as the action itself (the edge commits both or neither); so
are logins, failed logins, lockouts and look-ups of a person. Every call of the HTTP API is recorded
as counts under its key's name (``api:<name>``), and so are the links ``optout links`` mints. An
entry names a person only by pseudonymous id, never by address; API and link entries name nobody.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import AuditEntry

MAX_DETAIL = 500  # the column's size
CLI = "cli"  # the "officer" of actions taken with the optout command
API_PREFIX = "api:"  # the "officer" of an API call: this and the key's name
PAGE_SIZE = 100  # entries per page of the console's audit trail


class AuditAction(enum.StrEnum):
    """What an audit entry records."""

    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOCKED_OUT = "locked-out"
    LOGOUT = "logout"
    LOOKUP = "lookup"
    EXPORT = "export"
    ACCESS_REQUEST = "access-request"
    REQUEST_EXTENDED = "request-extended"
    ERASURE = "erasure"
    OFFICER_ADDED = "officer-added"
    OFFICER_REMOVED = "officer-removed"
    PASSWORD_SET = "password-set"  # noqa: S105 - an action name, not a password
    API_FILTER = "api-filter"
    API_LINKS = "api-links"
    LINKS_MINTED = "links-minted"


def record(session: Session, officer_email: str, action: AuditAction | str, detail: str = "") -> AuditEntry:
    """Add an entry for *action* by *officer_email*; the caller commits it with the action."""
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    entry = AuditEntry(at=utcnow(), officer=officer_email, action=str(action), detail=detail)
    session.add(entry)
    session.flush()
    return entry


def entries(session: Session, *, before: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
    """The newest *limit* entries (older than entry *before*, when given), newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    return session.scalars(stmt).all()
