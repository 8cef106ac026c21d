"""Filter a sending list against the ledger's current choices, streaming, in batches.

Rows are read with the standard ``csv`` module and decided a batch at a time: one indexed query
per batch fetches the choices of just those recipients, so memory does not grow with the list
(the ids already met, kept to drop repeats, move to a temporary file past a limit) and an
opt-out recorded a moment ago counts in the next run: nothing is kept between runs. (Workers
filtering a long list may instead decide from every choice, read once as the run starts:
:meth:`.decider.Decider.read_all`.) Any row that cannot be read is dropped and reported by line number;
no row is ever written without a decision.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import Connection, Table

from .. import metrics
from ..catalog.cache import CampaignInfo
from ..consent.rules import Blocker
from ..csvrows import BadRow, CsvUnusable, column, read_header, records
from ..db import utcnow
from ..identity import AddressInvalid, normalize, pid_of_normal
from ..languages import language_of
from ..links import LIST_UNSUBSCRIBE_POST, PREFERENCES_PREFIX, UNSUBSCRIBE_PREFIX, list_unsubscribe, unsubscribe_mailto
from ..models import Channel, FilterRun, Via
from ..pids import PidBytes
from ..tokens import TokenService
from .decider import Decider
from .seen import SeenIds
from .tuning import Tuning

_NEEDS_QUOTES = re.compile(r'["\r\n]')
LINK_COLUMNS = ("unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post")
PHONE_COLUMN = "phone_e164"  # what a phone list's output adds: a call carries no links
BATCH = 2000
MAX_MALFORMED_LISTED = 1000
Item = TypeVar("Item")


class Reason(enum.StrEnum):
    """Why a row was not kept."""

    MALFORMED = "malformed-row"
    INVALID_ADDRESS = "invalid-address"
    INVALID_NUMBER = "invalid-number"  # a phone list's number that cannot exist
    DUPLICATE = "duplicate"
    EVERYTHING = Blocker.EVERYTHING.value
    CHANNEL = Blocker.CHANNEL.value
    PARTNER = Blocker.PARTNER.value
    TOPIC = Blocker.TOPIC.value
    NO_CONSENT = Blocker.NO_CONSENT.value
    STALE_CONSENT = Blocker.STALE_CONSENT.value
    PAUSED = Blocker.PAUSED.value


class ListUnusable(CsvUnusable):
    """The input as a whole cannot be filtered (no ``email`` or ``phone`` column, not CSV, empty)."""


@dataclass
class Summary:
    """Counts of one run; never an address."""

    rows_read: int = 0
    rows_kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    malformed: list[tuple[int, str]] = field(default_factory=list)

    def drop(self, reason: Reason) -> None:
        """Count one dropped row."""
        self.dropped[reason.value] += 1

    def bad_row(self, line: int, problem: str) -> None:
        """Count one malformed row and remember where it was."""
        self.drop(Reason.MALFORMED)
        if len(self.malformed) < MAX_MALFORMED_LISTED:
            self.malformed.append((line, problem))

    def as_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data, every reason listed."""
        return {
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "dropped": {reason.value: self.dropped.get(reason.value, 0) for reason in Reason},
            "malformed_rows": [{"line": line, "problem": problem} for line, problem in self.malformed],
        }


@dataclass(frozen=True)
class LinkSettings:
    """What minting a recipient's links takes: the token service, the public origin, the id key."""

    tokens: TokenService
    base_url: str
    id_key: bytes
    mailto_domain: str | None = None  # OPTOUT_MAILTO_DOMAIN: List-Unsubscribe gets a mailto: entry too
    region: str = "NO"  # OPTOUT_DEFAULT_REGION: how a phone list's national numbers are read


class LinkMaker:
    """Mint a kept row's links (:meth:`TokenService.mint_pair`), the URL prefixes joined once, not per row."""

    def __init__(self, tokens: TokenService, base_url: str, id_key: bytes, mailto_domain: str | None = None) -> None:
        self.id_key = id_key
        self._mint = tokens.mint_pair
        self._unsubscribe_prefix = base_url + UNSUBSCRIBE_PREFIX
        self._preferences_prefix = base_url + PREFERENCES_PREFIX
        self._mailto_domain = mailto_domain
        self.header_has_comma = mailto_domain is not None  # "<https…>, <mailto:…>": quoted in CSV

    def columns(self, pid_bytes: PidBytes, campaign_id: int, lang: str) -> tuple[str, str, str, str]:
        """The four link columns for one recipient."""
        unsubscribe_token, preferences_token = self._mint(pid_bytes, campaign_id, lang)
        unsubscribe = self._unsubscribe_prefix + unsubscribe_token
        domain = self._mailto_domain
        mailto = None if domain is None else unsubscribe_mailto(unsubscribe_token, domain)
        header = list_unsubscribe(unsubscribe, mailto)
        return unsubscribe, self._preferences_prefix + preferences_token, header, LIST_UNSUBSCRIBE_POST


def is_phone_list(campaign: CampaignInfo) -> bool:
    """Whether *campaign*'s lists are call lists (a ``phone`` column, no links) rather than email lists."""
    return campaign.topic.channel == Channel.PHONE


def added_columns(phone: bool) -> tuple[str, ...]:
    """The columns the output adds to the input's: the links, or a call list's normalized number."""
    return (PHONE_COLUMN,) if phone else LINK_COLUMNS


def read_list_header(reader: Iterator[list[str]], *, phone: bool = False) -> list[str]:
    try:
        header = read_header(reader, ["phone" if phone else "email"])
    except CsvUnusable as exc:
        raise ListUnusable(str(exc)) from None
    clashes = [name for name in added_columns(phone) if column(header, name) is not None]
    if clashes:
        raise ListUnusable(f"the input already has a column named {clashes[0]}: remove it and run again")
    return header


class Candidate(NamedTuple, Generic[Item]):
    """One input item with what was read from it: its address (raw) and link language."""

    item: Item
    address: object
    lang: str | None


def sendable(
    connection: Connection,
    campaign: CampaignInfo,
    candidates: Iterable[Candidate[Item] | BadRow],
    id_key: bytes,
    summary: Summary,
    *,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Item, PidBytes, str]]:
    """The rules of filtering, whatever the input format: yield ``(item, pid_bytes, lang)`` for every
    item that may get *campaign*, in input order, and count every other one in *summary*."""
    decider = Decider(campaign)
    seen = SeenIds(tuning.seen_in_memory)
    batch: list[tuple[Item, PidBytes, str]] = []

    def decided() -> Iterator[tuple[Item, PidBytes, str]]:
        blocked = decider.blocked(connection, [pid_bytes.hex() for _item, pid_bytes, _lang in batch])
        for item, pid_bytes, lang in batch:
            blocker = blocked.get(pid_bytes.hex())
            if blocker is None:
                summary.rows_kept += 1
                yield item, pid_bytes, lang
            else:
                summary.drop(Reason(blocker.value))
        if progress is not None:
            progress(len(batch))
        batch.clear()

    try:
        for candidate in candidates:
            summary.rows_read += 1
            if isinstance(candidate, BadRow):
                summary.bad_row(candidate.line, candidate.problem)
                continue
            try:
                if not isinstance(candidate.address, str):
                    raise AddressInvalid("not text")
                pid_bytes = pid_of_normal(id_key, normalize(candidate.address))
            except AddressInvalid:
                summary.drop(Reason.INVALID_ADDRESS)
                continue
            if not seen.add(pid_bytes):
                summary.drop(Reason.DUPLICATE)
                continue
            batch.append((candidate.item, pid_bytes, language_of(candidate.lang) or campaign.lang))
            if len(batch) >= BATCH:
                yield from decided()
    finally:
        seen.close()
    yield from decided()


def filter_csv(
    connection: Connection,
    campaign: CampaignInfo,
    source: IO[str],
    sink: IO[str],
    links: LinkMaker,
    *,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Copy the rows of *source* that may receive *campaign* to *sink*, with their links."""
    reader = csv.reader(source, strict=True)
    header = read_list_header(reader)
    email_at = column(header, "email") or 0
    lang_at = column(header, "lang")
    csv_writer_header(sink, header)
    summary = Summary()
    candidates = (
        row if isinstance(row, BadRow) else Candidate(row, row[email_at], row[lang_at] if lang_at is not None else None)
        for row in records(reader, len(header), refuse_nul=True)
    )
    line = LineMaker(len(header), links, campaign.id)
    write = sink.write
    for row, pid_bytes, lang in sendable(
        connection, campaign, candidates, links.id_key, summary, tuning=tuning, progress=progress
    ):
        write(line(row, pid_bytes, lang))
    return summary


def csv_writer_header(sink: IO[str], header: list[str], *, phone: bool = False) -> None:
    """Write the output's first line: the input's columns and the four link columns (or ``phone_e164``)."""
    csv.writer(sink).writerow([*header, *added_columns(phone)])


class LineMaker:
    """Turn a kept row into its output line: the row's fields and its four link fields, as CSV."""

    def __init__(self, width: int, links: LinkMaker, campaign_id: int) -> None:
        self._commas, self._links, self._campaign_id = width - 1, links, campaign_id
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def __call__(self, row: list[str], pid_bytes: PidBytes, lang: str) -> str:
        columns = self._links.columns(pid_bytes, self._campaign_id, lang)
        text = ",".join(row)
        if text and text.count(",") == self._commas and not _NEEDS_QUOTES.search(text):
            # No field needs quoting (of the link fields, only a header with two entries): the
            # text csv would write.
            if self._links.header_has_comma:
                unsubscribe, preferences, header, post = columns
                return f'{text},{unsubscribe},{preferences},"{header}",{post}\r\n'
            return ",".join((text, *columns)) + "\r\n"
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([*row, *columns])
        return self._buffer.getvalue()


def save_filter_run(connection: Connection, campaign: CampaignInfo, summary: Summary, via: Via) -> None:
    """Keep the counts of a run (never a row) for the campaign's report."""
    connection.execute(
        cast(Table, FilterRun.__table__).insert(),
        {
            "campaign_id": campaign.id,
            "finished_at": utcnow(),
            "via": via,
            "rows_read": summary.rows_read,
            "rows_kept": summary.rows_kept,
            "dropped": json.dumps(summary.as_dict()["dropped"], sort_keys=True),
        },
    )
    metrics.count_filter_run(connection, via.value, summary.rows_kept, dict(summary.dropped))
