"""Filtering on every core: workers parse, decide and format chunks; the main process keeps order.

The main process only cuts the input bytes into chunks of whole records
(:mod:`optout.lists.engine.cutting`), hands them to a pool of forked workers
(:mod:`optout.lists.engine.chunk`), and writes their answers back in input order. Only
de-duplication across chunks stays in the main process, because it needs every earlier row; it
is one set operation per chunk unless the chunk repeats an earlier address. At most two chunks
per worker are in flight, so memory stays bounded whatever the size of the list. Bytes are cut,
sent and written undecoded. For a list with more rows than there are recorded choices, a loader
process reads every choice meanwhile (:mod:`optout.lists.engine.loader`), and the workers stop
querying once its verdicts are there.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import mmap
import multiprocessing
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from typing import IO, Any

from sqlalchemy import event

from ...catalog.cache import CampaignInfo
from ...csvrows import column
from ...db import make_engine
from ...identity import PID_BYTES
from ..decider import Decider
from ..filter import LinkSettings, Reason, Summary, csv_writer_header, is_phone_list, read_list_header
from ..seen import SeenIds
from ..tuning import Tuning
from .callchunk import CallChunkFilter
from .chunk import KEEP, REASONS, ChunkAnswer, ChunkFilter
from .cutting import chunks, header_line, rows_in
from .loader import SharedVerdicts

SQLITE_CACHE_KIB = 32 << 10  # per worker: the upper levels of the choice index stay in memory
_DUPLICATE = REASONS.index(Reason.DUPLICATE)


@dataclass(frozen=True)
class WorkerSetup:
    """Everything a worker needs, sent once when it starts."""

    database_url: str
    campaign: CampaignInfo
    links: LinkSettings  # forked, not pickled: the parent's token service as it is
    header: list[str]
    email_at: int
    lang_at: int | None
    verdicts: SharedVerdicts | None  # where the loader leaves every verdict, if it was started
    tuning: Tuning


_state: dict[str, Any] = {}


def _sqlite_cache(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _start(setup: WorkerSetup, slots: mmap.mmap) -> None:
    """Pool initializer: a fresh engine (never the parent's connections) and the chunk filter."""
    gc.freeze()  # what the parent left is never garbage here: collections need not walk it
    engine = make_engine(setup.database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_cache)
    chunk_filter: ChunkFilter | CallChunkFilter
    if is_phone_list(setup.campaign):
        chunk_filter = CallChunkFilter(setup.campaign, setup.links.id_key, setup.links.region, setup.header)
    else:
        chunk_filter = ChunkFilter(
            setup.campaign,
            setup.links.tokens,
            setup.links.base_url,
            setup.links.id_key,
            len(setup.header),
            setup.email_at,
            setup.lang_at,
            setup.links.mailto_domain,
        )
    _state.update(slots=slots, engine=engine, verdicts=setup.verdicts, tuning=setup.tuning, filter=chunk_filter)


def _work(slot: int, data: bytes) -> tuple[ChunkAnswer, int]:
    """Filter a chunk; its output goes to shared memory *slot* if it fits (the answer then says
    how many bytes it left there), so that the output is not pickled, piped and unpickled."""
    verdicts: SharedVerdicts | None = _state["verdicts"]
    tuning: Tuning = _state["tuning"]
    if verdicts is not None and verdicts.take_up(_state["filter"].decider, wait=tuning.wait_for_loader):
        _state["verdicts"] = None  # taken up, or never coming: not asked again
    answer: ChunkAnswer = _state["filter"](_state["engine"], data)
    size = len(answer.output)
    if size > tuning.slot_bytes:
        return answer, -1
    start = slot * tuning.slot_bytes
    _state["slots"][start : start + size] = answer.output
    return answer._replace(output=b""), size


def _shared_verdicts(database_url: str, campaign: CampaignInfo, rows: int, at_most: int) -> SharedVerdicts | None:
    """Room for every verdict, if reading them all is worth it for a list of about *rows* rows:
    when it has more rows than there are recorded choices, and there are at most *at_most*."""
    if not rows:
        return None
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            recorded = Decider(campaign).count_choices(connection, min(rows, at_most))
    finally:
        engine.dispose()  # the processes forked next must not inherit its connection
    return None if recorded is None else SharedVerdicts(_room(recorded))


def _room(recorded: int) -> int:
    """Verdicts to make room for, with *recorded* choices counted: some may be recorded meanwhile."""
    return recorded + recorded // 10 + 1000


class _Merger:
    """Take the workers' answers in input order: drop the repeats of earlier chunks, count, write."""

    def __init__(self, sink: IO[str], summary: Summary, seen_in_memory: int) -> None:
        self.summary = summary
        self.seen = SeenIds(seen_in_memory)
        self.line = 2  # the first row after the header
        buffer = getattr(sink, "buffer", None)
        encoding = getattr(sink, "encoding", None)
        if buffer is not None and encoding and codecs.lookup(encoding).name == "utf-8":
            sink.flush()
            self.write: Callable[[bytes | memoryview], object] = buffer.write
        else:
            self.write = lambda output: sink.write(str(output, "utf-8"))

    def take(self, chunk: bytes, answer: ChunkAnswer, output: bytes | memoryview) -> None:
        summary = self.summary
        summary.rows_read += len(answer.bad) + answer.invalid + answer.invalid_numbers + answer.duplicates
        summary.rows_read += len(answer.pids)
        for line, problem in answer.bad:
            summary.bad_row(self.line + line - 1, problem)
        self.line += chunk.count(b"\n")
        if b"\r" in chunk:  # csv ends a line at a lone carriage return too
            self.line += chunk.count(b"\r") - chunk.count(b"\r\n")
        summary.dropped[Reason.INVALID_ADDRESS.value] += answer.invalid
        summary.dropped[Reason.INVALID_NUMBER.value] += answer.invalid_numbers
        summary.dropped[Reason.DUPLICATE.value] += answer.duplicates
        verdicts = answer.verdicts
        repeated = self.seen.repeats(answer.pids)
        if repeated:
            verdicts, output = self._drop_repeats(answer, output, repeated)
        kept = verdicts.count(KEEP)
        summary.rows_kept += kept
        if kept != len(verdicts):
            for index, reason in enumerate(REASONS):
                count = verdicts.count(index)
                if count:
                    summary.dropped[reason.value] += count
        self.write(output)

    @staticmethod
    def _drop_repeats(answer: ChunkAnswer, output: bytes | memoryview, repeated: set[bytes]) -> tuple[bytes, bytes]:
        """The verdicts and output of a chunk with addresses of earlier chunks: those are repeats.

        Repeats are rare, so they are looked up (and their lines cut out) one by one."""
        pids, ends = b"".join(answer.pids), answer.ends
        verdicts = bytearray(answer.verdicts)
        cuts = []
        for pid in repeated:
            at = pids.find(pid)
            while at % PID_BYTES:
                at = pids.find(pid, at + 1)
            at //= PID_BYTES
            if verdicts[at] == KEEP:
                line = answer.verdicts.count(KEEP, 0, at)
                cuts.append((ends[line - 1] if line else 0, ends[line]))
            verdicts[at] = _DUPLICATE
        pieces, start = [], 0
        for cut_start, cut_end in sorted(cuts):
            pieces.append(output[start:cut_start])
            start = cut_end
        pieces.append(output[start:])
        return bytes(verdicts), b"".join(pieces)


def filter_csv_parallel(
    database_url: str,
    campaign: CampaignInfo,
    source: IO[bytes],
    sink: IO[str],
    links: LinkSettings,
    *,
    workers: int,
    size: int = 0,
    tuning: Tuning = Tuning(),
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """:func:`~optout.lists.filter.filter_csv` with *workers* processes, on the UTF-8 bytes of the
    list; *size* is the list's size in bytes, if
    known, from which the number of its rows is guessed (unless *tuning* gives it)."""
    first_line, pending = header_line(source, tuning.block)
    phone = is_phone_list(campaign)
    header = read_list_header(iter(csv.reader(io.StringIO(first_line, newline=""), strict=True)), phone=phone)
    csv_writer_header(sink, header, phone=phone)
    rows = rows_in(size, len(first_line), pending) if tuning.rows_estimate is None else tuning.rows_estimate
    verdicts = _shared_verdicts(database_url, campaign, rows, tuning.load_at_most)
    setup = WorkerSetup(
        database_url,
        campaign,
        links,
        header,
        column(header, "email") or 0,
        column(header, "lang"),
        verdicts,
        tuning,
    )
    summary = Summary()
    merger = _Merger(sink, summary, tuning.seen_in_memory)

    # One slot per chunk in flight: a slot is used again only once its chunk has been written.
    in_flight_max = 2 * workers
    slot_bytes = tuning.slot_bytes
    slots = mmap.mmap(-1, in_flight_max * slot_bytes)  # shared with the forked workers

    def take(chunk: bytes, slot: int, pending: AsyncResult[tuple[ChunkAnswer, int]]) -> None:
        answer, size = pending.get()
        with memoryview(slots) as view:
            output = answer.output if size < 0 else view[slot * slot_bytes : slot * slot_bytes + size]
            merger.take(chunk, answer, output)
            del output
        if progress is not None:
            progress(len(answer.verdicts))

    context = multiprocessing.get_context("fork")
    reading = None
    if verdicts is not None:  # read while the workers start on the list with queries
        reading = context.Process(target=verdicts.load, args=(database_url, campaign), daemon=True)
        reading.start()
    with slots, context.Pool(workers, initializer=_start, initargs=(setup, slots)) as pool:
        in_flight: deque[tuple[bytes, int, AsyncResult[tuple[ChunkAnswer, int]]]] = deque()
        try:
            for number, chunk in enumerate(chunks(source, pending, tuning.block)):
                slot = number % in_flight_max
                in_flight.append((chunk, slot, pool.apply_async(_work, (slot, chunk))))
                if len(in_flight) >= in_flight_max:
                    take(*in_flight.popleft())
            while in_flight:
                take(*in_flight.popleft())
        finally:
            merger.seen.close()
            if reading is not None:
                reading.terminate()  # done long before, as a rule: the workers only took up its verdicts
                reading.join()
            if verdicts is not None:
                verdicts.close()
    return summary
