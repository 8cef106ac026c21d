"""Hash-chain the consent ledger so that any altered, removed or inserted event is detected.

Every event gets a sequence number and two hashes:

- ``digest = SHA-256(canonical(event))`` where the canonical form is a compact JSON array of the
  event's fields in a fixed order, its sequence number and a random 128-bit ``nonce``;
- ``chain = SHA-256(prev_chain ‖ digest)`` (raw bytes), with ``prev_chain`` the chain value of
  the event before (32 zero bytes for the first).

The digest is a *hiding* commitment: without the nonce nobody can test a guess of the content
against it. Erasure therefore deletes an event's content and nonce but keeps its sequence number,
digest and chain values, and the chain still verifies end to end.

Appends lock the single ``ledger_head`` row first (before any choice is touched), so concurrent
writers take turns in one order and can never fork the chain or deadlock each other.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Table, text

from ..db import insert_rows
from ..models import ConsentEvent
from ..prepared import Prepared

GENESIS = "0" * 64
# The fields a digest covers, in this order. Changing it invalidates every stored digest.
FIELDS = (
    "seq",
    "pid",
    "scope",
    "channel",
    "action",
    "source",
    "campaign_id",
    "lang",
    "policy_version",
    "change_id",
    "created_at",
    "occurred_at",
    "evidence",
    "nonce",
)
# Fields added later, after the nonce: trailing ones that are null are left out of the canonical
# form, so an event written before they existed keeps its digest, and one that has them commits to them.
# A date (a pause's ends_on) is written as its ISO text.
LATER_FIELDS = ("link", "restores", "ends_on")
ALL_FIELDS = FIELDS + LATER_FIELDS
_EVENT = cast(Table, ConsentEvent.__table__)
_LOCK_HEAD = Prepared(text("UPDATE ledger_head SET seq = seq WHERE id = 1 RETURNING seq, chain"))
_MOVE_HEAD = Prepared(text("UPDATE ledger_head SET seq = :seq, chain = :chain WHERE id = 1"))


def timestamp(value: dt.datetime | None) -> str | None:
    """The one text form of a time in digests and exports: UTC ISO 8601 with microseconds."""
    if value is None:
        return None
    return _utc_text(value)


@functools.lru_cache(maxsize=256)  # an import's batch stamps thousands of events with one time
def _utc_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day(value: Any) -> Any:
    """A date as its ISO text (a datetime never reaches here: later fields hold no times)."""
    return value.isoformat() if isinstance(value, dt.date) else value


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes a digest is taken over (times may be datetimes or their :func:`timestamp` text)."""
    return json.dumps(_values(event), ensure_ascii=False, separators=(",", ":")).encode()


def _values(event: Mapping[str, Any]) -> list[Any]:
    values = []
    for name in FIELDS:
        value = event[name]
        if isinstance(value, dt.datetime):
            value = timestamp(value)
        values.append(value)
    later = [_day(event.get(name)) for name in LATER_FIELDS]
    while later and later[-1] is None:
        later.pop()
    values.extend(later)
    return values


def uniform_canonical(shared: Mapping[str, Any]) -> Callable[[int, str, str, str], bytes]:
    """:func:`canonical` of events that share every field but ``seq``, ``pid``, ``change_id`` and
    ``nonce``, as a function of those four: a batch's shared fields are encoded once.

    The result is byte for byte :func:`canonical`'s: a compact JSON array of scalars is its items'
    JSON joined by commas, and the four are an integer and hex text, whose JSON is the text in
    quotes (:func:`append_uniform` checks that they are hex)."""
    probe = {**shared, "seq": 0, "pid": "", "change_id": "", "nonce": ""}
    items = [json.dumps(value, ensure_ascii=False) for value in _values(probe)]
    between_pid_and_change = ",".join(items[2:9])  # scope … policy_version
    between_change_and_nonce = ",".join(items[10:13])  # created_at, occurred_at, evidence
    tail = "".join("," + item for item in items[14:]) + "]"  # the later fields that are set

    def encode(seq: int, pid: str, change_id: str, nonce: str) -> bytes:
        return (
            f'[{seq},"{pid}",{between_pid_and_change},"{change_id}",{between_change_and_nonce},"{nonce}"{tail}'.encode()
        )

    return encode


def digest_of(event: Mapping[str, Any]) -> str:
    """The hex SHA-256 of the event's canonical form."""
    return hashlib.sha256(canonical(event)).hexdigest()


def link(prev_chain: str, digest: str) -> str:
    """The chain value of an event whose predecessor's chain value is *prev_chain*."""
    return hashlib.sha256(bytes.fromhex(prev_chain) + bytes.fromhex(digest)).hexdigest()


def lock(connection: Connection) -> tuple[int, str]:
    """Take the ledger's write lock (held until commit); return the head's (seq, chain)."""
    [(seq, chain)] = _LOCK_HEAD.run(connection)
    return int(seq), str(chain)


def append(connection: Connection, events: Sequence[Mapping[str, Any]], head: tuple[int, str] | None = None) -> None:
    """Chain and insert *events* (column values without seq and hashes) after *head*, what :func:`lock`
    returned in this transaction with nothing appended since (None: lock and read it now).

    Every writer's way in: :func:`append_rows` does the work, through the driver."""
    if not events:
        return
    append_rows(connection, events, head if head is not None else lock(connection))


# The columns append_uniform writes ahead of the hashes: the four that vary per event, then the shared ones.
_OWN = ("seq", "pid", "change_id", "nonce")
_SHARED = tuple(name for name in ALL_FIELDS if name not in _OWN)
_HASHES = ("digest", "prev_chain", "chain")
_HEX = re.compile(r"[0-9a-f]*")
T = TypeVar("T")


def _chain_and_write(
    connection: Connection,
    columns: Sequence[str],
    head: tuple[int, str],
    items: Sequence[T],
    encode: Callable[[T, int, str], tuple[bytes, tuple[Any, ...]]],
) -> None:
    """Give each of *items* the next seq and a nonce, its digest and chain value after *head*,
    and write them all through the driver (:func:`optout.db.insert_rows`), then move the head.

    *encode* makes of an item, its seq and its nonce the canonical bytes its digest is taken
    over and its values of *columns*; the hashes follow them in each row."""
    seq, chain = head
    previous = bytes.fromhex(chain)
    nonces = secrets.token_hex(16 * len(items))  # one call to the system's random source
    sha256 = hashlib.sha256
    rows = []
    for at, item in enumerate(items):
        seq += 1
        form, values = encode(item, seq, nonces[32 * at : 32 * at + 32])
        digest = sha256(form).digest()
        linked = sha256(previous + digest).digest()
        next_chain = linked.hex()
        rows.append((*values, digest.hex(), chain, next_chain))
        previous, chain = linked, next_chain
    insert_rows(connection, _EVENT, (*columns, *_HASHES), rows)
    _MOVE_HEAD.run(connection, {"seq": seq, "chain": chain})


def append_uniform(
    connection: Connection,
    shared: Mapping[str, Any],
    people: Sequence[tuple[str, str]],
    head: tuple[int, str],
) -> None:
    """Chain and insert one event per ``(pid, change_id)`` of *people*, every other field from
    *shared* (scope, action, source, times…), after *head* (:func:`lock`'s, nothing appended since).

    The events are :func:`append`'s, digest for digest; only the work per event is less (the
    shared fields encoded once)."""
    if not people:
        return
    if not _HEX.fullmatch("".join(pid + change_id for pid, change_id in people)):
        raise ValueError("pids and change ids must be lower-case hex")
    canonical_of = uniform_canonical(shared)
    shared_values = tuple(shared.get(name) for name in _SHARED)

    def encode(person: tuple[str, str], seq: int, nonce: str) -> tuple[bytes, tuple[Any, ...]]:
        pid, change_id = person
        return canonical_of(seq, pid, change_id, nonce), (seq, pid, change_id, nonce, *shared_values)

    _chain_and_write(connection, _OWN + _SHARED, head, people, encode)


def append_rows(connection: Connection, events: Sequence[Mapping[str, Any]], head: tuple[int, str]) -> None:
    """Chain and insert *events* (column values without seq, nonce and hashes) after *head*
    (:func:`lock`'s, nothing appended since), written through the driver.

    The events are :func:`append`'s, digest for digest (each one's own :func:`canonical` form):
    for a batch whose events differ in more than pid and change id (a consent import's times,
    evidence and policy versions), where :func:`append_uniform` does not fit. *events* are not
    changed."""
    if not events:
        return

    def encode(event: Mapping[str, Any], seq: int, nonce: str) -> tuple[bytes, tuple[Any, ...]]:
        own = {**event, "seq": seq, "nonce": nonce}
        return canonical(own), tuple(own.get(name) for name in ALL_FIELDS)

    _chain_and_write(connection, ALL_FIELDS, head, events, encode)
