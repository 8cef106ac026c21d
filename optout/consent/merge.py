"""One person's choices from several identities: per scope, the most recent decision wins.

A person may be known by an email id and a phone id that marketing data linked
(:mod:`optout.consent.identities`). Their choice for a scope is the latest one recorded for any of
those ids (the ``changed_at`` of its choice row); at the same instant a refusal wins, so a tie can
never turn an opt-out into a send. This is the merge's one definition: the pages, the CLI, the
console and the package (through :func:`optout.consent.service.choices_of`) and the filter
(:mod:`optout.lists.decider`) all call :func:`latest`, and pure, so a test can check them together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..models import Status

# At one instant, which status wins: a refusal first, then a pause (holds back), an opt-in last.
_RANK = {Status.OPTED_OUT.value: 2, Status.PAUSED.value: 1, Status.OPTED_IN.value: 0}


def _key(row: Sequence[Any]) -> tuple[Any, ...]:
    _scope, status, version, ends_on, changed_at = row
    return (changed_at, _RANK.get(str(status), 3), str(version or ""), str(ends_on or ""))


def latest(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, Any, Any, Any]]:
    """From ``(scope, status, policy version, ends_on, changed_at)`` rows of any of one person's
    identities, the ``(scope, status, policy version, ends_on)`` of each scope's winning row.

    ``changed_at`` must be of one kind in one call (datetimes, or the text one driver gives)."""
    best: dict[Any, Sequence[Any]] = {}
    for row in rows:
        scope = row[0]
        held = best.get(scope)
        if held is None or _key(row) > _key(held):
            best[scope] = row
    return [(scope, status, version, ends_on) for scope, status, version, ends_on, _at in best.values()]
