"""Decide which recipients may get a campaign: a batch at a time by querying, or from every
relevant choice read once. Each verdict comes from the send rule (:mod:`optout.consent.rules`),
on the day the run started (a pause's last day is compared with it)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import closing
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, text

from .. import dates, scopes
from ..catalog.cache import CampaignInfo
from ..consent import identities, merge, rules
from ..consent.rules import Blocker, Choices, Freshness
from ..identity import PID_BYTES
from ..pids import Pid
from ..policy import service as policy

# One index probe per recipient (the primary key starts with pid); scopes are sorted out in Python.
# The batch's ids travel as one parameter (a JSON array for SQLite, an array for PostgreSQL):
# an IN list of thousands of parameters costs more to build than to run.
# (CROSS JOIN makes SQLite walk the ids and probe the index for each, whatever its estimates.)
_SQLITE_CHOICES_OF = (
    "SELECT c.pid, c.scope, c.status, c.policy_version, c.ends_on"
    " FROM json_each(?) AS j CROSS JOIN choice AS c ON c.pid = j.value"
)
_COUNT_UP_TO = text("SELECT count(*) FROM (SELECT 1 FROM choice LIMIT :limit) AS c")
# Each choice as one text: scope, status, policy version and a pause's last day with _FIELD between them.
_CHOICES_IN_SCOPES = (
    "SELECT pid, scope || {mark} || status || {mark} || coalesce(policy_version, '')"
    " || {mark} || coalesce(CAST(ends_on AS TEXT), '') FROM choice WHERE scope IN ({marks})"
)
_FIELD, _CHOICE_SEPARATOR = "\x1f", "\x1e"  # ASCII's unit and record separators: in no scope or version
_POSTGRES_CHOICES_OF = text("SELECT pid, scope, status, policy_version, ends_on FROM choice WHERE pid = ANY(:pids)")
_Row = tuple[str, str, str | None, dt.date | str | None]  # a choice's scope, status, policy version, ends_on


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
        if campaign.topic.channel == "email":
            self.scopes.add(scopes.PAUSE_EMAIL)
        # The verdict for someone with no recorded choice is the same for everyone: decide it once
        # (no choice, nothing a policy version could make stale).
        self.nobody_chose = rules.blocker(
            Choices(), campaign.topic, partner_slug=self.partner_slug, fresh=rules.EVERY_VERSION_COUNTS
        )
        self._verdicts: dict[frozenset[_Row], Blocker | None] = {}
        self._fresh: Freshness | None = None
        self._today: dt.date | None = None  # the day the run is decided on, read with _fresh
        self._blocked_by: dict[bytes, Blocker] | None = None  # all the blocked, once use() has them
        self._cleared: frozenset[bytes] = frozenset()  # those with choices that let the campaign through
        self._links: dict[str, set[str]] | None = None  # hex pid: its linked pids, read on first use

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
                [_FIELD, _FIELD, _FIELD, *relevant],
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
        links = self._links_of(connection)
        if links:  # the linked are decided on the person's choices, merged across their identities
            for pid, blocker in self._linked_verdicts(connection, fresh, links, links.keys()).items():
                decided[bytes.fromhex(pid)] = blocker
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
            self._today = dates.today()
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
        verdicts = self._verdicts_of(fresh, found)
        links = self._links_of(connection)
        if links and (linked := links.keys() & set(pids)):  # rare: most lists' rows cost one set probe
            verdicts.update(self._linked_verdicts(connection, fresh, links, linked))
        for pid, blocker in verdicts.items():
            if blocker is None:
                blocked.pop(pid, None)
            else:
                blocked[pid] = blocker
        return blocked

    def _links_of(self, connection: Connection) -> dict[str, set[str]]:
        """Each linked pid's linked pids, read once per run (links are few)."""
        if self._links is None:
            links: dict[str, set[str]] = {}
            for email_pid, phone_pid in identities.all_links(connection):
                links.setdefault(email_pid, set()).add(phone_pid)
                links.setdefault(phone_pid, set()).add(email_pid)
            self._links = links
        return self._links

    def _linked_verdicts(
        self, connection: Connection, fresh: Freshness, links: dict[str, set[str]], pids: Iterable[str]
    ) -> dict[str, Blocker | None]:
        """The verdict for each of *pids* (each has a link) on the choices of all its identities,
        merged as :func:`optout.consent.merge.latest` says (the one merge of every reader)."""
        people = {pid: [pid, *sorted(links[pid])] for pid in pids}
        wanted = sorted({one for ids in people.values() for one in ids})
        rows: dict[str, list[Sequence[Any]]] = {}
        for row in identities.choice_rows(connection, cast(list[Pid], wanted)):
            rows.setdefault(row[0], []).append(tuple(row[1:]))
        verdicts: dict[str, Blocker | None] = {}
        for pid, ids in people.items():
            merged = merge.latest(row for one in ids for row in rows.get(one, ()))
            verdicts[pid] = self._verdict(fresh, merged) if merged else self.nobody_chose
        return verdicts

    def _verdicts_of(self, fresh: Freshness, found: Sequence[Sequence[Any]]) -> dict[str, Blocker | None]:
        """The verdict for each recipient with a choice among *found* rows (pid, scope, status,
        policy version, ends_on): None where they may get the campaign."""
        chosen: dict[str, list[_Row]] = {}
        for pid, scope, status, version, ends_on in found:
            chosen.setdefault(pid, []).append((scope, status, version, ends_on))
        return {pid: self._verdict(fresh, choices) for pid, choices in chosen.items()}

    def _verdict(self, fresh: Freshness, choices: list[_Row]) -> Blocker | None:
        """The verdict for one recipient's recorded (scope, status, policy version, ends_on) choices."""
        relevant = self.scopes
        key = frozenset(choice for choice in choices if choice[0] in relevant)
        verdicts = self._verdicts
        if key not in verdicts:  # a handful of combinations of choices: each decided once
            verdicts[key] = rules.blocker(
                Choices.of(key), self.campaign.topic, partner_slug=self.partner_slug, fresh=fresh, today=self._today
            )
        return verdicts[key]


def _choices_of(code: str) -> list[_Row]:
    """The (scope, status, policy version, ends_on) choices that :meth:`Decider.read_all` read as *code*."""
    choices: list[_Row] = []
    for choice in code.split(_CHOICE_SEPARATOR):
        scope, status, version, ends_on = choice.split(_FIELD)
        choices.append((scope, status, version or None, ends_on or None))
    return choices
