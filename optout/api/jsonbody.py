"""The JSON body of a filtering, read a recipient at a time rather than built whole.

``json.loads`` of a whole body makes ten to thirty times its size in Python objects (a 16 MiB body
of empty objects took 480 MiB). Here the body stays bytes: a pattern finds each recipient, which
must be a flat object (strings, numbers, true, false, null), and only that recipient is parsed,
checked and dropped. Nothing nested is ever parsed, the count is checked as recipients are met,
and a kept recipient is written back as the bytes it was sent, with its link fields after them.
So memory is the body, plus one recipient (at most :data:`RECORD_MAX_BYTES`), plus a batch.
"""

from __future__ import annotations

import json
import math
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from . import RECORD_MAX_BYTES

_STRING = rb'"(?:[^"\\]|\\.)*+"'
_FLAT_RECORD = re.compile(rb'\{(?:[^{}\[\]"]|' + _STRING + rb")*+\}")
_RECORD_START = re.compile(rb'\{(?:[^{}\[\]"]|' + _STRING + rb")*+")
_SCALAR = re.compile(_STRING + rb"|[-+0-9A-Za-z.]++")  # what json.loads then judges
_STRING_OR_NULL = re.compile(_STRING + rb"|null")
_KEY = re.compile(_STRING)
_SPACE = re.compile(rb"[ \t\n\r]*+")
_BOM = b"\xef\xbb\xbf"
NOT_OBJECTS = "every recipient must be an object (positions count from 0)"
SCALARS_ONLY = "recipient fields must be strings, numbers, true, false or null (nothing nested)"


class BodyUnusable(ValueError):
    """The body cannot be filtered; the message says why, *positions* which recipients (from 0)."""

    def __init__(self, message: str, positions: Sequence[int] | None = None) -> None:
        super().__init__(message)
        self.positions = list(positions) if positions is not None else None


class TooManyRecipients(ValueError):
    """The body holds more recipients than allowed (found before reading the rest)."""


class NotJsonNumber(ValueError):
    """``NaN``, ``Infinity``, ``-Infinity``, or a number too large for a float: not JSON (RFC 8259)."""


def _refuse_constant(name: str) -> Any:
    raise NotJsonNumber(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as infinity
        raise NotJsonNumber("a number too large for a JSON number")
    return value


def loads(text: str | bytes) -> Any:
    """:func:`json.loads` refusing ``NaN``, ``Infinity`` and numbers that overflow (RFC 8259); bytes
    must be UTF-8 (``json.loads`` would guess UTF-16 or UTF-32 from NUL bytes)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)


def _invalid() -> BodyUnusable:
    return BodyUnusable("the body is not valid JSON")


@dataclass(frozen=True)
class FilterBody:
    """A checked body: where each recipient's bytes are, and the body's ``lang``."""

    data: bytes
    spans: array[int]  # start and end of each recipient, in turn
    lang: object

    def __len__(self) -> int:
        return len(self.spans) // 2

    def recipients(self) -> Iterator[tuple[int, bytes, dict[str, Any]]]:
        """Each recipient's position, bytes and fields (parsed again, one at a time)."""
        spans, data = self.spans, self.data
        for position in range(len(self)):
            raw = data[spans[2 * position] : spans[2 * position + 1]]
            yield position, raw, loads(raw)


def read_filter_body(
    data: bytes, *, max_recipients: int, forbidden: Sequence[str], record_max: int = RECORD_MAX_BYTES
) -> FilterBody:
    """Check *data* is ``{"recipients": [flat objects], "lang": …}`` and find each recipient.

    Raises :class:`BodyUnusable` (with positions where they help) or :class:`TooManyRecipients`.
    """
    shape = BodyUnusable('the body must be a JSON object with an array "recipients" and, optionally, "lang"')
    pos = _space(data, 3 if data.startswith(_BOM) else 0)
    if data[pos : pos + 1] != b"{":
        raise shape
    pos = _space(data, pos + 1)
    spans: array[int] | None = None
    lang: object = None
    seen: set[str] = set()
    while True:
        key = _KEY.match(data, pos)
        if key is None:
            raise shape
        name = _text(key.group())
        pos = _space(data, key.end())
        if name in seen or name not in ("recipients", "lang") or data[pos : pos + 1] != b":":
            raise shape
        seen.add(name)
        pos = _space(data, pos + 1)
        if name == "recipients":
            spans, pos = _recipients(data, pos, max_recipients, forbidden, record_max, shape)
        else:
            value = _STRING_OR_NULL.match(data, pos)
            if value is None:
                raise BodyUnusable("lang must be a language code")
            lang, pos = loads(value.group()), value.end()
        pos, closed = _after_item(data, pos, b"}")
        if closed:
            break
    if spans is None or _space(data, pos + 1) != len(data):
        raise shape if spans is None else _invalid()
    return FilterBody(data, spans, lang)


def _recipients(
    data: bytes, pos: int, max_recipients: int, forbidden: Sequence[str], record_max: int, shape: BodyUnusable
) -> tuple[array[int], int]:
    """The spans of the recipients of the array at *pos*, and where the array ends."""
    if data[pos : pos + 1] != b"[":
        raise shape
    spans, not_objects, clashing = array("q"), list[int](), list[int]()
    pos, position = _space(data, pos + 1), 0
    if data[pos : pos + 1] == b"]":
        return spans, pos + 1
    while True:
        if position >= max_recipients:
            raise TooManyRecipients
        record = _FLAT_RECORD.match(data, pos)
        if record is not None:
            end = record.end()
            if end - pos > record_max:
                raise BodyUnusable(f"a recipient may be at most {record_max} bytes", [position])
            fields = _parsed(data[pos:end])
            if any(name in fields for name in forbidden):
                clashing.append(position)
            spans.extend((pos, end))
        elif data[pos : pos + 1] == b"{":  # a flat object's pattern stopped: at something nested, or broken
            stop = _RECORD_START.match(data, pos)
            if stop is not None and data[stop.end() : stop.end() + 1] in (b"{", b"["):
                raise BodyUnusable(SCALARS_ONLY, [position])
            raise _invalid()
        else:
            scalar = _SCALAR.match(data, pos)
            if scalar is None:  # an array, or worse: not read any further
                raise BodyUnusable(
                    "every recipient must be an object (positions count from 0)", [*not_objects, position]
                )
            _parsed(scalar.group())
            not_objects.append(position)
            end = scalar.end()
        position += 1
        pos, closed = _after_item(data, end, b"]")
        if closed:
            break
    if not_objects:
        raise BodyUnusable(NOT_OBJECTS, not_objects)
    if clashing:
        raise BodyUnusable(f"recipients may not have the fields {', '.join(forbidden)}", clashing)
    return spans, pos + 1


def _parsed(raw: bytes) -> Any:
    try:
        return loads(raw)
    except NotJsonNumber as exc:
        raise BodyUnusable(f"the body is not valid JSON: {exc}") from None
    except (ValueError, RecursionError):
        raise _invalid() from None


def _text(raw: bytes) -> str:
    value = _parsed(raw)
    assert isinstance(value, str)  # noqa: S101 - the pattern matched a JSON string
    return value


def _after_item(data: bytes, pos: int, close: bytes) -> tuple[int, bool]:
    """Past an item ending at *pos*: where *close* ends its container (True), or the next item (False)."""
    pos = _space(data, pos)
    if data[pos : pos + 1] == close:
        return pos, True
    if data[pos : pos + 1] != b",":
        raise _invalid()
    return _space(data, pos + 1), False


def _space(data: bytes, pos: int) -> int:
    match = _SPACE.match(data, pos)
    return match.end() if match else pos
