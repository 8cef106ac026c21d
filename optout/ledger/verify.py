"""Check the ledger's hash chain and name the first event that was altered, removed or inserted.

The walk needs one event of look-ahead to tell an inserted event (the chain goes on *around* it:
the next event links to the one before it) from an altered one (its content no longer matches
its digest, or its chain value no longer follows from its predecessor).
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from ..models import ConsentEvent, LedgerHead, RedactedEvent, Source
from .chain import ALL_FIELDS, GENESIS, digest_of, link

_EVENT = cast(Table, ConsentEvent.__table__)
_REDACTED = cast(Table, RedactedEvent.__table__)
_HEAD = cast(Table, LedgerHead.__table__)


class Fault(enum.StrEnum):
    """What is wrong with the chain at the first bad place."""

    ALTERED = "altered"
    REMOVED = "removed"
    INSERTED = "inserted"
    UNEXPLAINED_REDACTION = "unexplained-redaction"


@dataclass(frozen=True)
class Link:
    """One place in the chain: a whole event (with its content) or a redacted one."""

    seq: int
    digest: str
    prev_chain: str
    chain: str
    event_id: int | None = None
    content: Mapping[str, Any] | None = None  # None once redacted
    erased_by: int | None = None

    def describe(self) -> str:
        """How a message names this place."""
        if self.event_id is None:
            return f"redacted event seq {self.seq}"
        return f"event seq {self.seq} (id {self.event_id})"


@dataclass(frozen=True)
class Problem:
    """The first fault found and where."""

    fault: Fault
    seq: int
    event_id: int | None
    message: str


@dataclass(frozen=True)
class Verification:
    """The outcome of one walk over the chain."""

    events: int
    redacted: int
    last_seq: int
    last_chain: str
    problem: Problem | None
    gaps: int = 0  # places where a filtered export skips sequence numbers

    @property
    def intact(self) -> bool:
        """True when no fault was found."""
        return self.problem is None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready outcome."""
        problem = self.problem
        return {
            "intact": self.intact,
            "events": self.events,
            "redacted": self.redacted,
            "last_seq": self.last_seq,
            "last_chain": self.last_chain,
            "gaps": self.gaps,
            "problem": None
            if problem is None
            else {
                "fault": problem.fault.value,
                "seq": problem.seq,
                "event_id": problem.event_id,
                "message": problem.message,
            },
        }


def _link_fault(
    current: Link, following: Link | None, previous: Link | None, expected: int, running: str
) -> Problem | None:
    """A fault in how *current* hangs on the chain so far (sequence number and previous chain value)."""
    if current.prev_chain == running and current.seq == expected:
        return None
    where = current.describe()
    if previous is not None and current.prev_chain == previous.prev_chain:
        # the chain goes on around *previous*: it was slipped in (with properly recomputed hashes)
        return Problem(Fault.INSERTED, previous.seq, previous.event_id, f"{previous.describe()} was inserted")
    if following is not None and following.prev_chain == running and current.chain != running:
        return Problem(Fault.INSERTED, current.seq, current.event_id, f"{where} was inserted")
    if current.seq > expected:
        gap = f"seq {expected}" if current.seq == expected + 1 else f"seq {expected} to {current.seq - 1}"
        return Problem(Fault.REMOVED, current.seq, current.event_id, f"event {gap} was removed (before {where})")
    return Problem(Fault.REMOVED, current.seq, current.event_id, f"the event before {where} was removed or replaced")


def _content_fault(current: Link) -> Problem | None:
    """A fault in *current* itself: content that no longer matches its digest, or a wrong chain value."""
    if current.content is not None and digest_of(current.content) != current.digest:
        message = f"{current.describe()} was altered: its content no longer matches its digest"
        return Problem(Fault.ALTERED, current.seq, current.event_id, message)
    if link(current.prev_chain, current.digest) != current.chain:
        message = f"{current.describe()} was altered: its chain value is wrong"
        return Problem(Fault.ALTERED, current.seq, current.event_id, message)
    return None


def _unexplained_redaction(erasures: list[Link], tombstones: set[int]) -> Problem | None:
    """The first redacted place that no later erasure explains.

    A place points to the tombstone of the erasure that redacted it; erasing the same person
    again redacts that tombstone too, so the pointer may lead on through later redactions.
    """
    erased_by = {place.seq: place.erased_by for place in erasures}
    for place in erasures:
        seq, target = place.seq, place.erased_by
        while target is not None and target > seq and target not in tombstones:
            seq, target = target, erased_by.get(target)
        if target is None or target <= seq:
            message = f"{place.describe()} was redacted without a later erasure event"
            return Problem(Fault.UNEXPLAINED_REDACTION, place.seq, None, message)
    return None


def walk(links: Iterable[Link], *, head: tuple[int, str] | None = None, gaps: bool = False) -> Verification:
    """Verify *links* in sequence order against the stored *head*.

    With *gaps* (a filtered export) the walk starts wherever the first link does and only checks
    the links between consecutive sequence numbers.
    """
    events = redacted = skipped = 0
    expected, running = 1, GENESIS
    tombstones: set[int] = set()
    erasures: list[Link] = []
    iterator: Iterator[Link] = iter(links)
    current = next(iterator, None)
    previous: Link | None = None
    problem: Problem | None = None
    while current is not None and problem is None:
        following = next(iterator, None)
        if gaps and current.seq != expected:
            skipped += events + redacted > 0
            expected, running = current.seq, current.prev_chain
        else:
            problem = _link_fault(current, following, previous, expected, running)
            if problem is None and following is None and head == (expected - 1, running):
                problem = Problem(Fault.INSERTED, current.seq, current.event_id, f"{current.describe()} was inserted")
        problem = problem or _content_fault(current)
        if problem is not None:
            break
        if current.content is None:
            redacted += 1
            erasures.append(current)
        else:
            events += 1
            if current.content["source"] == Source.ERASURE.value:
                tombstones.add(current.seq)
        expected, running = current.seq + 1, current.chain
        previous, current = current, following
    if problem is None and head is not None and head != (expected - 1, running):
        if head[0] > expected - 1:
            message = f"events after seq {expected - 1} were removed (the ledger head is at seq {head[0]})"
            problem = Problem(Fault.REMOVED, expected, None, message)
        else:
            problem = Problem(Fault.ALTERED, head[0], None, "the ledger head does not match the last event")
    if problem is None and not gaps:
        problem = _unexplained_redaction(erasures, tombstones)
    return Verification(events, redacted, expected - 1, running, problem, skipped)


def verify_export(source: Iterable[Link]) -> Verification:
    """Verify an export file's places on their own (see :mod:`optout.ledger.export`)."""
    return walk(source, gaps=True)


def _event_links(connection: Connection) -> Generator[Link]:
    columns = [_EVENT.c[name] for name in ALL_FIELDS]
    stmt = select(_EVENT.c.id, _EVENT.c.prev_chain, _EVENT.c.chain, _EVENT.c.digest, *columns).order_by(_EVENT.c.seq)
    with connection.execute(stmt, execution_options={"yield_per": 2000}) as result:
        for row in result.mappings():
            yield Link(
                row["seq"],
                row["digest"],
                row["prev_chain"],
                row["chain"],
                row["id"],
                {name: row[name] for name in ALL_FIELDS},
            )


def _redacted_links(connection: Connection) -> Generator[Link]:
    stmt = select(_REDACTED).order_by(_REDACTED.c.seq)
    with connection.execute(stmt, execution_options={"yield_per": 2000}) as result:
        for row in result:
            yield Link(row.seq, row.digest, row.prev_chain, row.chain, erased_by=row.erased_by)


def verify(connection: Connection) -> Verification:
    """Walk the whole stored chain, whole and redacted events merged in sequence order."""
    head_row = connection.execute(select(_HEAD.c.seq, _HEAD.c.chain).where(_HEAD.c.id == 1)).one()
    with closing(_event_links(connection)) as events, closing(_redacted_links(connection)) as redacted:
        merged = heapq.merge(events, redacted, key=lambda place: place.seq)
        return walk(merged, head=(int(head_row.seq), str(head_row.chain)))
