"""Filter a sending list against the ledger's current choices, streaming, in batches.

Rows are read with the standard ``csv`` module and decided a batch at a time: one indexed query
per batch fetches the choices of just those recipients, so memory does not grow with the list
(the ids already met, kept to drop repeats, move to a temporary file past a limit) and an
opt-out recorded a moment ago counts in the next run: nothing is kept between runs. (Workers
filtering a long list may instead decide from every choice, read once as the run starts:
:meth:`Decider.read_all`.) Any row that cannot be read is dropped and reported by line number;
no row is ever written without a decision.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from operator import itemgetter
from typing import IO, Any, Generic, NamedTuple, TypeVar, cast

from sqlalchemy import Connection, Table, text

from .. import scopes
from ..catalog.cache import CampaignInfo
from ..consent import rules
from ..consent.rules import Blocker, Choices, Freshness
from ..csvrows import BadRow, CsvUnusable, column, read_header, records
from ..db import utcnow
from ..identity import PID_BYTES, AddressInvalid, normalize, pid_of_normal
from ..languages import language_of
from ..links import LIST_UNSUBSCRIBE_POST, PREFERENCES_PREFIX, UNSUBSCRIBE_PREFIX
from ..models import Choice, FilterRun
from ..policy import service as policy
from ..tokens import TokenService
from .seen import SeenIds
from .tuning import Tuning

_NEEDS_QUOTES = re.compile(r'["\r\n]')
LINK_COLUMNS = ("unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post")
BATCH = 2000
MAX_MALFORMED_LISTED = 1000
_CHOICE = cast(Table, Choice.__table__)
Item = TypeVar("Item")
# One index probe per recipient (the primary key starts with pid); scopes are sorted out in Python.
# The batch's ids travel as one parameter (a JSON array for SQLite, an array for PostgreSQL):
# an IN list of thousands of parameters costs more to build than to run.
# (CROSS JOIN makes SQLite walk the ids and probe the index for each, whatever its estimates.)
_SQLITE_CHOICES_OF = (
    "SELECT c.pid, c.scope, c.status, c.policy_version FROM json_each(?) AS j CROSS JOIN choice AS c ON c.pid = j.value"
)
_COUNT_UP_TO = text("SELECT count(*) FROM (SELECT 1 FROM choice LIMIT :limit) AS c")
# Each choice as one text: scope, status and policy version with _FIELD between them.
_CHOICES_IN_SCOPES = (
    "SELECT pid, scope || {mark} || status || {mark} || coalesce(policy_version, '') FROM choice"
    " WHERE scope IN ({marks})"
)
_FIELD, _CHOICE_SEPARATOR = "\x1f", "\x1e"  # ASCII's unit and record separators: in no scope or version
_POSTGRES_CHOICES_OF = text("SELECT pid, scope, status, policy_version FROM choice WHERE pid = ANY(:pids)")


class Reason(enum.StrEnum):
    """Why a row was not kept."""

    MALFORMED = "malformed-row"
    INVALID_ADDRESS = "invalid-address"
    DUPLICATE = "duplicate"
    EVERYTHING = Blocker.EVERYTHING.value
    CHANNEL = Blocker.CHANNEL.value
    PARTNER = Blocker.PARTNER.value
    TOPIC = Blocker.TOPIC.value
    NO_CONSENT = Blocker.NO_CONSENT.value
    STALE_CONSENT = Blocker.STALE_CONSENT.value


class ListUnusable(CsvUnusable):
    """The input as a whole cannot be filtered (no ``email`` column, not CSV, empty)."""


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


class LinkMaker:
    """Mint a kept row's links (:meth:`TokenService.mint_pair`), the URL prefixes joined once, not per row."""

    def __init__(self, tokens: TokenService, base_url: str, id_key: bytes) -> None:
        self.id_key = id_key
        self._mint = tokens.mint_pair
        self._unsubscribe_prefix = base_url + UNSUBSCRIBE_PREFIX
        self._preferences_prefix = base_url + PREFERENCES_PREFIX

    def columns(self, pid: bytes, campaign_id: int, lang: str) -> tuple[str, str, str, str]:
        """The four link columns for one recipient."""
        unsubscribe_token, preferences_token = self._mint(pid, campaign_id, lang)
        unsubscribe = self._unsubscribe_prefix + unsubscribe_token
        return unsubscribe, self._preferences_prefix + preferences_token, "<" + unsubscribe + ">", LIST_UNSUBSCRIBE_POST


def read_list_header(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = read_header(reader, ["email"])
    except CsvUnusable as exc:
        raise ListUnusable(str(exc)) from None
    clashes = [name for name in LINK_COLUMNS if column(header, name) is not None]
    if clashes:
        raise ListUnusable(f"the input already has a column named {clashes[0]}: remove it and run again")
    return header


class Verdicts(NamedTuple):
    """The recipients with a relevant choice, by raw pid: those it blocks, and those it lets through."""

    blocked_by: dict[bytes, Blocker]
    cleared: frozenset[bytes]


class Decider:
    """Decide, a batch at a time, which recipients may get the campaign: by querying for each
    batch, or from the verdicts for everyone with a choice, read once (:meth:`read_all`, :meth:`use`).

    Which policy versions' opt-ins still count is read on the first batch of each run, so a
    material policy change registered a moment ago counts in the next run.
    """

    def __init__(self, campaign: CampaignInfo) -> None:
        self.campaign = campaign
        partner = campaign.partner
        self.partner_slug = partner.slug if partner else None
        self.scopes = {scopes.EVERYTHING, scopes.channel(campaign.topic.channel), scopes.topic(campaign.topic.key)}
        if self.partner_slug:
            self.scopes.add(scopes.partner(self.partner_slug))
        # The verdict for someone with no recorded choice is the same for everyone: decide it once
        # (no choice, nothing a policy version could make stale).
        self.nobody_chose = rules.blocker(
            Choices(), campaign.topic, partner_slug=self.partner_slug, fresh=rules.EVERY_VERSION_COUNTS
        )
        self._verdicts: dict[frozenset[tuple[str, str, str | None]], Blocker | None] = {}
        self._fresh: Freshness | None = None
        self._blocked_by: dict[bytes, Blocker] | None = None  # all the blocked, once use() has them
        self._cleared: frozenset[bytes] = frozenset()  # those with choices that let the campaign through

    def count_choices(self, connection: Connection, at_most: int) -> int | None:
        """How many choices are recorded, if at most *at_most* (reading no more than that)."""
        recorded: int = connection.execute(_COUNT_UP_TO, {"limit": at_most + 1}).scalar_one()
        return recorded if recorded <= at_most else None

    def read_all(self, connection: Connection) -> Verdicts:
        """The verdict for everyone with a choice in the campaign's scopes, read in one statement.

        Probing the index for each row of a list costs more than reading a choice, so a list with
        more rows than there are choices is decided faster from all of them (see :meth:`use`).
        """
        fresh = self._fresh_versions(connection)
        relevant = sorted(self.scopes)
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        # Straight to the driver, each choice as one text: rows of four objects, through
        # SQLAlchemy, would cost more than all the rest of the work.
        with closing(connection.connection.driver_connection.cursor()) as cursor:  # type: ignore[union-attr]
            cursor.execute(
                _CHOICES_IN_SCOPES.format(mark=mark, marks=", ".join([mark] * len(relevant))),
                [_FIELD, _FIELD, *relevant],
            )
            rows: list[tuple[str, str]] = cursor.fetchall()
        codes = dict(rows)  # pid: its choice as one text; there are few distinct texts
        if len(codes) < len(rows):  # some have several relevant choices: join each one's texts
            counted = Counter(map(itemgetter(0), rows))
            several: dict[str, list[str]] = {}
            for pid, code in rows:
                if counted[pid] > 1:
                    several.setdefault(pid, []).append(code)
            codes.update((pid, _CHOICE_SEPARATOR.join(sorted(found))) for pid, found in several.items())
        del rows
        verdicts = {code: self._verdict(fresh, _choices_of(code)) for code in set(codes.values())}
        decided = dict(zip(map(bytes.fromhex, codes), map(verdicts.__getitem__, codes.values()), strict=True))
        cleared = frozenset(raw for raw, blocker in decided.items() if blocker is None)
        for raw in cleared:
            del decided[raw]
        return Verdicts(cast(dict[bytes, Blocker], decided), cleared)

    def use(self, verdicts: Verdicts) -> None:
        """Decide from *verdicts* (:meth:`read_all`) from now on: :meth:`blocked_ids` then asks the
        database nothing more, and decides on the choices as they stood when they were read."""
        self._blocked_by, self._cleared = verdicts.blocked_by, verdicts.cleared

    def blocked_ids(self, connection: Connection, pids: Sequence[bytes]) -> dict[bytes, Blocker]:
        """:meth:`blocked` for raw ids, asked for in sorted order (each probe near the last one)."""
        if not pids:
            return {}
        if self._blocked_by is not None:
            return self._blocked_loaded(pids)
        # One hex text with a dash between ids, then split, rather than a hex() call per id;
        # hex digits need no escaping, so the JSON array is written out rather than encoded.
        listed = b"".join(sorted(pids)).hex("-", -PID_BYTES)
        found = self._blocked(connection, listed.split("-"), '["' + listed.replace("-", '","') + '"]')
        return {bytes.fromhex(pid): blocker for pid, blocker in found.items()}

    def _blocked_loaded(self, pids: Sequence[bytes]) -> dict[bytes, Blocker]:
        """:meth:`blocked_ids` from the verdicts given to :meth:`use`."""
        blocked_by = cast(dict[bytes, Blocker], self._blocked_by)
        if self.nobody_chose is None:  # blocked only by a recorded choice: few, found by set logic
            return {pid: blocked_by[pid] for pid in blocked_by.keys() & pids}
        nobody, cleared = self.nobody_chose, self._cleared
        return {pid: blocked_by.get(pid, nobody) for pid in pids if pid not in cleared}

    def blocked(self, connection: Connection, pids: Sequence[str]) -> dict[str, Blocker]:
        """The recipients among *pids* who may not get the campaign, and why."""
        return self._blocked(connection, pids, json.dumps(list(pids)))

    def _fresh_versions(self, connection: Connection) -> Freshness:
        if self._fresh is None:
            self._fresh = Freshness(policy.fresh_versions(connection))
        return self._fresh

    def _blocked(self, connection: Connection, pids: Sequence[str], as_json: str) -> dict[str, Blocker]:
        fresh = self._fresh_versions(connection)
        found: Sequence[Sequence[Any]]
        if connection.dialect.name == "sqlite":  # straight to the driver: SQLAlchemy's rows cost more
            driver = cast(sqlite3.Connection, connection.connection.driver_connection)
            found = driver.execute(_SQLITE_CHOICES_OF, (as_json,)).fetchall()
        else:
            found = connection.execute(_POSTGRES_CHOICES_OF, {"pids": list(pids)}).all()
        blocked = {}
        if self.nobody_chose is not None:  # e.g. a consent topic: no recorded choice, no message
            blocked = dict.fromkeys(pids, self.nobody_chose)
        for pid, blocker in self._verdicts_of(fresh, found).items():
            if blocker is None:
                blocked.pop(pid, None)
            else:
                blocked[pid] = blocker
        return blocked

    def _verdicts_of(self, fresh: Freshness, found: Sequence[Sequence[Any]]) -> dict[str, Blocker | None]:
        """The verdict for each recipient with a choice among *found* rows (pid, scope, status,
        policy version): None where they may get the campaign."""
        chosen: dict[str, list[tuple[str, str, str | None]]] = {}
        for pid, scope, status, version in found:
            chosen.setdefault(pid, []).append((scope, status, version))
        return {pid: self._verdict(fresh, choices) for pid, choices in chosen.items()}

    def _verdict(self, fresh: Freshness, choices: list[tuple[str, str, str | None]]) -> Blocker | None:
        """The verdict for one recipient's recorded (scope, status, policy version) choices."""
        relevant = self.scopes
        key = frozenset(choice for choice in choices if choice[0] in relevant)
        verdicts = self._verdicts
        if key not in verdicts:  # a handful of combinations of choices: each decided once
            verdicts[key] = rules.blocker(
                Choices.of(key), self.campaign.topic, partner_slug=self.partner_slug, fresh=fresh
            )
        return verdicts[key]


def _choices_of(code: str) -> list[tuple[str, str, str | None]]:
    """The (scope, status, policy version) choices that :meth:`Decider.read_all` read as *code*."""
    choices: list[tuple[str, str, str | None]] = []
    for choice in code.split(_CHOICE_SEPARATOR):
        scope, status, version = choice.split(_FIELD)
        choices.append((scope, status, version or None))
    return choices


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
) -> Iterator[tuple[Item, bytes, str]]:
    """The rules of filtering, whatever the input format: yield ``(item, pid, lang)`` for every
    item that may get *campaign*, in input order, and count every other one in *summary*."""
    decider = Decider(campaign)
    seen = SeenIds(tuning.seen_in_memory)
    batch: list[tuple[Item, bytes, str]] = []

    def decided() -> Iterator[tuple[Item, bytes, str]]:
        blocked = decider.blocked(connection, [pid.hex() for _item, pid, _lang in batch])
        for item, pid, lang in batch:
            blocker = blocked.get(pid.hex())
            if blocker is None:
                summary.rows_kept += 1
                yield item, pid, lang
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
                pid = pid_of_normal(id_key, normalize(candidate.address))
            except AddressInvalid:
                summary.drop(Reason.INVALID_ADDRESS)
                continue
            if not seen.add(pid):
                summary.drop(Reason.DUPLICATE)
                continue
            batch.append((candidate.item, pid, language_of(candidate.lang) or campaign.lang))
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
    for row, pid, lang in sendable(
        connection, campaign, candidates, links.id_key, summary, tuning=tuning, progress=progress
    ):
        write(line(row, pid, lang))
    return summary


def csv_writer_header(sink: IO[str], header: list[str]) -> None:
    """Write the output's first line: the input's columns and the four link columns."""
    csv.writer(sink).writerow([*header, *LINK_COLUMNS])


class LineMaker:
    """Turn a kept row into its output line: the row's fields and its four link fields, as CSV."""

    def __init__(self, width: int, links: LinkMaker, campaign_id: int) -> None:
        self._commas, self._links, self._campaign_id = width - 1, links, campaign_id
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def __call__(self, row: list[str], pid: bytes, lang: str) -> str:
        columns = self._links.columns(pid, self._campaign_id, lang)
        text = ",".join(row)
        if text and text.count(",") == self._commas and not _NEEDS_QUOTES.search(text):
            # No field needs quoting (the link fields never do): the text csv would write.
            return ",".join((text, *columns)) + "\r\n"
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([*row, *columns])
        return self._buffer.getvalue()


def record_run(connection: Connection, campaign: CampaignInfo, summary: Summary, via: str) -> None:
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
