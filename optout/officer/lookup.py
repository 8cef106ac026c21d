"""One person's record, found through the pseudonymous id of their address or phone number.

The address or number is used only to compute the id, in memory: it is never stored, logged or
put in a URL. The identities linked to it are shown by id and kind only: we keep no address or
number of theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..consent import identities
from ..consent import service as consent
from ..consent.rules import Blocker, Freshness, TopicLike
from ..models import Channel, ConsentEvent
from ..pids import Pid


@dataclass(frozen=True)
class LinkedRecord:
    """An identity linked to the person's: its id, kind, own choices and ledger events."""

    pid: Pid
    channel: Channel
    choices: consent.Choices
    history: Sequence[ConsentEvent]


@dataclass(frozen=True)
class PersonRecord:
    """What is recorded about one person: their id, current choices (merged across their linked
    identities), every ledger event, and for each topic (by key) what the send rule says now
    (None: it may be sent), and the identities linked to theirs."""

    pid: Pid
    choices: consent.Choices
    history: Sequence[ConsentEvent]
    verdicts: Mapping[str, Blocker | None]
    linked: Sequence[LinkedRecord] = ()

    @property
    def empty(self) -> bool:
        """True when nothing at all is recorded for this person."""
        return not self.choices.statuses and not self.history and not self.linked


def person_record(
    session: Session, pid: Pid, channel: Channel, topics: Sequence[TopicLike], *, fresh: Freshness
) -> PersonRecord:
    """The record of the *channel* identity *pid* and of the identities linked to it."""
    other = Channel.EMAIL if channel is Channel.PHONE else Channel.PHONE  # a link joins an address and a number
    return PersonRecord(
        pid,
        consent.choices_of(session, pid),
        consent.history(session, pid),
        consent.sendability(session, pid, topics, fresh=fresh),
        [
            LinkedRecord(one, other, consent.own_choices_of(session, one), consent.history(session, one))
            for one in identities.linked(session.connection(), pid)
        ],
    )
