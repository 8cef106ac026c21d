"""Every relevant choice, read by a process of its own while the workers start on the list.

A long list is decided faster from all the recorded choices than by querying for each chunk's
rows (:meth:`~optout.lists.decider.Decider.read_all`), but reading them takes a moment, and the
workers should not wait for it. So a loader process reads them while the workers already filter
the first chunks with queries, and leaves the verdicts in memory shared with them; each worker
takes them up before its next chunk. If the loader fails, or finds more choices than it has
room for (some recorded since they were counted), the workers go on querying: slower, never
wrong.
"""

from __future__ import annotations

import gc
import mmap
import struct
import time

from ...catalog.cache import CampaignInfo
from ...consent.service import Blocker
from ...db import make_engine
from ...identity import PID_BYTES
from ..decider import Decider, Verdicts

_LOADING, _READY, _GAVE_UP = 0, 1, 2
_COUNT = struct.Struct("<Q")  # after the state byte: how many recipients the verdicts hold
_DATA = 1 + _COUNT.size
_BLOCKERS = [None, *Blocker]  # a verdict's code is its place here: 0 lets the campaign through
_CODE = {blocker: code for code, blocker in enumerate(_BLOCKERS)}


class SharedVerdicts:
    """Room for the verdicts of up to *room* recipients, in memory the forked processes share:
    a state byte, their number, their pids, then one code per pid."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.memory = mmap.mmap(-1, _DATA + room * (PID_BYTES + 1))

    def load(self, database_url: str, campaign: CampaignInfo) -> None:
        """In the loader process: read every verdict for *campaign* and leave them here."""
        gc.disable()  # many objects, no cycles, and the process ends right after
        state = _GAVE_UP
        engine = make_engine(database_url)
        try:
            with engine.connect() as connection:
                verdicts = Decider(campaign).read_all(connection)
            pids = [*verdicts.blocked_by, *verdicts.cleared]
            if len(pids) <= self.room:
                codes = bytes(map(_CODE.__getitem__, verdicts.blocked_by.values())) + bytes(len(verdicts.cleared))
                end = _DATA + PID_BYTES * len(pids)
                self.memory[_DATA:end] = b"".join(pids)
                self.memory[end : end + len(pids)] = codes
                _COUNT.pack_into(self.memory, 1, len(pids))
                state = _READY
        finally:
            engine.dispose()
            self.memory[0] = state  # last: the workers read nothing before it says READY

    def take_up(self, decider: Decider, *, wait: bool = False) -> bool:
        """In a worker: have *decider* use the verdicts if they are ready; True once there is
        nothing more to wait for (they are in use, or will never come)."""
        while wait and self.memory[0] == _LOADING:
            time.sleep(0.001)
        state = self.memory[0]
        if state == _READY:
            decider.use(self._verdicts())
        return state != _LOADING

    def _verdicts(self) -> Verdicts:
        (count,) = _COUNT.unpack_from(self.memory, 1)
        end = _DATA + PID_BYTES * count
        ids, codes = self.memory[_DATA:end], self.memory[end : end + count]
        pids = [ids[at : at + PID_BYTES] for at in range(0, len(ids), PID_BYTES)]
        blockers = list(map(_BLOCKERS.__getitem__, codes))
        blocked_by = {pid: blocker for pid, blocker in zip(pids, blockers, strict=True) if blocker is not None}
        return Verdicts(
            blocked_by, frozenset(pid for pid, blocker in zip(pids, blockers, strict=True) if blocker is None)
        )

    def close(self) -> None:
        self.memory.close()
