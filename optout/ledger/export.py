"""Stream the ledger out (CSV or JSON Lines) with its chain values, and read such a file back.

An export holds pseudonymous ids only (no address is stored, so none can be exported). Every row
carries its nonce, digest and chain values, so anyone can check the file on its own with
SHA-256: each event against its digest, and each event against the one before it wherever the
file holds consecutive sequence numbers. Without a topic, partner or campaign filter the export
also holds the redacted places of erased events, so a whole-ledger export verifies end to end.
"""

from __future__ import annotations

import csv
import datetime as dt
import heapq
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from sqlalchemy import Connection, Select, Table, func, or_, select

from .. import scopes
from ..csvcells import escaped_row, unescape
from ..models import Campaign, ConsentEvent, Partner, RedactedEvent, Topic
from .chain import ALL_FIELDS, timestamp
from .verify import Link

COLUMNS = (
    "seq",
    "created_at",
    "occurred_at",
    "pid",
    "scope",
    "channel",
    "action",
    "source",
    "campaign_id",
    "campaign",
    "lang",
    "policy_version",
    "change_id",
    "evidence",
    "link",
    "restores",
    "ends_on",
    "nonce",
    "digest",
    "prev_chain",
    "chain",
)
FORMATS = ("csv", "jsonl")
_EVENT = cast(Table, ConsentEvent.__table__)
_REDACTED = cast(Table, RedactedEvent.__table__)
_CAMPAIGN = cast(Table, Campaign.__table__)


class ExportError(ValueError):
    """A filter names something that does not exist, or a file is not an export."""


@dataclass(frozen=True)
class LedgerFilter:
    """Which events to export; every bound is optional. *until* is exclusive."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    topic: str | None = None
    partner: str | None = None
    campaign: str | None = None

    def describe(self) -> str:
        """The filter in words, for the audit trail (e.g. ``topic phone, since 2026-01-01 …``)."""
        return ", ".join(f"{name} {value}" for name, value in vars(self).items() if value) or "everything"

    @property
    def by_content(self) -> bool:
        """True when the filter looks inside events (redacted places can then not be placed)."""
        return bool(self.topic or self.partner or self.campaign)


def _id_of(connection: Connection, column: Any, key_column: Any, key: str, what: str) -> int:
    found = connection.execute(select(column).where(key_column == key)).scalar()
    if found is None:
        raise ExportError(f"unknown {what} {key!r}")
    return int(found)


def _events(connection: Connection, chosen: LedgerFilter) -> Select[Any]:
    stmt = select(_EVENT, _CAMPAIGN.c.slug.label("campaign")).outerjoin(
        _CAMPAIGN, _CAMPAIGN.c.id == _EVENT.c.campaign_id
    )
    if chosen.since is not None:
        stmt = stmt.where(_EVENT.c.created_at >= chosen.since)
    if chosen.until is not None:
        stmt = stmt.where(_EVENT.c.created_at < chosen.until)
    if chosen.topic is not None:
        topic_id = _id_of(connection, Topic.id, Topic.key, chosen.topic, "topic")
        stmt = stmt.where(or_(_EVENT.c.scope == scopes.topic(chosen.topic), _CAMPAIGN.c.topic_id == topic_id))
    if chosen.partner is not None:
        partner_id = _id_of(connection, Partner.id, Partner.slug, chosen.partner, "partner")
        stmt = stmt.where(or_(_EVENT.c.scope == scopes.partner(chosen.partner), _CAMPAIGN.c.partner_id == partner_id))
    if chosen.campaign is not None:
        stmt = stmt.where(
            _EVENT.c.campaign_id == _id_of(connection, Campaign.id, Campaign.slug, chosen.campaign, "campaign")
        )
    return stmt.order_by(_EVENT.c.seq)


def _event_rows(connection: Connection, stmt: Select[Any]) -> Iterator[dict[str, Any]]:
    with connection.execute(stmt, execution_options={"yield_per": 2000}) as result:
        for row in result.mappings():
            exported = {name: row[name] for name in COLUMNS}
            exported["created_at"] = timestamp(row["created_at"])
            exported["occurred_at"] = timestamp(row["occurred_at"])
            if exported["ends_on"] is not None:
                exported["ends_on"] = exported["ends_on"].isoformat()
            yield exported


def _redacted_rows(connection: Connection, low: int, high: int) -> Iterator[dict[str, Any]]:
    stmt = select(_REDACTED).where(_REDACTED.c.seq.between(low, high)).order_by(_REDACTED.c.seq)
    with connection.execute(stmt, execution_options={"yield_per": 2000}) as result:
        for row in result:
            exported: dict[str, Any] = dict.fromkeys(COLUMNS)
            exported.update(seq=row.seq, digest=row.digest, prev_chain=row.prev_chain, chain=row.chain)
            yield exported


def ledger_rows(connection: Connection, chosen: LedgerFilter) -> Iterator[dict[str, Any]]:
    """The matching events in sequence order, as export rows (redacted places too, see above)."""
    stmt = _events(connection, chosen)
    if chosen.by_content:
        yield from _event_rows(connection, stmt)
        return
    if chosen.since is None and chosen.until is None:
        redacted = _redacted_rows(connection, 0, 2**62)
    else:
        matching = stmt.subquery()
        low, high = connection.execute(select(func.min(matching.c.seq), func.max(matching.c.seq))).one()
        redacted = _redacted_rows(connection, low, high) if high is not None else iter(())
    yield from heapq.merge(_event_rows(connection, stmt), redacted, key=lambda row: int(row["seq"]))


def csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """*rows* as CSV text for spreadsheets (cells escaped, see :mod:`optout.csvcells`), the header
    first, one line at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in itertools.chain([None], rows):
        if row is not None:
            writer.writerow(escaped_row("" if row[name] is None else row[name] for name in COLUMNS))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def jsonl_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """*rows* as JSON Lines, one line at a time."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def chunks(rows: Iterable[dict[str, Any]], fmt: str) -> Iterator[str]:
    """*rows* in format *fmt* (one of :data:`FORMATS`)."""
    return csv_chunks(rows) if fmt == "csv" else jsonl_chunks(rows)


def write(rows: Iterable[dict[str, Any]], fmt: str, out: IO[str]) -> int:
    """Write *rows* in format *fmt* to *out*; return how many rows."""
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for row in rows:
            count += 1
            yield row

    for chunk in chunks(counted(), fmt):
        out.write(chunk)
    return count


def _link_of(row: dict[str, Any]) -> Link:
    try:
        seq = int(row["seq"])
        content = None
        if row.get("nonce"):
            content = {name: row.get(name) for name in ALL_FIELDS}
            content["seq"] = seq
            for number in ("campaign_id", "restores"):
                value = content[number]
                if value is not None and value != "":
                    content[number] = int(value)
            content = {name: (None if value == "" else value) for name, value in content.items()}
        return Link(seq, str(row["digest"]), str(row["prev_chain"]), str(row["chain"]), event_id=seq, content=content)
    except (KeyError, TypeError, ValueError):
        raise ExportError(f"not a ledger export row: {sorted(row)[:5]}") from None


def read_export(source: IO[str]) -> Iterator[Link]:
    """The places of an export file (CSV or JSON Lines, told apart by the first character), streamed."""
    first = source.readline()
    if not first:
        return
    lines = itertools.chain([first], source)
    if first.startswith("{"):
        for line in lines:
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    raise ExportError("not a ledger export: a line is not JSON") from None
                yield _link_of(row)
    else:
        rows = csv.DictReader(lines)
        for row in rows:  # a short row has None for its missing cells: _link_of refuses it
            yield _link_of({name: unescape(cell) if isinstance(cell, str) else cell for name, cell in row.items()})
