"""Many people, one opt-out each, under one ledger lock: the batches of a suppression import.

One transaction per batch: the ledger head is locked once, every choice is upserted by one
executemany (the rows that changed come back), and their events are chained and inserted by one
more. A batch is all or nothing, so a crash leaves whole batches, and a re-run records nothing that
is already so (an opt-out that stands is no change). The rules are :func:`service.decide`'s: the
same upsert, the same event, only fewer round trips; an identity with a link (rare) goes through
:func:`service.apply_writes` itself, which weighs the linked identities' choices.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from .. import metrics
from ..db import utcnow
from ..ledger import chain
from ..models import Action
from ..pids import Pid
from . import identities
from .service import DecisionContext, Write, apply_writes, channel_of, upsert_choice


def opt_out_many(
    connection: Connection,
    pids: Sequence[Pid],
    scope: str,
    context: DecisionContext,
    topic_channels: Mapping[str, str],
) -> set[Pid]:
    """Record an opt-out of *scope* for every one of *pids* (repeats count once); return the pids
    whose choice changed, each with its one event. Opt-outs only: an opt-in in bulk could overturn
    a refusal, which only the consent import's own rules may weigh, one person at a time."""
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
    version = context.policy_version
    rows = [
        {"pid": pid, "scope": scope, "status": action.value, "at": now, "policy_version": version, "ends_on": None}
        for pid in unique
    ]
    changed = {Pid(row.pid) for row in connection.execute(upsert_choice(connection.dialect.name), rows)}
    channel = channel_of(scope, topic_channels)
    ids = secrets.token_hex(16 * len(changed))  # each person's decision is its own change
    events: list[dict[str, Any]] = [
        {
            "pid": pid,
            "scope": scope,
            "channel": channel,
            "action": action.value,
            "source": context.source.value,
            "campaign_id": context.campaign_id,
            "lang": context.lang,
            "policy_version": context.policy_version,
            "change_id": ids[32 * at : 32 * at + 32],
            "created_at": now,
            "occurred_at": context.occurred_at,
            "evidence": context.evidence,
            "link": None,
            "restores": None,
            "ends_on": None,
        }
        for at, pid in enumerate(pid for pid in unique if pid in changed)
    ]
    chain.append(connection, events, head)
    metrics.count_decisions(connection, context.source, [(scope, action)] * len(events))
    return changed | changed_alone
