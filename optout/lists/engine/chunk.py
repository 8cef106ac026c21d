"""One chunk of a list, filtered by a worker process: the per-row work of ``optout filter``.

A chunk is a run of whole records of the input, as bytes. It is parsed, normalized, hashed and
decided here (one query per chunk, on a fresh connection, so an opt-out recorded a moment ago
still counts), and its kept rows are formatted, so that the main process only has to drop the
repeats of earlier chunks and write. The loops are written out, not composed from the per-row
helpers of :mod:`optout.lists.filter`, because they run for every row of every list; the tests
check that both give the same bytes.
"""

from __future__ import annotations

from array import array
from itertools import accumulate, count
from typing import NamedTuple

from sqlalchemy import Engine

from ...catalog.cache import CampaignInfo
from ...identity import PID_BYTES, PLAIN_ADDRESS, PLAIN_MAX_LENGTH, AddressInvalid, normalize
from ...keyedhash import KeyedSha256
from ...languages import language_of
from ...links import LIST_UNSUBSCRIBE_POST, PREFERENCES_PREFIX, UNSUBSCRIBE_PREFIX, list_unsubscribe, unsubscribe_mailto
from ...tokens import MAC_STRIDE, MAC_TEXT, PAYLOAD_STRIDE, PairMinter, Purpose, TokenService
from ..decider import Decider
from ..filter import Reason
from .chunkrows import RowReader, cut

KEEP = 255
REASONS = list(Reason)
REASON_INDEX = {reason.value: index for index, reason in enumerate(REASONS)}


class ChunkAnswer(NamedTuple):
    """What a worker sends back for a chunk (compact: it is pickled).

    ``pids`` are the valid addresses' raw ids (:data:`~optout.pids.PidBytes`), each the first of
    its kind in the chunk, in order; ``verdicts[i]`` is KEEP or an index into REASONS for
    ``pids[i]``; ``output`` is the kept rows' output lines (UTF-8), the i-th ending at byte ``ends[i]``.
    """

    bad: list[tuple[int, str]]  # (line within the chunk, counted from 1; problem)
    invalid: int
    duplicates: int  # repeats of a pid seen earlier in the same chunk
    pids: list[bytes]
    verdicts: bytes
    output: bytes
    ends: array[int]
    invalid_numbers: int = 0  # a call list's numbers that cannot exist (its invalid addresses are ``invalid``)


class ChunkFilter:
    """Filter chunks of one list for one campaign (built once per worker)."""

    def __init__(
        self,
        campaign: CampaignInfo,
        tokens: TokenService,
        base_url: str,
        id_key: bytes,
        width: int,
        email_at: int,
        lang_at: int | None,
        mailto_domain: str | None = None,
    ) -> None:
        self.campaign, self.width, self.email_at, self.lang_at = campaign, width, email_at, lang_at
        self.mailto_domain = mailto_domain
        self.decider = Decider(campaign)
        self.id_key = KeyedSha256(id_key)
        self.mint_many = PairMinter(tokens.minter(Purpose.UNSUBSCRIBE), tokens.minter(Purpose.PREFERENCES)).mint_many
        self.unsubscribe_prefix = (base_url + UNSUBSCRIBE_PREFIX).encode()
        self.preferences_prefix = (base_url + PREFERENCES_PREFIX).encode()
        self.post = f"{LIST_UNSUBSCRIBE_POST}\r\n".encode()
        self.reader = RowReader(width, email_at, lang_at)

    def __call__(self, engine: Engine, data: bytes) -> ChunkAnswer:
        """Filter one chunk of whole records; bad rows are numbered from the chunk's first line."""
        rows = self.reader.read(data)
        pids, dropped, invalid, duplicates = self._identify(rows.addresses)
        texts, langs = cut(rows.texts, dropped), rows.langs and cut(rows.langs, dropped)
        with engine.connect() as connection:
            blocked = self.decider.blocked_ids(connection, pids)
        verdicts = bytearray([KEEP]) * len(pids)
        kept_pids = pids
        if blocked:  # few, as a rule: cut out of the lists rather than tested for on every row
            at_of = dict(zip(pids, count()))
            dropped = sorted(at_of[pid] for pid in blocked)
            for at in dropped:
                verdicts[at] = REASON_INDEX[blocked[pids[at]].value]
            kept_pids, texts, langs = cut(pids, dropped), cut(texts, dropped), langs and cut(langs, dropped)
        output, ends = self._format(texts, kept_pids, langs)
        return ChunkAnswer(rows.bad, invalid, duplicates, pids, bytes(verdicts), output, ends)

    def _identify(self, addresses: list[str]) -> tuple[list[bytes], list[int], int, int]:
        """The pid of each address (as :func:`~optout.identity.pseudonymous_id`) that is valid and
        not a repeat within the chunk, and where the others were."""
        plain, copy_inner, copy_outer = PLAIN_ADDRESS.fullmatch, self.id_key.inner.copy, self.id_key.outer.copy
        pids: list[bytes] = []
        dropped: list[int] = []
        seen: set[bytes] = set()
        add_pid, seen_add = pids.append, seen.add
        invalid = duplicates = 0
        for at, address in enumerate(addresses):
            normal = address.strip().lower()  # normalize()'s fast path, inlined
            if len(normal) > PLAIN_MAX_LENGTH or not plain(normal):
                try:
                    normal = normalize(address)
                except AddressInvalid:
                    invalid += 1
                    dropped.append(at)
                    continue
            inner = copy_inner()
            inner.update(normal.encode())
            outer = copy_outer()
            outer.update(inner.digest())
            pid_bytes = outer.digest()[:PID_BYTES]
            if pid_bytes in seen:
                duplicates += 1
                dropped.append(at)
                continue
            seen_add(pid_bytes)
            add_pid(pid_bytes)
        return pids, dropped, invalid, duplicates

    def _format(self, texts: list[str], pids: list[bytes], langs: list[str] | None) -> tuple[bytes, array[int]]:
        """The output lines of the kept rows: their fields, then their four links."""
        default = self.campaign.lang
        chosen = [default] * len(pids) if langs is None else [language_of(lang) or default for lang in langs]
        unsubscribe, preferences = self.mint_many(pids, self.campaign.id, chosen)
        unsubscribe_prefix, preferences_prefix = self.unsubscribe_prefix, self.preferences_prefix
        payloads = unsubscribe.payloads  # the two runs share their payloads (PairMinter)
        unsubscribe_macs, preferences_macs = unsubscribe.macs, preferences.macs
        post, join = self.post, b"".join
        lines: list[bytes] = []
        add = lines.append
        at = mac_at = 0
        # Built as bytes: formatting str and encoding each line cost twice as much. Each token is
        # copied out of its runs (TokenRun) straight into the line.
        for text in map(str.encode, texts):
            payload = payloads[at : at + PAYLOAD_STRIDE]
            url = unsubscribe_prefix + payload + unsubscribe_macs[mac_at : mac_at + MAC_TEXT]
            preferences_url = preferences_prefix + payload + preferences_macs[mac_at : mac_at + MAC_TEXT]
            if self.mailto_domain is None:
                add(join((text, b",", url, b",", preferences_url, b",<", url, b">,", post)))
            else:  # the header holds a comma and a space: quoted, as csv would quote it
                token = payload + unsubscribe_macs[mac_at : mac_at + MAC_TEXT]  # the payload ends with its dot
                header = list_unsubscribe(url.decode(), unsubscribe_mailto(token.decode(), self.mailto_domain))
                add(join((text, b",", url, b",", preferences_url, b',"', header.encode(), b'",', post)))
            at += PAYLOAD_STRIDE
            mac_at += MAC_STRIDE
        return join(lines), array("q", accumulate(map(len, lines)))
