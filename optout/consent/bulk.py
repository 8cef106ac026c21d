"""Many people, one opt-out each, under one ledger lock: the batches of a suppression import.

One transaction per batch: the ledger head is locked once, every choice is upserted by one
statement that unpacks the batch's pids itself (the rows that changed come back), and their events
are chained and written through the driver (``COPY`` on PostgreSQL). A batch is all or nothing, so
a crash leaves whole batches, and a re-run records nothing that is already so (an opt-out that
stands is no change). The rules are :func:`service.decide`'s: the same rule of what is a change,
the same events, only fewer round trips and less work per row; an identity with a link (rare)
goes through :func:`service.apply_writes` itself, which weighs the linked identities' choices.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from .. import metrics
from ..db import list_value, utcnow
from ..ledger import chain
from ..models import Action
from ..pids import Pid
from . import identities
from .service import DecisionContext, Write, apply_writes, channel_of, upsert_choices


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
    metrics.count_decisions(connection, context.source, [(scope, action)] * len(people))
    return changed | changed_alone
