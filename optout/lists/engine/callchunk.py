"""One chunk of a call list, filtered by a worker process (:mod:`optout.lists.calls`'s rules).

As :class:`~.chunk.ChunkFilter` does for an email list: the chunk's rows are read
(:class:`~.chunkrows.RowReader`, with the number as the row's identity and the address, if the
list has one, as its second column), their numbers normalized and hashed, the chunk decided with
one query, and the kept rows formatted with their E.164 number. Normalizing is libphonenumber's,
through the same remembering :func:`~optout.lists.calls.number_reader` as in one process: it is most of the
work, and the reason a call list is worth spreading over every core.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from sqlalchemy import Engine

from ...catalog.cache import CampaignInfo
from ...csvrows import column
from ...identity import AddressInvalid
from ..calls import email_id, number_id, number_reader
from ..decider import Decider
from .chunk import KEEP, REASON_INDEX, ChunkAnswer
from .chunkrows import RowReader, cut


class CallChunkFilter:
    """Filter chunks of one call list for one campaign (built once per worker)."""

    def __init__(self, campaign: CampaignInfo, id_key: bytes, region: str, header: list[str]) -> None:
        self.campaign, self.id_key, self.region = campaign, id_key, region
        self.decider = Decider(campaign)
        self.e164 = number_reader(region)  # one per worker, for this list only
        # RowReader's second column is the language of an email list; here it is the address.
        self.reader = RowReader(len(header), column(header, "phone") or 0, column(header, "email"))

    def __call__(self, engine: Engine, data: bytes) -> ChunkAnswer:
        """Filter one chunk of whole records; bad rows are numbered from the chunk's first line."""
        rows = self.reader.read(data)
        numbers, addresses = rows.addresses, rows.langs
        id_key, e164 = self.id_key, self.e164
        pids: list[bytes] = []
        emails: list[bytes | None] = []
        normals: list[str] = []
        dropped: list[int] = []
        seen: set[bytes] = set()
        invalid = invalid_numbers = duplicates = 0
        for at, number in enumerate(numbers):
            normal = e164(number)
            if normal is None:
                invalid_numbers += 1
                dropped.append(at)
                continue
            try:
                email = None if addresses is None else email_id(id_key, addresses[at])
            except AddressInvalid:
                invalid += 1
                dropped.append(at)
                continue
            pid = number_id(id_key, normal)
            if pid in seen:
                duplicates += 1
                dropped.append(at)
                continue
            seen.add(pid)
            pids.append(pid)
            emails.append(email)
            normals.append(normal)
        texts = cut(rows.texts, dropped)
        with engine.connect() as connection:
            blocked = self.decider.blocked_ids(connection, pids + [email for email in emails if email is not None])
        verdicts = bytearray([KEEP]) * len(pids)
        if blocked:
            out: list[int] = []
            for at, (kept_pid, kept_email) in enumerate(zip(pids, emails, strict=True)):
                blocker = blocked.get(kept_pid) or (blocked.get(kept_email) if kept_email is not None else None)
                if blocker is not None:
                    verdicts[at] = REASON_INDEX[blocker.value]
                    out.append(at)
            texts, normals = cut(texts, out), cut(normals, out)
        lines = [f"{text},{normal}\r\n".encode() for text, normal in zip(texts, normals, strict=True)]
        output = b"".join(lines)
        return ChunkAnswer(
            rows.bad,
            invalid,
            duplicates,
            pids,
            bytes(verdicts),
            output,
            array("q", accumulate(map(len, lines))),
            invalid_numbers,
        )
