"""The privacy officer's use cases, one function each, for the console and the CLI alike.

Each takes the session, its inputs and the *actor* (an officer's address, ``cli``, or ``api:NAME``),
does the work and writes its own structured audit entry in the same transaction (Zulip's
``do_<verb>(…, acting_user)``). It flushes; the edge (request handler, CLI command) commits or
rolls back, and turns the typed refusals into messages (:mod:`optout.privacy.messages`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..audit import service as audit
from ..audit.service import AuditAction
from ..catalog import service as catalog
from ..config import Settings
from ..consent.rules import Freshness
from ..labels import Names
from ..ledger.export import LedgerFilter
from ..models import AccessRequest
from ..pids import Pid
from . import access_requests, erasure, package, processing_record


@dataclass(frozen=True)
class Answer:
    """An answered access request, the package that answers it, and the names its letter uses."""

    request: AccessRequest
    package: dict[str, Any]
    names: Names


def register_request(
    session: Session, pid: Pid, *, actor: str, reason: str | None = None, received_at: dt.datetime | None = None
) -> AccessRequest:
    """Register *pid*'s access request; a repeat without *reason* raises
    :class:`~optout.privacy.access_requests.RepeatedRequest`."""
    request = access_requests.register(session, pid, handled_by=actor, reason=reason, received_at=received_at)
    audit.log_action(session, actor, AuditAction.REQUEST_REGISTERED, subject_pid=pid, data={"request": request.id})
    return request


def answer_request(
    session: Session,
    pid: Pid,
    *,
    email: str | None = None,
    phone: str | None = None,
    settings: Settings,
    fresh: Freshness,
    fmt: str,
    actor: str,
    reason: str | None = None,
    received_at: dt.datetime | None = None,
) -> Answer:
    """Answer *pid*'s open request (registering one if there is none) with their package, as *fmt*
    (*email* or *phone*: what the person was found by)."""
    request = access_requests.open_request(session, pid) or register_request(
        session, pid, actor=actor, reason=reason, received_at=received_at
    )
    topics = catalog.topics(session)
    data = package.build(
        session, pid, email=email, phone=phone, settings=settings, request=request, topics=topics, fresh=fresh
    )
    access_requests.answer(request)
    audit.log_action(
        session, actor, AuditAction.REQUEST_ANSWERED, subject_pid=pid, data={"request": request.id, "format": fmt}
    )
    return Answer(request, data, package.names(session, topics))


def extend_request(session: Session, request: AccessRequest, *, months: int, reason: str, actor: str) -> dt.date:
    """Extend *request*'s deadline; the new due day. Raises :class:`access_requests.ExtensionRefused`."""
    due = access_requests.extend(request, months=months, reason=reason, by=actor)
    audit.log_action(
        session,
        actor,
        AuditAction.REQUEST_EXTENDED,
        subject_pid=request.pid,
        data={"request": request.id, "due": due.isoformat()},
    )
    return due


def erase_person(session: Session, pid: Pid, *, policy_version: str, actor: str) -> erasure.Erasure:
    """Erase *pid* but their suppression tombstone; the audit keeps that it was done, not whom."""
    done = erasure.erase(session, pid, policy_version=policy_version)
    audit.log_action(session, actor, AuditAction.ERASURE, data={"tombstone_seq": done.tombstone_seq})
    return done


def export_ledger(session: Session, chosen: LedgerFilter, *, fmt: str, actor: str) -> None:
    """Record that the ledger events *chosen* are handed over as *fmt* (the edge streams them)."""
    bounds = {
        name: value.isoformat() if isinstance(value, dt.datetime) else value for name, value in vars(chosen).items()
    }
    audit.log_action(
        session,
        actor,
        AuditAction.LEDGER_EXPORTED,
        data={"format": fmt, "filter": {name: value for name, value in bounds.items() if value}},
    )


def export_processing_record(
    session: Session, settings: Settings, *, year: int | None, fmt: str, actor: str
) -> dict[str, Any]:
    """The record of processing (with *year*'s disclosure statement, if given), its export audited."""
    data = processing_record.build(session, settings, year=year)
    audit.log_action(session, actor, AuditAction.RECORD_EXPORTED, data={"format": fmt, "year": year})
    return data
