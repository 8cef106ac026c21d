"""Cutting a list's bytes into chunks of whole records, undecoded, for the workers.

A record ends at a newline with an even number of quote characters before it, so quoted
newlines stay inside their record. A newline byte never occurs inside a UTF-8 character, so
each chunk decodes exactly as the whole input would.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import IO

from ...csvrows import UNDECODABLE_BYTES

MAX_CHUNK = 8 << 20  # cut even inside a record rather than hold more (only broken quoting gets here)
_BOM = codecs.BOM_UTF8
_LINE_END = re.compile(rb"\r\n|\r|\n")


def header_line(source: IO[bytes], block_size: int) -> tuple[str, bytes]:
    """The first line of *source* (ended as text mode with ``newline=""`` would end it, without a
    byte-order mark) decoded, and the bytes read after it."""
    pending = b""
    while True:
        block = source.read(block_size)
        pending += block
        end = _LINE_END.search(pending)
        if end is None or (end.group() == b"\r" and end.end() == len(pending)):  # maybe \r\n
            if block:
                continue
            cut = len(pending)
        else:
            cut = end.end()
        line = pending[:cut].removeprefix(_BOM)
        return line.decode("utf-8", UNDECODABLE_BYTES), pending[cut:]


def rows_in(size: int, header_size: int, sample: bytes) -> int:
    """About how many rows a list of *size* bytes holds, judged by the lines of *sample*."""
    lines = sample.count(b"\n")
    if not size or not lines:
        return 0
    return (size - header_size) * lines // len(sample)


def boundary(data: bytes) -> int:
    """Where the last complete record of *data* ends (after its newline), or -1."""
    end = data.rfind(b"\n")
    quotes = data.count(b'"', 0, end) if end != -1 else 0
    while end != -1:
        if quotes % 2 == 0:
            return end + 1
        previous = data.rfind(b"\n", 0, end)
        quotes -= data.count(b'"', previous + 1, end)
        end = previous
    return -1


def chunks(source: IO[bytes], pending: bytes, block_size: int) -> Iterator[bytes]:
    """Cut what is left of *source* (after *pending*, already read) into chunks of whole records."""
    while True:
        block = source.read(block_size)
        if not block:
            break
        data = pending + block
        cut = boundary(data)
        if cut == -1:
            if len(data) < MAX_CHUNK:
                pending = data
                continue
            cut = len(data)
            while cut > 0 and data[cut - 1] & 0xC0 == 0x80:  # never inside a character
                cut -= 1
        yield data[:cut]
        pending = data[cut:]
    if pending:
        yield pending
