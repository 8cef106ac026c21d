"""Filtering on every core: workers parse, decide and format chunks; the main process keeps order.

The main process only cuts the input text into chunks at record boundaries (a newline with an
even number of quote characters before it, so quoted newlines stay inside their record), hands
them to a pool of forked workers, and writes their answers back in input order. Each worker
parses its chunk, normalizes, hashes and decides its rows (with its own database connection, so
an opt-out recorded a moment ago still counts) and formats the rows it keeps. Only
de-duplication stays in the main process, because it needs every earlier row. At most two
chunks per worker are in flight, so memory stays bounded whatever the size of the list.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from typing import IO, Any

from ..catalog.cache import CampaignInfo
from ..csvrows import BadRow, column, records
from ..db import make_engine
from ..i18n import language_of
from ..identity import PID_BYTES, AddressInvalid, normalize, pid_of_normal
from ..tokens import TokenService
from .filter import Decider, LineMaker, LinkMaker, Reason, Summary, csv_writer_header, read_list_header

BLOCK = 1 << 16  # characters read at a time
MAX_CHUNK = 8 << 20  # cut even inside a record rather than hold more (only broken quoting gets here)
KEEP = 255
REASONS = list(Reason)

# A worker's answer: malformed rows (line, problem), the count of invalid addresses, then for
# every other row in order its pid and verdict (KEEP, or an index into REASONS), and the output
# lines of the kept ones.
Answer = tuple[list[tuple[int, str]], int, bytes, bytes, list[str]]


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs, sent once when it starts."""

    database_url: str
    campaign: CampaignInfo
    secret_keys: tuple[bytes, ...]
    base_url: str
    id_key: bytes
    width: int
    email_at: int
    lang_at: int | None


_state: dict[str, Any] = {}


def _start(setup: WorkerSetup) -> None:
    """Pool initializer: a fresh engine (never the parent's connections) and the link makers."""
    links = LinkMaker(TokenService(setup.secret_keys), setup.base_url, setup.id_key)
    _state.update(
        setup=setup,
        engine=make_engine(setup.database_url),
        decider=Decider(setup.campaign),
        line=LineMaker(setup.width, links, setup.campaign.id),
    )


def _work(first_line: int, text: str) -> Answer:
    """Parse, decide and format one chunk of the input."""
    setup: WorkerSetup = _state["setup"]
    bad: list[tuple[int, str]] = []
    invalid = 0
    rows: list[tuple[list[str], bytes, str]] = []
    for row in records(csv.reader(io.StringIO(text, newline=""), strict=True), setup.width):
        if isinstance(row, BadRow):
            bad.append((first_line + row.line - 1, row.problem))
            continue
        try:
            pid = pid_of_normal(setup.id_key, normalize(row[setup.email_at]))
        except AddressInvalid:
            invalid += 1
            continue
        lang = (language_of(row[setup.lang_at]) if setup.lang_at is not None else None) or setup.campaign.lang
        rows.append((row, pid, lang))
    with _state["engine"].connect() as connection:
        blocked = _state["decider"].blocked(connection, [pid.hex() for _row, pid, _lang in rows])
    line: LineMaker = _state["line"]
    verdicts = bytearray()
    lines = []
    for row, pid, lang in rows:
        blocker = blocked.get(pid.hex())
        if blocker is None:
            verdicts.append(KEEP)
            lines.append(line(row, pid, lang))
        else:
            verdicts.append(REASONS.index(Reason(blocker.value)))
    return bad, invalid, b"".join(pid for _row, pid, _lang in rows), bytes(verdicts), lines


def _boundary(text: str) -> int:
    """Where the last complete record of *text* ends (after its newline), or -1."""
    end = text.rfind("\n")
    while end != -1:
        if text.count('"', 0, end) % 2 == 0:
            return end + 1
        end = text.rfind("\n", 0, end)
    return -1


def _chunks(source: IO[str], first_line: int) -> Iterator[tuple[int, str]]:
    """Cut *source* into chunks of whole records, each with the line number it starts on."""
    pending = ""
    line = first_line
    while block := source.read(BLOCK):
        text = pending + block
        cut = _boundary(text)
        if cut == -1:
            if len(text) < MAX_CHUNK:
                pending = text
                continue
            cut = len(text)
        yield line, text[:cut]
        line += text.count("\n", 0, cut)
        pending = text[cut:]
    if pending:
        yield line, pending


def filter_csv_parallel(
    database_url: str,
    campaign: CampaignInfo,
    source: IO[str],
    sink: IO[str],
    links: tuple[tuple[bytes, ...], str, bytes],
    *,
    workers: int,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """:func:`~optout.lists.filter.filter_csv` with *workers* processes; *links* is
    ``(secret_keys, base_url, id_key)``."""
    header_line = source.readline()
    header = read_list_header(iter(csv.reader(io.StringIO(header_line, newline=""), strict=True)))
    csv_writer_header(sink, header)
    secret_keys, base_url, id_key = links
    setup = WorkerSetup(
        database_url,
        campaign,
        secret_keys,
        base_url,
        id_key,
        len(header),
        column(header, "email") or 0,
        column(header, "lang"),
    )
    summary = Summary()
    seen: set[bytes] = set()

    def take(answer: Answer) -> None:
        bad, invalid, pids, verdicts, lines = answer
        summary.rows_read += len(bad) + invalid + len(verdicts)
        for line, problem in bad:
            summary.bad_row(line, problem)
        summary.dropped[Reason.INVALID_ADDRESS.value] += invalid
        out: list[str] = []
        kept_line = 0
        for index, verdict in enumerate(verdicts):
            pid = pids[index * PID_BYTES : (index + 1) * PID_BYTES]
            if pid in seen:
                summary.drop(Reason.DUPLICATE)
            else:
                seen.add(pid)
                if verdict == KEEP:
                    out.append(lines[kept_line])
                else:
                    summary.drop(REASONS[verdict])
            kept_line += verdict == KEEP
        summary.rows_kept += len(out)
        sink.write("".join(out))
        if progress is not None:
            progress(len(verdicts))

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_start, initargs=(setup,)) as pool:
        in_flight: deque[AsyncResult[Answer]] = deque()
        for first_line, text in _chunks(source, first_line=2):
            in_flight.append(pool.apply_async(_work, (first_line, text)))
            if len(in_flight) >= 2 * workers:
                take(in_flight.popleft().get())
        while in_flight:
            take(in_flight.popleft().get())
    return summary
