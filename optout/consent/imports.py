"""Bring in decisions made elsewhere: consents with their evidence, and old suppression lists.

No import ever turns an opt-out into an opt-in. A consent is recorded only where the recipient
has no opt-out of that topic or of everything (whenever it was made: an erased person's
tombstone is such an opt-out) and no standing opt-in already, so importing
the same file twice records nothing new, and a later opt-out always stands. A suppression import
only ever adds opt-outs.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy.orm import Session

from .. import phones, scopes
from ..csvrows import BadRow, column, read_header, records
from ..db import utcnow
from ..identity import AddressInvalid, pid_of
from ..models import Action, Source, Status
from ..pids import Pid
from . import bulk, identities, rules
from . import service as consent
from .rules import Freshness

MAX_BAD_LISTED = 1000
# Bounded transactions: a re-run after a crash records only what is missing, and the ledger lock an
# import holds until it commits (see optout.ledger.chain) keeps one-click requests waiting briefly.
COMMIT_EVERY = 200
# A suppression batch: one lock, one upsert, one COPY (or executemany) and one commit for this many
# rows, which hold the ledger lock for well under a second (bench/imports.py).
BATCH = 20_000


@dataclass
class ImportSummary:
    """What an import did, counted per outcome; never an address."""

    rows_read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)
    invalid_rows: list[tuple[int, str]] = field(default_factory=list)
    invalid_numbers: list[tuple[int, str]] = field(default_factory=list)

    def bad(self, line: int, problem: str) -> None:
        """Count a row that could not be used."""
        self.outcomes["malformed-row"] += 1
        if len(self.bad_rows) < MAX_BAD_LISTED:
            self.bad_rows.append((line, problem))

    def invalid(self, line: int, problem: str) -> None:
        """Count a row whose address is not a mailbox, and say where it was and why (never the address)."""
        self.outcomes["invalid-address"] += 1
        if len(self.invalid_rows) < MAX_BAD_LISTED:
            self.invalid_rows.append((line, problem))

    def invalid_number(self, line: int, problem: str) -> None:
        """Count a row whose phone number cannot exist: its consent stands, it links nothing."""
        self.outcomes["invalid-number"] += 1
        if len(self.invalid_numbers) < MAX_BAD_LISTED:
            self.invalid_numbers.append((line, problem))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready counts."""
        return {
            "rows_read": self.rows_read,
            **dict(sorted(self.outcomes.items())),
            "malformed_rows": [{"line": line, "problem": problem} for line, problem in self.bad_rows],
            "invalid_addresses": [{"line": line, "problem": problem} for line, problem in self.invalid_rows],
            **(
                {"invalid_numbers": [{"line": line, "problem": problem} for line, problem in self.invalid_numbers]}
                if self.invalid_numbers
                else {}
            ),
        }


def _given_at(text: str) -> dt.datetime:
    """ISO 8601 date or date-time; without a zone it is UTC."""
    value = dt.datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def import_consents(
    session: Session,
    source: IO[str],
    *,
    id_key: bytes,
    topics: Sequence[consent.TopicLike],
    version_at: Callable[[dt.datetime], str],
    fresh: Freshness,
    region: str = phones.DEFAULT_REGION,
) -> ImportSummary:
    """Record the opt-ins in *source* (columns email, topic, given_at, evidence; optionally phone).

    A row with a phone number links it to the address (:mod:`optout.consent.identities`): the
    data says they are one person's. The link is made first, so a refusal recorded for the number
    stands against the consent as the address's own would.

    Each consent records the policy version that was in force when it was given (*version_at*).
    A standing opt-in is never replaced, unless a material policy change made it stale
    (*fresh*) and the imported consent was given under a version that still counts.
    """
    reader = csv.reader(source, strict=True)
    header = read_header(reader, ["email", "topic", "given_at", "evidence"])
    at = [column(header, name) or 0 for name in ("email", "topic", "given_at", "evidence")]  # all present
    phone_at = column(header, "phone")
    summary = ImportSummary()
    by_key = {topic.key: topic for topic in topics}
    now = utcnow()
    for count, row in enumerate(records(reader, len(header)), start=1):
        summary.rows_read += 1
        if isinstance(row, BadRow):
            summary.bad(row.line, row.problem)
            continue
        line = getattr(reader, "line_num", 0)
        email, topic, given, evidence = (row[index].strip() for index in at)
        try:
            pid = pid_of(id_key, email)
        except AddressInvalid as exc:
            summary.invalid(line, exc.problem)
            continue
        if topic not in by_key:
            summary.bad(line, f"unknown topic {topic[:40]!r}")
            continue
        try:
            given_at = _given_at(given)
        except ValueError:
            summary.bad(line, "given_at is not an ISO 8601 date or date-time")
            continue
        if given_at > now:
            summary.bad(line, "given_at is in the future")
            continue
        if not evidence:
            summary.bad(line, "no evidence")
            continue
        if phone_at is not None and (number := row[phone_at].strip()):
            _link(session, summary, line, pid, number, id_key=id_key, region=region, version=version_at(now))
        scope = scopes.topic(topic)
        standing = consent.choices_of(session, pid)
        if standing.refused(scope) or standing.refused(scopes.EVERYTHING):
            # an opt-out of the topic or of everything (an erasure's tombstone too) is never overridden
            summary.outcomes["skipped-opt-out-stands"] += 1
            continue
        version = version_at(given_at)
        renews = rules.stale(standing, by_key[topic], fresh) and fresh.counts(version)
        if standing.status(scope) == Status.OPTED_IN and not renews:
            summary.outcomes["skipped-already-opted-in"] += 1
            continue
        context = consent.DecisionContext(Source.IMPORT, version, occurred_at=given_at, evidence=evidence[:500])
        change = consent.decide(session, pid, {scope: Action.OPT_IN}, context, topics=topics)
        summary.outcomes["recorded" if change else "skipped-already-opted-in"] += 1
        if count % COMMIT_EVERY == 0:
            session.commit()
    return summary


def _link(
    session: Session,
    summary: ImportSummary,
    line: int,
    pid: Pid,
    number: str,
    *,
    id_key: bytes,
    region: str,
    version: str,
) -> None:
    try:
        phone_pid = phones.pid_of_number(id_key, number, region)
    except phones.NumberInvalid as exc:
        summary.invalid_number(line, exc.problem)
        return
    if identities.link(session, pid, phone_pid, source=Source.IMPORT, policy_version=version):
        summary.outcomes["linked"] += 1


def import_suppressions(
    session: Session,
    source: IO[str],
    *,
    id_key: bytes,
    scope: str,
    topics: Sequence[consent.TopicLike],
    policy_version: str,
    evidence: str,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportSummary:
    """Record an opt-out of *scope* for every address in *source* (an ``email`` column).

    In batches of *batch* rows, each one transaction (:func:`optout.consent.bulk.opt_out_many`):
    a crash leaves whole batches, and a re-run records only what is missing. *progress* is called
    with the rows read so far after each batch."""
    reader = csv.reader(source, strict=True)
    header = read_header(reader, ["email"])
    email_at = column(header, "email") or 0
    summary = ImportSummary()
    context = consent.DecisionContext(Source.IMPORT, policy_version, evidence=evidence[:500])
    channels = consent.topic_channels(session, topics)
    pids: list[Pid] = []

    def flush() -> None:
        changed = bulk.opt_out_many(session.connection(), pids, scope, context, channels)
        summary.outcomes["recorded"] += len(changed)
        summary.outcomes["skipped-already-opted-out"] += len(pids) - len(changed)
        session.commit()
        pids.clear()
        if progress is not None:
            progress(summary.rows_read)

    for row in records(reader, len(header)):
        summary.rows_read += 1
        if isinstance(row, BadRow):
            summary.bad(row.line, row.problem)
            continue
        try:
            pids.append(pid_of(id_key, row[email_at]))
        except AddressInvalid as exc:
            summary.invalid(getattr(reader, "line_num", 0), exc.problem)
            continue
        if len(pids) >= batch:
            flush()
    flush()
    return summary
