"""A byte stream of CSV that refuses a record longer than a limit before any of it is decoded.

Text readers hold a whole line before ``csv`` sees it, and one character outside the Basic
Multilingual Plane makes Python store the whole line at four bytes a character: a 190 MiB line
holding one emoji took a worker to 1 GiB. Counting bytes here, as they pass, bounds that. A record
ends at a line end outside quotes (an even number of quote characters since it began), as
:func:`optout.lists.engine.cutting.boundary` finds them.
"""

from __future__ import annotations

import io
from typing import IO


class RecordTooLong(ValueError):
    """A record is longer than the limit; the message gives the line it starts on."""

    def __init__(self, line: int, limit: int) -> None:
        super().__init__(f"the record starting on line {line} is longer than {limit} bytes, the most a record may be")
        self.line, self.limit = line, limit


class RecordLimit(io.RawIOBase):
    """Pass *raw* through unchanged, raising :class:`RecordTooLong` at the first record over *limit*
    bytes (its line end included)."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        super().__init__()
        self._raw, self._limit = raw, limit
        self._run = 0  # bytes of the current record so far
        self._quoted = False  # inside a quoted field
        self._line = 1  # the line being read
        self._record_line = 1  # the line the current record started on

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        size = len(data)
        self._count(data)
        buffer[:size] = data
        return size

    def _count(self, data: bytes) -> None:
        if not self._quoted and b'"' not in data and len(data) <= self._limit:
            # Most reads: no quotes, so every line end ends a record, and no record inside the
            # read can be over the limit: only the one running across reads needs counting.
            first = data.find(b"\n")
            if first == -1:
                self._run += len(data)
            else:
                self._run += first + 1
                self._check()
                self._line += data.count(b"\n")
                self._record_line = self._line
                self._run = len(data) - data.rfind(b"\n") - 1
            self._check()
            return
        start = 0
        while start < len(data):  # a line at a time, counting quotes
            end = data.find(b"\n", start)
            end = len(data) if end == -1 else end + 1
            self._quoted ^= data.count(b'"', start, end) % 2 == 1
            self._run += end - start
            self._check()
            if data[end - 1 : end] == b"\n":
                self._line += 1
                if not self._quoted:
                    self._run, self._record_line = 0, self._line
            start = end

    def _check(self) -> None:
        if self._run > self._limit:
            raise RecordTooLong(self._record_line, self._limit)
