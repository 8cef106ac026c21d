"""Cells of the CSV files the center writes, made safe to open in a spreadsheet, reversibly.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, TAB or
CR) as a formula, so such a text cell is written with a leading ``'`` (OWASP's advice), which
spreadsheets show as plain text. A cell that already starts with ``'`` gets one more, so that
:func:`unescape` (dropping exactly one leading ``'``) gives back every value as it was: a ledger
export still verifies. Only text is escaped: the numbers we write are never negative and dates
start with a digit. JSON Lines, where we offer it, holds the exact values.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
_ESCAPED = frozenset((*FORMULA_STARTS, _QUOTE))  # first characters that get the quote


def escape(value: object) -> object:
    """*value* as a CSV cell a spreadsheet shows as text (see the module's docstring)."""
    if isinstance(value, str) and value[:1] in _ESCAPED:
        return _QUOTE + value
    return value


def unescape(cell: str) -> str:
    """The value :func:`escape` wrote as *cell*: one leading ``'`` less, if there is one."""
    return cell[1:] if cell.startswith(_QUOTE) else cell


def escaped_row(values: Iterable[object]) -> list[object]:
    """Every cell of a row through :func:`escape` (inlined: a ledger export escapes 21 cells an event)."""
    return [_QUOTE + value if isinstance(value, str) and value[:1] in _ESCAPED else value for value in values]


def starts_like_a_formula(text: str) -> bool:
    """True when *text* starts with a character a spreadsheet would take for a formula."""
    return text.startswith(FORMULA_STARTS)
