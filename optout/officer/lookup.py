"""One person's record, found through the pseudonymous id of their address.

The address is used only to compute the id, in memory: it is never stored, logged or put in a URL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..consent import service as consent
from ..consent.rules import Blocker, Freshness, TopicLike
from ..identity import pid_of
from ..models import ConsentEvent
from ..pids import Pid


@dataclass(frozen=True)
class PersonRecord:
    """What is recorded about one person: their id, current choices, every ledger event, and for
    each topic (by key) what the send rule says now (None: it may be sent)."""

    pid: Pid
    choices: consent.Choices
    history: Sequence[ConsentEvent]
    verdicts: Mapping[str, Blocker | None]

    @property
    def empty(self) -> bool:
        """True when nothing at all is recorded for this person."""
        return not self.choices.statuses and not self.history


def person_record(
    session: Session, id_key: bytes, address: str, topics: Sequence[TopicLike], *, fresh: Freshness
) -> PersonRecord:
    """The record of *address*; raises :class:`~optout.identity.AddressInvalid` for a non-address."""
    pid = pid_of(id_key, address)
    return PersonRecord(
        pid,
        consent.choices_of(session, pid),
        consent.history(session, pid),
        consent.sendability(session, pid, topics, fresh=fresh),
    )
