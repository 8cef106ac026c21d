"""Reading CSV files row by row without ever crashing on a bad one.

Shared by list filtering and imports: the header must name the required columns, and every
later row comes back either as its fields or as the problem that makes it unusable, with the
line it ends on, so that callers count and report it instead of guessing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

# Inputs are decoded with this error handler: bytes that are not UTF-8 become lone surrogates,
# which no real text contains (unlike U+FFFD, which a list may legitimately hold), so a row
# with one is reported as not UTF-8 and dropped.
UNDECODABLE_BYTES = "surrogateescape"
UNDECODED = re.compile("[\udc80-\udcff]")
NUL = "\x00"  # no text field holds one; mail software and databases cut the text there
NUL_PROBLEM = "a NUL byte"


class CsvUnusable(ValueError):
    """The input as a whole cannot be used (empty, not CSV, a required column missing)."""


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be used, and why."""

    line: int
    problem: str


def column(header: Sequence[str], name: str) -> int | None:
    """Where column *name* is (names compared trimmed and case-insensitively), if present."""
    names = [h.strip().lower() for h in header]
    return names.index(name) if name in names else None


def read_header(reader: Iterator[list[str]], required: Iterable[str]) -> list[str]:
    """The first row, checked to be text naming every *required* column."""
    try:
        header = next(reader)
    except StopIteration:
        raise CsvUnusable("the file is empty: the first line must name the columns") from None
    except csv.Error as exc:
        raise CsvUnusable(f"this is not a CSV file ({exc})") from None
    if UNDECODED.search("".join(header)) or any(NUL in name for name in header):
        raise CsvUnusable("this is not a UTF-8 CSV file")
    for name in required:
        if column(header, name) is None:
            raise CsvUnusable(f"the first line has no {name} column")
    return header


def records(reader: Iterator[list[str]], width: int, *, refuse_nul: bool = False) -> Iterator[list[str] | BadRow]:
    """Every row after the header: its fields, or a :class:`BadRow`. Blank lines are skipped.

    With *refuse_nul* (sending lists, whose fields go on to mail software) a row with a NUL in any
    field is bad too.
    """
    line_num = getattr(reader, "line_num", 0)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield BadRow(getattr(reader, "line_num", line_num), str(exc))
            continue
        line = getattr(reader, "line_num", line_num)
        if not row:
            continue
        if len(row) != width:
            yield BadRow(line, f"{len(row)} fields where the header has {width}")
        elif UNDECODED.search(joined := "".join(row)):
            yield BadRow(line, "not UTF-8 text")
        elif refuse_nul and NUL in joined:
            yield BadRow(line, NUL_PROBLEM)
        else:
            yield row
