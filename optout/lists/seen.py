"""The recipients already met in a list, so that repeats are dropped, in bounded memory.

Up to a limit (:attr:`~optout.lists.tuning.Tuning.seen_in_memory`) ids live in a set (about 80
bytes each); past that they move to a throw-away SQLite file beside the other temporary files, so
a list of any length filters in the same memory. The ids are pseudonymous, and the file is deleted when the run ends.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Sequence
from typing import IO


class SeenIds:
    """Ids met so far, up to *memory_limit* of them in memory; ask with :meth:`add` one at a time
    or :meth:`repeats` a batch at a time."""

    def __init__(self, memory_limit: int) -> None:
        self._limit = memory_limit
        self._memory: set[bytes] = set()
        self._disk: sqlite3.Connection | None = None
        self._file: IO[bytes] | None = None

    def add(self, pid_bytes: bytes) -> bool:
        """Remember the raw id *pid_bytes*; True if it is new."""
        if self._disk is None:
            if pid_bytes in self._memory:
                return False
            self._memory.add(pid_bytes)
            if len(self._memory) > self._limit:
                self._spill()
            return True
        return self._disk.execute("INSERT OR IGNORE INTO seen VALUES (?)", (pid_bytes,)).rowcount == 1

    def repeats(self, pids: Sequence[bytes]) -> set[bytes]:
        """Remember *pids* (distinct among themselves); return those met before."""
        if self._disk is None:
            found = self._memory.intersection(pids)
            self._memory.update(pids)
            if len(self._memory) > self._limit:
                self._spill()
            return found
        disk = self._disk
        disk.executemany("INSERT INTO batch VALUES (?)", ((pid,) for pid in pids))
        found = {row[0] for row in disk.execute("SELECT id FROM batch JOIN seen USING (id)")}
        disk.execute("INSERT OR IGNORE INTO seen SELECT id FROM batch")
        disk.execute("DELETE FROM batch")
        return found

    def _spill(self) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="optout-seen-", suffix=".sqlite3")  # noqa: SIM115 - closed in close()
        disk = sqlite3.connect(self._file.name, isolation_level=None)
        disk.execute("PRAGMA journal_mode=OFF")
        disk.execute("PRAGMA synchronous=OFF")
        disk.execute("CREATE TABLE seen (id BLOB PRIMARY KEY) WITHOUT ROWID")
        disk.execute("CREATE TEMP TABLE batch (id BLOB)")
        disk.executemany("INSERT INTO seen VALUES (?)", ((pid,) for pid in sorted(self._memory)))
        self._memory = set()
        self._disk = disk

    def close(self) -> None:
        """Delete the file, if there is one."""
        if self._disk is not None:
            self._disk.close()
            self._disk = None
        if self._file is not None:
            self._file.close()
            self._file = None
