"""Filter a call list: a campaign whose topic's channel is phone, its recipients phone numbers.

The rules are the email list's (:func:`.filter.sendable`), with a number as the identity: it is
normalized to E.164 by libphonenumber (:mod:`optout.phones`), so every spelling of one number is
one recipient and a repeat is a ``duplicate``; a number that cannot exist is ``invalid-number``.
A row may name an ``email`` too: that identity is then decided as well, and the row is kept only
if both may get the campaign (the number's blocker is reported first). A call carries no links:
a kept row gets its number in E.164 (``phone_e164``) and nothing else.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Generic, NamedTuple, TypeVar

from sqlalchemy import Connection

from ..catalog.cache import CampaignInfo
from ..csvrows import BadRow, column, records
from ..identity import AddressInvalid, normalize, pid_of_normal
from ..phones import NAMESPACE, NumberInvalid
from ..phones import normalize as normalize_number
from ..pids import PidBytes
from .decider import Decider
from .filter import BATCH, Reason, Summary, csv_writer_header, read_list_header
from .seen import SeenIds
from .tuning import Tuning

Item = TypeVar("Item")
NORMALIZED_KEPT = 1 << 16  # spellings whose E.164 form is remembered: libphonenumber costs ~70 µs a number


def number_reader(region: str) -> Callable[[str], str | None]:
    """A function giving a spelling's E.164 form, or None if it is no number that can exist. Each
    spelling is parsed once per run (lists repeat), and forgotten with the run: no number outlives
    the list it came in."""

    @functools.lru_cache(maxsize=NORMALIZED_KEPT)
    def e164(number: str) -> str | None:
        try:
            return normalize_number(number, region)
        except NumberInvalid:
            return None

    return e164


def number_id(id_key: bytes, normal: str) -> PidBytes:
    """The raw pseudonymous id of the E.164 number *normal* (as :func:`optout.phones.phone_id`)."""
    return pid_of_normal(id_key, NAMESPACE + normal)


def email_id(id_key: bytes, address: object) -> PidBytes | None:
    """The raw id of a call list row's *address*, None if the row names none (empty or absent);
    raises :class:`AddressInvalid` if it is not an address."""
    if address is None or (isinstance(address, str) and not address.strip()):
        return None
    if not isinstance(address, str):
        raise AddressInvalid("not text")
    return pid_of_normal(id_key, normalize(address))


class Call(NamedTuple, Generic[Item]):
    """One input item of a call list with what was read from it: its number and address (raw)."""

    item: Item
    number: object
    address: object  # None when the list has no email column


def sendable_calls(
    connection: Connection,
    campaign: CampaignInfo,
    candidates: Iterable[Call[Item] | BadRow],
    id_key: bytes,
    region: str,
    summary: Summary,
    *,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Iterator[tuple[Item, str]]:
    """Yield ``(item, E.164 number)`` for every item that may get *campaign*, in input order, and
    count every other one in *summary*."""
    decider = Decider(campaign)
    seen = SeenIds(tuning.seen_in_memory)
    e164 = number_reader(region)
    batch: list[tuple[Item, PidBytes, PidBytes | None, str]] = []

    def decided() -> Iterator[tuple[Item, str]]:
        ids = [pid.hex() for _item, pid, _email, _normal in batch]
        ids += [email.hex() for _item, _pid, email, _normal in batch if email is not None]
        blocked = decider.blocked(connection, ids)
        for item, pid, email, normal in batch:
            blocker = blocked.get(pid.hex()) or (blocked.get(email.hex()) if email is not None else None)
            if blocker is None:
                summary.rows_kept += 1
                yield item, normal
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
            normal = e164(candidate.number) if isinstance(candidate.number, str) else None
            if normal is None:
                summary.drop(Reason.INVALID_NUMBER)
                continue
            try:
                email = email_id(id_key, candidate.address)
            except AddressInvalid:
                summary.drop(Reason.INVALID_ADDRESS)
                continue
            pid = number_id(id_key, normal)
            if not seen.add(pid):
                summary.drop(Reason.DUPLICATE)
                continue
            batch.append((candidate.item, pid, email, normal))
            if len(batch) >= BATCH:
                yield from decided()
    finally:
        seen.close()
    yield from decided()


def filter_calls_csv(
    connection: Connection,
    campaign: CampaignInfo,
    source: IO[str],
    sink: IO[str],
    id_key: bytes,
    region: str,
    *,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Copy the rows of the call list *source* that may receive *campaign* to *sink*, each with its
    number in E.164 added."""
    reader = csv.reader(source, strict=True)
    header = read_list_header(reader, phone=True)
    phone_at = column(header, "phone") or 0
    email_at = column(header, "email")
    csv_writer_header(sink, header, phone=True)
    summary = Summary()
    candidates = (
        row if isinstance(row, BadRow) else Call(row, row[phone_at], row[email_at] if email_at is not None else None)
        for row in records(reader, len(header), refuse_nul=True)
    )
    writer = csv.writer(sink)
    for row, normal in sendable_calls(
        connection, campaign, candidates, id_key, region, summary, tuning=tuning, progress=progress
    ):
        row.append(normal)
        writer.writerow(row)
    return summary
