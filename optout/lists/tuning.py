"""The knobs of list filtering, as one value passed in (never module globals set from outside)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    """How the filter works, not what it decides: every field changes speed and memory, never the
    output. The defaults are the measured ones (bench/FILTER.md); tests pass tiny ones so that
    chunk boundaries, shared-memory slots and the seen-set's file are all reached."""

    block: int = 1 << 18  # bytes read at a time: about 5,000 rows, so that per-chunk costs do not count
    slot_bytes: int = 8 << 20  # output a chunk leaves in shared memory (a larger one goes through the pipe)
    load_at_most: int = 500_000  # choices the loader reads if the list has more rows (~100 bytes each, per worker)
    wait_for_loader: bool = False  # workers wait for the loaded verdicts before their first chunk
    seen_in_memory: int = 2_000_000  # ids met kept in memory (about 160 MiB) before the rest go to disk
    rows_estimate: int | None = None  # the list's rows, if known better than a guess from its size
    parallel_from_bytes: int = 1 << 20  # below this, starting worker processes costs more than it saves

    @classmethod
    def from_json(cls, text: str) -> Tuning:
        """A Tuning from a JSON object of some of its fields (the others keep their defaults)."""
        given = json.loads(text)
        fields = {field.name: field.type for field in dataclasses.fields(cls)}
        if not isinstance(given, dict) or set(given) - set(fields):
            raise ValueError(f"expected a JSON object with some of: {', '.join(fields)}")
        for name, value in given.items():
            kind = str(fields[name])  # the annotation's text (postponed annotations)
            if kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
            elif isinstance(value, bool) or not (isinstance(value, int) or (value is None and "None" in kind)):
                raise ValueError(f"{name} must be a whole number")
        return cls(**given)
