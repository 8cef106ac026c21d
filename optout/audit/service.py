"""Record and read the audit trail: who did what through the console, the CLI and the API, and when.

Every export, access request, deadline extension and erasure is recorded by the use case itself,
in the same transaction as the action (the edge commits both or neither); so are logins, failed
logins, lockouts and look-ups of a person. Every call of the HTTP API is recorded as counts under
its key's name (``api:<name>``), and so are the links ``optout links`` mints.

An entry is structured (pretix's ``log_action``): a stable action code, the pseudonymous id of the
person it concerns in ``subject_pid`` (and nowhere else, so that erasure only has to clear that
column), and JSON ``data`` that the console renders in the viewer's language. No recipient's
address ever goes into an entry. Entries written before 0009 keep their English text as
``data["text"]``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import AuditEntry
from ..pids import Pid

CLI = "cli"  # the actor of actions taken with the optout command
API_PREFIX = "api:"  # the actor of an API call: this and the key's name
PAGE_SIZE = 100  # entries per page of the console's audit trail
LEGACY_TEXT = "text"  # the data key holding the free-text detail of an entry from before 0009


class AuditAction(enum.StrEnum):
    """What an audit entry records: a stable code, never renamed (old entries keep theirs)."""

    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOCKED_OUT = "locked-out"
    LOGOUT = "logout"
    LOOKUP = "lookup"
    REQUEST_REGISTERED = "access-request.registered"
    REQUEST_ANSWERED = "access-request.answered"
    REQUEST_EXTENDED = "access-request.extended"
    ERASURE = "erasure"
    LEDGER_EXPORTED = "export.ledger"
    RECORD_EXPORTED = "export.record"
    REPORT_EXPORTED = "export.campaign-report"
    OFFICER_ADDED = "officer-added"
    OFFICER_REMOVED = "officer-removed"
    PASSWORD_SET = "password-set"  # noqa: S105 - an action name, not a password
    API_FILTER = "api-filter"
    API_LINKS = "api-links"
    API_OPT_OUTS = "api-opt-outs"
    LINKS_MINTED = "links-minted"
    TOPIC_EDITED = "topic-edited"
    IDENTITIES_LINKED = "identities-linked"  # subject: the email id (the phone id is in the ledger)
    IDENTITIES_UNLINKED = "identities-unlinked"


# Codes only entries written before 0009 carry: their detail is in data["text"].
LEGACY_ACTIONS = ("export", "access-request", "request-extended")


def api_actor(key_name: str) -> str:
    """The actor of a call made with the API key named *key_name*."""
    return API_PREFIX + key_name


def log_action(
    session: Session,
    actor: str,
    action: AuditAction,
    *,
    subject_pid: Pid | None = None,
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry for *action* by *actor* about *subject_pid*; the caller commits it with the action."""
    entry = AuditEntry(at=utcnow(), officer=actor, action=action.value, subject_pid=subject_pid, data=dict(data or {}))
    session.add(entry)
    session.flush()
    return entry


def forget_subject(session: Session, pid: Pid) -> int:
    """Clear *pid* from every entry about them (the entries stay, without whom they concerned)."""
    result = session.execute(update(AuditEntry).where(AuditEntry.subject_pid == pid).values(subject_pid=None))
    return int(getattr(result, "rowcount", 0) or 0)


def entries(session: Session, *, before: int | None = None, limit: int = PAGE_SIZE) -> Sequence[AuditEntry]:
    """The newest *limit* entries (older than entry *before*, when given), newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    return session.scalars(stmt).all()
