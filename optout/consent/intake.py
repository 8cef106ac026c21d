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
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Executable, Table, select
from sqlalchemy.orm import Session

from ..db import list_value, listed_objects, time_value
from ..ledger import chain
from ..models import Action, ConsentEvent, Source
from ..pids import Pid
from . import bulk, identities
from . import service as consent

REPORTING_SOURCES = (Source.IVR, Source.SMS, Source.ESP, Source.SUPPORT)
EVIDENCE_MAX = 500
_EVENT = cast(Table, ConsentEvent.__table__)


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
    """Record every report in *reports* as its opt-out (flushed; the caller commits); return each
    one's outcome, in order.

    All of them under one ledger lock: the reports already in the ledger are found in one query (a
    report repeated in *reports* counts once, as its first); a person with a link goes through
    :func:`service.decide` one report at a time, which weighs the linked identities' choices;
    everyone else in rounds (:func:`bulk.rounds`, a later report of the same person and scope after
    the earlier one's result), one upsert and one write of events each
    (:func:`bulk.opt_out_rows`)."""
    for report in reports:
        if report.source not in REPORTING_SOURCES:
            raise ValueError(f"{report.source} is not a source that reports opt-outs")
    outcomes = [Outcome.ALREADY] * len(reports)
    if not reports:
        return outcomes
    connection = session.connection()
    chain.lock(connection)  # first, before anything is read, as every writer does
    firsts: dict[tuple[Pid, str, Source, dt.datetime], int] = {}  # each report's first place
    for at, report in enumerate(reports):
        firsts.setdefault((report.pid, report.scope, report.source, report.occurred_at), at)
    unique = list(firsts.values())
    before = _reported_before(connection, [reports[at] for at in unique])
    new = [at for n, at in enumerate(unique) if n not in before]
    if not new:
        return outcomes  # a replayed request: nothing more to read
    linked = identities.with_links(connection, list(dict.fromkeys(reports[at].pid for at in new)))
    for at in new:
        report = reports[at]
        if report.pid in linked:
            context = consent.DecisionContext(
                report.source, policy_version, occurred_at=report.occurred_at, evidence=_evidence(report, reporter)
            )
            if consent.decide(session, report.pid, {report.scope: Action.OPT_OUT}, context, topics=topics):
                outcomes[at] = Outcome.RECORDED
    channels = consent.topic_channels(session, topics)
    alone = [at for at in new if reports[at].pid not in linked]
    for round_ in bulk.rounds(alone, lambda at: (reports[at].pid, reports[at].scope)):
        head = chain.lock(connection)  # the head moved if an earlier report wrote
        opt_outs = [
            bulk.OptOut(report.pid, report.scope, report.source, report.occurred_at, _evidence(report, reporter))
            for report in (reports[at] for at in round_)
        ]
        changed = bulk.opt_out_rows(connection, opt_outs, policy_version, channels, head)
        for at in round_:
            if (reports[at].pid, reports[at].scope) in changed:
                outcomes[at] = Outcome.RECORDED
    return outcomes


def _evidence(report: ReportedOptOut, reporter: str) -> str:
    """The evidence of a report's event: the reporter, then what the report says, if anything."""
    evidence = reporter if not report.evidence else f"{reporter}: {report.evidence}"
    return evidence[:EVIDENCE_MAX]


_FIELDS = ["at", "pid", "scope", "source", "occurred_at"]


@functools.cache  # built once per dialect
def _found(dialect: str) -> Executable:
    given = listed_objects("reports", dialect, _FIELDS, times={"occurred_at"}).subquery()
    event = _EVENT.c
    matches = (
        (event.pid == given.c.pid)
        & (event.scope == given.c.scope)
        & (event.source == given.c.source)
        & (event.occurred_at == given.c.occurred_at)
    )
    return select(given.c.at).distinct().select_from(given.join(_EVENT, matches))


def _reported_before(connection: Connection, reports: Sequence[ReportedOptOut]) -> set[int]:
    """The places in *reports* of those that are in the ledger already: an event of the same
    person, scope, source and time (one query for them all)."""
    dialect = connection.dialect
    given: list[dict[str, Any]] = [
        {
            "at": str(at),
            "pid": report.pid,
            "scope": report.scope,
            "source": report.source.value,
            "occurred_at": time_value(report.occurred_at, dialect),
        }
        for at, report in enumerate(reports)
    ]
    found = connection.execute(_found(dialect.name), {"reports": list_value(given)}).scalars()
    return {int(at) for at in found}
