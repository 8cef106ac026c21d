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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from sqlalchemy.orm import Session

from .. import phones, scopes
from ..csvrows import BadRow, column, read_header, records
from ..db import utcnow
from ..identity import AddressInvalid, pid_of
from ..ledger import chain
from ..models import Action, Source, Status
from ..pids import Pid
from . import bulk, identities, rules
from . import service as consent
from .rules import Freshness

MAX_BAD_LISTED = 1000
# A batch of an import: one lock, one upsert, one COPY (or executemany) and one commit for this many
# rows, which hold the ledger lock for well under a second (bench/imports.py). Bounded
# transactions: a re-run after a crash records only what is missing, and the ledger lock an import
# holds until it commits (see optout.ledger.chain) keeps one-click requests waiting briefly.
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


class _Row(NamedTuple):
    """A consent row that passed the checks, as the batch weighs it."""

    line: int
    pid: Pid
    topic: str  # a known topic's key
    given_at: dt.datetime
    evidence: str
    number: str | None  # a phone number to link first


def import_consents(
    session: Session,
    source: IO[str],
    *,
    id_key: bytes,
    topics: Sequence[consent.TopicLike],
    version_at: Callable[[dt.datetime], str],
    fresh: Freshness,
    region: str = phones.DEFAULT_REGION,
    end_batch: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportSummary:
    """Record the opt-ins in *source* (columns email, topic, given_at, evidence; optionally phone).

    A row with a phone number links it to the address (:mod:`optout.consent.identities`): the
    data says they are one person's. The link is made first, so a refusal recorded for the number
    stands against the consent as the address's own would.

    Each consent records the policy version that was in force when it was given (*version_at*).
    A standing opt-in is never replaced, unless a material policy change made it stale
    (*fresh*) and the imported consent was given under a version that still counts
    (:func:`_verdict`, the rule every row is weighed by).

    In batches of *batch* rows. *end_batch* is called after each with the rows read so far: the
    caller commits there, so that each batch is one transaction, a crash leaves whole batches, and
    a re-run records only what is missing.
    """
    reader = csv.reader(source, strict=True)
    header = read_header(reader, ["email", "topic", "given_at", "evidence"])
    at = [column(header, name) or 0 for name in ("email", "topic", "given_at", "evidence")]  # all present
    phone_at = column(header, "phone")
    summary = ImportSummary()
    by_key = {topic.key: topic for topic in topics}
    now = utcnow()
    weigh = _Weighing(session, summary, topics, version_at, fresh, id_key=id_key, region=region, now=now)
    rows: list[_Row] = []

    def flush() -> None:
        weigh.batch(rows)
        rows.clear()
        if end_batch is not None:
            end_batch(summary.rows_read)

    for row in records(reader, len(header)):
        summary.rows_read += 1
        if isinstance(row, BadRow):
            summary.bad(row.line, row.problem)
            continue
        good = _checked(summary, getattr(reader, "line_num", 0), row, at, phone_at, by_key, id_key, now)
        if good is not None:
            rows.append(good)
        if len(rows) >= batch:
            flush()
    flush()
    return summary


def _checked(
    summary: ImportSummary,
    line: int,
    row: Sequence[str],
    at: Sequence[int],
    phone_at: int | None,
    by_key: Mapping[str, consent.TopicLike],
    id_key: bytes,
    now: dt.datetime,
) -> _Row | None:
    """*row* ready to weigh, or None after counting why it cannot be used."""
    email, topic, given, evidence = (row[index].strip() for index in at)
    try:
        pid = pid_of(id_key, email)
    except AddressInvalid as exc:
        summary.invalid(line, exc.problem)
        return None
    if topic not in by_key:
        summary.bad(line, f"unknown topic {topic[:40]!r}")
        return None
    try:
        given_at = _given_at(given)
    except ValueError:
        summary.bad(line, "given_at is not an ISO 8601 date or date-time")
        return None
    if given_at > now:
        summary.bad(line, "given_at is in the future")
        return None
    if not evidence:
        summary.bad(line, "no evidence")
        return None
    number = row[phone_at].strip() if phone_at is not None else ""
    return _Row(line, pid, topic, given_at, evidence[:500], number or None)


def _verdict(standing: consent.Choices, topic: consent.TopicLike, version: str, fresh: Freshness) -> str | None:
    """The consent import's rule for one row: why its opt-in of *topic*, given under *version*, is
    not recorded against the person's *standing* choices (the outcome to count), or None to record it.

    An opt-out of the topic or of everything (an erasure's tombstone too) is never overridden; a
    standing opt-in is kept unless a material policy change made it stale and *version* counts."""
    scope = scopes.topic(topic.key)
    if standing.refused(scope) or standing.refused(scopes.EVERYTHING):
        return "skipped-opt-out-stands"
    renews = rules.stale(standing, topic, fresh) and fresh.counts(version)
    if standing.status(scope) == Status.OPTED_IN and not renews:
        return "skipped-already-opted-in"
    return None


@dataclass
class _Weighing:
    """Weighs and records a batch of consent rows in the session's transaction."""

    session: Session
    summary: ImportSummary
    topics: Sequence[consent.TopicLike]
    version_at: Callable[[dt.datetime], str]
    fresh: Freshness
    id_key: bytes
    region: str
    now: dt.datetime

    def __post_init__(self) -> None:
        self.by_key = {topic.key: topic for topic in self.topics}
        self.channels = {topic.key: topic.channel for topic in self.topics}

    def batch(self, rows: Sequence[_Row]) -> None:
        """Record *rows*: a person with a link (or a number to link) one row at a time, as
        :func:`optout.consent.service.decide` weighs linked identities; everyone else together,
        one upsert and one write of events per round (:func:`optout.consent.bulk.opt_in_many`)."""
        if not rows:
            return
        connection = self.session.connection()
        chain.lock(connection)  # first, before any choice or link is read, as every writer does
        pids = list(dict.fromkeys(row.pid for row in rows))
        alone = identities.with_links(connection, pids) | {row.pid for row in rows if row.number is not None}
        for row in rows:
            if row.pid in alone:
                self.one(row)
        # A later row of the same person and topic sees what an earlier one recorded.
        for round_rows in bulk.rounds((row for row in rows if row.pid not in alone), lambda row: (row.pid, row.topic)):
            self.together(round_rows)

    def one(self, row: _Row) -> None:
        """The rule for one row of a person with links, with the linked identities' choices."""
        if row.number is not None:
            _link(
                self.session,
                self.summary,
                row,
                id_key=self.id_key,
                region=self.region,
                version=self.version_at(self.now),
            )
        topic = self.by_key[row.topic]
        version = self.version_at(row.given_at)
        verdict = _verdict(consent.choices_of(self.session, row.pid), topic, version, self.fresh)
        if verdict is not None:
            self.summary.outcomes[verdict] += 1
            return
        context = consent.DecisionContext(Source.IMPORT, version, occurred_at=row.given_at, evidence=row.evidence)
        change = consent.decide(
            self.session, row.pid, {scopes.topic(row.topic): Action.OPT_IN}, context, topics=self.topics
        )
        self.summary.outcomes["recorded" if change else "skipped-already-opted-in"] += 1

    def together(self, rows: Sequence[_Row]) -> None:
        """The rule for rows of people without links, each person and topic at most once: their
        standing choices read in one query, their opt-ins written in one upsert."""
        connection = self.session.connection()
        head = chain.lock(connection)  # the head moved if a row of a linked person wrote
        standing = consent.own_choices_of_many(connection, list(dict.fromkeys(row.pid for row in rows)))
        never = consent.Choices()
        wanted: list[bulk.Consent] = []
        for row in rows:
            version = self.version_at(row.given_at)
            verdict = _verdict(standing.get(row.pid, never), self.by_key[row.topic], version, self.fresh)
            if verdict is not None:
                self.summary.outcomes[verdict] += 1
                continue
            wanted.append(bulk.Consent(row.pid, scopes.topic(row.topic), version, row.given_at, row.evidence))
        changed = bulk.opt_in_many(connection, wanted, self.channels, head)
        self.summary.outcomes["recorded"] += len(changed)
        self.summary.outcomes["skipped-already-opted-in"] += len(wanted) - len(changed)


def _link(session: Session, summary: ImportSummary, row: _Row, *, id_key: bytes, region: str, version: str) -> None:
    try:
        phone_pid = phones.pid_of_number(id_key, row.number or "", region)
    except phones.NumberInvalid as exc:
        summary.invalid_number(row.line, exc.problem)
        return
    if identities.link(session, row.pid, phone_pid, source=Source.IMPORT, policy_version=version):
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
    end_batch: Callable[[int], None] | None = None,
    batch: int = BATCH,
) -> ImportSummary:
    """Record an opt-out of *scope* for every address in *source* (an ``email`` column).

    In batches of *batch* rows (:func:`optout.consent.bulk.opt_out_many`). *end_batch* is called
    after each with the rows read so far: the caller commits there, so that each batch is one
    transaction, a crash leaves whole batches, and a re-run records only what is missing."""
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
        pids.clear()
        if end_batch is not None:
            end_batch(summary.rows_read)

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
