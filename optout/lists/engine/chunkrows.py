"""The rows of a chunk of a list: what ``csv`` reads, read faster where lines are plain.

A worker reads each chunk once, so this runs for every row of every list: lines without a quote
character are split at commas (their text is their output as it stands), lines with quotes are
parsed together by one ``csv`` reader, and a chunk where a record may span lines is read by
``csv`` as a whole. The tests check that both ways read every chunk alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

from ...csvrows import NUL, NUL_PROBLEM, UNDECODABLE_BYTES, UNDECODED

Item = TypeVar("Item")


class Rows(NamedTuple):
    """The usable rows of a chunk: address, output text (the row as CSV) and language tag of each."""

    addresses: list[str]
    texts: list[str]
    langs: list[str] | None
    bad: list[tuple[int, str]]


class RowReader:
    """Read the chunks of a list with *width* columns, the address in column *email_at*."""

    def __init__(self, width: int, email_at: int, lang_at: int | None) -> None:
        self.width, self.email_at, self.lang_at = width, email_at, lang_at
        self._quoted_lines: list[str] = []
        self._quoting = csv.writer(_Appender(self._quoted_lines.append))

    def read(self, data: bytes) -> Rows:
        """The usable rows of the UTF-8 *data* and its bad ones (numbered from its first line), as
        csv reads them."""
        try:
            text = data.decode("utf-8")  # strictly: then no character stands for a broken byte
        except UnicodeDecodeError:  # csv judges each record, and those with such bytes are bad
            return self.read_records(data.decode("utf-8", UNDECODABLE_BYTES))
        if b"\0" in data:  # rare: csv reads the chunk, and its rows with a NUL are judged there
            return self.read_records(text)
        return self._read_lines(text, nul_checked=True) or self.read_records(text)

    def read_lines(self, text: str) -> Rows | None:
        """The rows of *text* read a line at a time, or None if a record may span lines.

        Most lines have no quote character: their fields are the text between commas, and their
        output text is the line itself. A line with quotes is parsed on its own by ``csv``; if it
        ends inside a quoted field (or the chunk has a carriage return not followed by a newline,
        a NUL, or a byte that is not UTF-8) the whole chunk is read with ``csv`` instead.
        """
        return None if UNDECODED.search(text) else self._read_lines(text)

    def _read_lines(self, text: str, *, nul_checked: bool = False) -> Rows | None:
        """:meth:`read_lines` for text that stands for no broken byte (nor a NUL, if *nul_checked*)."""
        if not nul_checked and NUL in text:  # rare: csv reads the chunk and judges the rows with one
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n")
            if "\r" in text:
                return None
        lines = text.split("\n")
        if not lines[-1]:
            lines.pop()
        width, email_at, lang_at = self.width, self.email_at, self.lang_at
        addresses: list[str] = []
        texts: list[str] = []
        langs: list[str] = []
        bad: list[tuple[int, str]] = []
        quoted: list[tuple[int, int]] = []  # (line number, place in the lists) of lines with quotes
        add_address, add_text, add_lang = addresses.append, texts.append, langs.append
        for number, line in enumerate(lines, 1):
            if '"' in line:  # parsed below, all at once; kept a place meanwhile
                quoted.append((number, len(texts)))
                add_text(line)
                add_address(line)
                if lang_at is not None:
                    add_lang(line)
                continue
            if not line:
                continue
            row = line.split(",")
            if len(row) != width:
                bad.append((number, f"{len(row)} fields where the header has {width}"))
                continue
            add_text(line)
            add_address(row[email_at])
            if lang_at is not None:
                add_lang(row[lang_at])
        if quoted and not self._read_quoted(quoted, addresses, texts, langs, bad):
            return None
        return Rows(addresses, texts, langs if lang_at is not None else None, bad)

    def _read_quoted(
        self,
        quoted: list[tuple[int, int]],
        addresses: list[str],
        texts: list[str],
        langs: list[str],
        bad: list[tuple[int, str]],
    ) -> bool:
        """Fill in the places kept for lines with quotes, parsed by one ``csv`` reader; False if a
        record of them goes on past its line (or is broken), which csv must then judge in place."""
        try:
            parsed = list(csv.reader([texts[at] + "\n" for _number, at in quoted], strict=True))
        except csv.Error:
            return False
        if len(parsed) != len(quoted):  # a record took more than its line
            return False
        width, email_at, lang_at = self.width, self.email_at, self.lang_at
        usable, places, wrong = [], [], []
        for (number, at), row in zip(quoted, parsed, strict=True):
            if len(row) != width:
                bad.append((number, f"{len(row)} fields where the header has {width}"))
                wrong.append(at)
                continue
            usable.append(row)
            places.append(at)
            addresses[at] = row[email_at]
            if lang_at is not None:
                langs[at] = row[lang_at]
        self._quoting.writerows(usable)  # as csv.writer writes them (their line ends cut off)
        for at, line in zip(places, self._quoted_lines, strict=True):
            texts[at] = line[:-2]
        self._quoted_lines.clear()
        if wrong:
            addresses[:], texts[:], langs[:] = cut(addresses, wrong), cut(texts, wrong), cut(langs, wrong)
            bad.sort()
        return True

    def read_records(self, text: str) -> Rows:
        """The rows of *text* as ``csv`` reads them, records spanning lines and all."""
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        width, email_at, lang_at, commas = self.width, self.email_at, self.lang_at, self.width - 1
        undecoded = UNDECODED.search(text) is not None
        nul = NUL in text
        addresses: list[str] = []
        texts: list[str] = []
        langs: list[str] = []
        bad: list[tuple[int, str]] = []
        while True:
            try:
                for row in reader:
                    if len(row) != width:
                        if row:
                            bad.append((reader.line_num, f"{len(row)} fields where the header has {width}"))
                    elif undecoded and UNDECODED.search("".join(row)):
                        bad.append((reader.line_num, "not UTF-8 text"))
                    elif nul and NUL in "".join(row):
                        bad.append((reader.line_num, NUL_PROBLEM))
                    else:
                        addresses.append(row[email_at])
                        texts.append(self._text(row, commas))
                        if lang_at is not None:
                            langs.append(row[lang_at])
                break
            except csv.Error as exc:
                bad.append((reader.line_num, str(exc)))
        return Rows(addresses, texts, langs if lang_at is not None else None, bad)

    def _text(self, row: list[str], commas: int) -> str:
        """*row* as ``csv.writer`` writes it, without the line end."""
        text = ",".join(row)
        if text and text.count(",") == commas and '"' not in text and "\n" not in text and "\r" not in text:
            return text
        self._quoting.writerow(row)
        return self._quoted_lines.pop()[:-2]


class _Appender:
    """A file-like sink for ``csv.writer`` that hands each written line to *write*."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write


def cut(items: list[Item], positions: Sequence[int]) -> list[Item]:
    """*items* without those at *positions* (ascending): a few slices, not a test per item."""
    if not positions:
        return items
    kept: list[Item] = []
    start = 0
    for at in positions:
        kept += items[start:at]
        start = at + 1
    kept += items[start:]
    return kept
