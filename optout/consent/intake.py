"""Opt-outs taken by other systems: an IVR's "press 9", an SMS gateway's STOP, an email
provider's own unsubscribe event, a person who asked customer service.

Only opt-outs ever come in this way, never an opt-in: a system that hears "stop" may tell us, but
consent is given on our own pages. Each report is one ledger event whose source is the reporting
kind of system and whose evidence starts with the reporter (the API key's name), so the proof of
an opt-out says who told us. The same report twice (same person, scope, source and time) records
nothing the second time, even if the person opted in again in between: a gateway that delivers a
report again cannot undo that newer choice. An opt-out
that arrives late still counts, even after a newer opt-in: an opt-out is never lost, and a person
who opts in again afterwards can do so on the page.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Action, ConsentEvent, Source
from ..pids import Pid
from . import service as consent

REPORTING_SOURCES = (Source.IVR, Source.SMS, Source.ESP, Source.SUPPORT)
EVIDENCE_MAX = 500


class Outcome(enum.StrEnum):
    """What became of one reported opt-out."""

    RECORDED = "recorded"
    ALREADY = "already"  # the person had already opted out of that scope: nothing new


@dataclass(frozen=True)
class ReportedOptOut:
    """One opt-out as another system reports it, already checked: whose, of what, how and when."""

    pid: Pid
    scope: str
    source: Source
    occurred_at: dt.datetime
    evidence: str | None = None


def record_reported(
    session: Session,
    reports: Sequence[ReportedOptOut],
    *,
    reporter: str,
    policy_version: str,
    topics: Sequence[consent.TopicLike],
) -> list[Outcome]:
    """Record every report in *reports* as its opt-out (flushed; the caller commits), in order."""
    outcomes = []
    for report in reports:
        if report.source not in REPORTING_SOURCES:
            raise ValueError(f"{report.source} is not a source that reports opt-outs")
        if _reported_before(session, report):
            outcomes.append(Outcome.ALREADY)
            continue
        evidence = reporter if not report.evidence else f"{reporter}: {report.evidence}"
        context = consent.DecisionContext(
            report.source, policy_version, occurred_at=report.occurred_at, evidence=evidence[:EVIDENCE_MAX]
        )
        change = consent.decide(session, report.pid, {report.scope: Action.OPT_OUT}, context, topics=topics)
        outcomes.append(Outcome.RECORDED if change else Outcome.ALREADY)
    return outcomes


def _reported_before(session: Session, report: ReportedOptOut) -> bool:
    """Whether this very report (person, scope, source, time) is in the ledger already."""
    found = session.scalar(
        select(ConsentEvent.id)
        .where(ConsentEvent.pid == report.pid, ConsentEvent.scope == report.scope)
        .where(ConsentEvent.source == report.source, ConsentEvent.occurred_at == report.occurred_at)
        .limit(1)
    )
    return found is not None
