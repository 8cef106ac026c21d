"""Where a command's output goes: standard output, or a private file written whole or not at all.

Output files hold sending lists with tokens, access packages with an address and its history,
and ledger exports, so every one is created readable by its owner only (0600). The temporary
file is made by :func:`tempfile.mkstemp` in the target's folder: an unpredictable name opened
with ``O_EXCL``, so a symlink or file someone planted there is never followed or overwritten.
It is renamed over the target at the end, or removed if the command fails.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def private_file(path: str | Path) -> Iterator[IO[str]]:
    """A text file at *path*, mode 0600, that appears there complete or not at all."""
    target = Path(path)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)


@contextmanager
def atomic_output(path: str | None) -> Iterator[IO[str]]:
    """Standard output (for ``None`` or ``-``), or *path* through :func:`private_file`."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with private_file(path) as handle:
        yield handle


class CountingReader(io.RawIOBase):
    """A binary reader that counts the bytes it hands on: how far a progress bar has got."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.count = raw, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)
