"""Many people's decisions under one ledger lock: the batches of the suppression and consent imports.

One transaction per batch: the ledger head is locked once, every choice is upserted by one
statement that unpacks the batch's pids (or rows) itself (the rows that changed come back), and
their events are chained and written through the driver (``COPY`` on PostgreSQL). A batch is all
or nothing, so a crash leaves whole batches, and a re-run records nothing that is already so. The
rules are :func:`service.decide`'s: the same rule of what is a change, the same events, only fewer
round trips and less work per row; an identity with a link (rare) goes through
:func:`service.apply_writes` itself, which weighs the linked identities' choices.

:func:`opt_out_many` writes opt-outs, which no rule refuses, of one scope with one context;
:func:`opt_out_rows` opt-outs whose scope, source, time and evidence differ per row (the intake
API's reports, :mod:`optout.consent.intake`). :func:`opt_in_many` writes only the consents its
caller has already weighed, row by row, with the consent import's rules
(:mod:`optout.consent.imports`) against the choices it read under the same lock. The two that take
rows take each ``(pid, scope)`` at most once a call: :func:`rounds` splits a batch into such calls.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection

from .. import metrics
from ..db import list_value, utcnow
from ..ledger import chain
from ..models import Action, Source
from ..pids import Pid
from . import identities
from .service import DecisionContext, Write, apply_writes, channel_of, upsert_choice_rows, upsert_choices


def opt_out_many(
    connection: Connection,
    pids: Sequence[Pid],
    scope: str,
    context: DecisionContext,
    topic_channels: Mapping[str, str],
) -> set[Pid]:
    """Record an opt-out of *scope* for every one of *pids* (repeats count once); return the pids
    whose choice changed, each with its one event. Opt-outs only: an opt-in in bulk could overturn
    a refusal, which only the consent import's own rules may weigh (:func:`opt_in_many`)."""
    action = Action.OPT_OUT
    unique = list(dict.fromkeys(pids))
    if not unique:
        return set()
    head = chain.lock(connection)  # first, before any choice row, as every writer does
    linked = identities.with_links(connection, unique)
    changed_alone: set[Pid] = set()
    for pid in (pid for pid in unique if pid in linked):  # a linked person's choice is the rule's, one by one
        write = Write(scope, action, context.policy_version)
        if apply_writes(connection, pid, [write], context, topic_channels, head):
            changed_alone.add(pid)
        head = chain.lock(connection)  # the head moved if that wrote an event
    unique = [pid for pid in unique if pid not in linked]
    if not unique:
        return changed_alone
    now = utcnow()
    values: dict[str, Any] = {"pids": list_value(unique), "scope": scope, "status": action.value, "at": now}
    values |= {"policy_version": context.policy_version, "ends_on": None}
    changed: set[Pid] = set(connection.execute(upsert_choices(connection.dialect.name), values).scalars())
    prefix = secrets.token_hex(8)  # each person's decision is its own change, numbered in the batch
    people = [(pid, f"{prefix}{at:016x}") for at, pid in enumerate(sorted(pid for pid in unique if pid in changed))]
    shared = {
        "scope": scope,
        "channel": channel_of(scope, topic_channels),
        "action": action.value,
        "source": context.source.value,
        "campaign_id": context.campaign_id,
        "lang": context.lang,
        "policy_version": context.policy_version,
        "created_at": now,
        "occurred_at": context.occurred_at,
        "evidence": context.evidence,
        "link": None,
        "restores": None,
        "ends_on": None,
    }
    chain.append_uniform(connection, shared, people, head)
    metrics.count_decisions(connection, context.source, [(scope, action)], times=len(people))
    return changed | changed_alone


T = TypeVar("T")


def rounds(items: Iterable[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """*items* in rounds, in the order given: round k holds the k-th item of each *key* (a person
    and scope), so that each round writes a key at most once and a later item of a key, in a later
    round, sees what an earlier one recorded; items of different keys do not weigh on each other."""
    found: list[list[T]] = []
    seen: Counter[Hashable] = Counter()
    for item in items:
        one = key(item)
        if seen[one] == len(found):
            found.append([])
        found[seen[one]].append(item)
        seen[one] += 1
    return found


class _Decided(NamedTuple):
    """One row of :func:`_write_rows`: a choice to hold, and how it was made."""

    pid: Pid
    scope: str
    policy_version: str
    source: Source
    occurred_at: dt.datetime | None
    evidence: str | None


def _write_rows(
    connection: Connection,
    action: Action,
    rows: Sequence[_Decided],
    topic_channels: Mapping[str, str],
    head: tuple[int, str],
) -> set[tuple[Pid, str]]:
    """Make every one of *rows* hold *action* in one upsert (each ``(pid, scope)`` at most once),
    under the ledger lock (*head*); chain one event for each row that changed, in the order given,
    each with its own source, time and evidence; return their ``(pid, scope)``."""
    if not rows:
        return set()
    now = utcnow()
    given = [{"pid": one.pid, "scope": one.scope, "policy_version": one.policy_version} for one in rows]
    values: dict[str, Any] = {"rows": list_value(given), "status": action.value, "at": now, "ends_on": None}
    found = connection.execute(upsert_choice_rows(connection.dialect.name), values)
    changed = {(Pid(pid), scope) for pid, scope in found}
    prefix = secrets.token_hex(8)  # each row is its own change, numbered in the batch
    done = [one for one in rows if (one.pid, one.scope) in changed]
    events: list[dict[str, Any]] = [
        {
            "pid": one.pid,
            "scope": one.scope,
            "channel": channel_of(one.scope, topic_channels),
            "action": action.value,
            "source": one.source.value,
            "campaign_id": None,
            "lang": None,
            "policy_version": one.policy_version,
            "change_id": f"{prefix}{at:016x}",
            "created_at": now,
            "occurred_at": one.occurred_at,
            "evidence": one.evidence,
            "link": None,
            "restores": None,
            "ends_on": None,
        }
        for at, one in enumerate(done)
    ]
    chain.append_rows(connection, events, head)
    for source in dict.fromkeys(one.source for one in done):
        metrics.count_decisions(connection, source, [(one.scope, action) for one in done if one.source is source])
    return changed


class OptOut(NamedTuple):
    """One opt-out reported by another system (:mod:`optout.consent.intake`): whose, of what, how
    and when, and the evidence to record."""

    pid: Pid
    scope: str
    source: Source
    occurred_at: dt.datetime
    evidence: str


def opt_out_rows(
    connection: Connection,
    opt_outs: Sequence[OptOut],
    policy_version: str,
    topic_channels: Mapping[str, str],
    head: tuple[int, str],
) -> set[tuple[Pid, str]]:
    """Record every one of *opt_outs* under the ledger lock (*head*, taken in this transaction
    before anything was read), the choices given under *policy_version*; return the
    ``(pid, scope)`` of those that changed a choice, each with its one event (its own source, time
    and evidence), in the order given.

    Each ``(pid, scope)`` at most once a call (:func:`rounds`). For identities without links only
    (the caller sends a linked person through :func:`service.decide`)."""
    rows = [_Decided(one.pid, one.scope, policy_version, one.source, one.occurred_at, one.evidence) for one in opt_outs]
    return _write_rows(connection, Action.OPT_OUT, rows, topic_channels, head)


class Consent(NamedTuple):
    """One imported opt-in, already weighed by the consent import's rules."""

    pid: Pid
    scope: str
    policy_version: str  # the version in force when it was given
    occurred_at: dt.datetime  # when it was given
    evidence: str


def opt_in_many(
    connection: Connection,
    consents: Sequence[Consent],
    topic_channels: Mapping[str, str],
    head: tuple[int, str],
) -> set[tuple[Pid, str]]:
    """Record the opt-in of every one of *consents* under the ledger lock (*head*, taken in this
    transaction before the caller read the choices it weighed them against); return the
    ``(pid, scope)`` of those that changed a choice, each with its one event, in the order given.

    Each ``(pid, scope)`` at most once in a call (one upsert statement cannot change a row twice):
    a later consent of the same person and topic goes in a later call, after this one's result
    (:func:`rounds`). For identities without links only (the caller sends a linked person through
    :func:`service.decide`)."""
    rows = [
        _Decided(one.pid, one.scope, one.policy_version, Source.IMPORT, one.occurred_at, one.evidence)
        for one in consents
    ]
    return _write_rows(connection, Action.OPT_IN, rows, topic_channels, head)
