"""The console's words for codes, in the page's language: the shared, Flask-free tables of
:mod:`optout.labels` (which the access package and the record of processing use too), translated
into the request's language. An unknown code is shown as it is rather than hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import labels as words
from ..labels import Names
from ..labels import audit as audit_words
from ..web.i18n import current_language


def action(code: str) -> str:
    """A ledger action (no scope known: an opt-in reads "Opted in")."""
    return words.word(words.ACTIONS, code, current_language())


def choice(scope: str, status: str) -> str:
    """A current choice of *scope*: an opt-in on everything or a channel only lifts a refusal."""
    return words.status(scope, status, current_language())


def event_action(scope: str, code: str) -> str:
    """A ledger event's action on *scope*, worded as :func:`choice` words a choice."""
    return words.action(scope, code, current_language())


def source(code: str) -> str:
    """Where a ledger event came from."""
    return words.word(words.SOURCES, code, current_language())


def reason(code: str) -> str:
    """Why a row of a sending list was not kept, or why a topic may not be sent."""
    return words.reason(code, current_language())


def opt_out_kind(code: str) -> str:
    """A kind of opt-out in a campaign report."""
    return words.word(words.OPT_OUT_KIND_LABELS, code, current_language())


def fault(code: str) -> str:
    """What is wrong with the ledger at its first bad place."""
    return words.word(words.FAULTS, code, current_language())


def audit_action(code: str) -> str:
    """An audit entry's action (the codes of entries from before 0009 too)."""
    return audit_words.action(code, current_language())


def audit_detail(code: str, data: Mapping[str, Any], subject_pid: str | None, names: Names) -> str:
    """An audit entry's detail in the viewer's language."""
    return audit_words.detail(code, data, subject_pid, names.in_language(current_language()))
