"""The send rule: may a message of a topic (from a partner) go to a person now, and if not, why.

This module is the rule's one home. It is pure (no database, no Flask): the filter, the
preference and unsubscribe pages, ``optout recipient show``, the officer's look-up and the access
package all read the person's choices and ask :func:`blocker`, so they cannot disagree. Which
policy versions' opt-ins still count is a required argument (:class:`Freshness`): a caller can
not forget a material policy change by leaving an argument out.

A pause (scope ``pause:email``) holds back email that would otherwise be sent, through its last
day in Norway's calendar: it is the last check, so a refusal or a missing consent is reported
as such, and a pause never hides one. The day is :func:`optout.dates.today` unless given.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from .. import dates, scopes
from ..models import Basis, Channel, Status


class TopicLike(Protocol):
    """What deciding about a topic needs: a cached copy or the row itself."""

    @property
    def key(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def basis(self) -> str: ...


class Blocker(enum.StrEnum):
    """What stops a message, most general first."""

    EVERYTHING = "opted-out-everything"
    CHANNEL = "opted-out-channel"
    PARTNER = "opted-out-partner"
    TOPIC = "opted-out-topic"
    NO_CONSENT = "no-consent"
    STALE_CONSENT = "consent-predates-policy"
    PAUSED = "paused"


# The blockers that are a recorded "no" of the person's (the others are a missing "yes").
REFUSALS = frozenset({Blocker.EVERYTHING, Blocker.CHANNEL, Blocker.PARTNER, Blocker.TOPIC})


@dataclass(frozen=True)
class Freshness:
    """Which policy versions' opt-ins still count: after a material change, only those since it."""

    versions: frozenset[str] | None  # None: no material change is in force, every opt-in counts

    def counts(self, version: str | None) -> bool:
        """True when an opt-in given under *version* still counts."""
        return self.versions is None or version in self.versions


EVERY_VERSION_COUNTS = Freshness(None)


class Recorded(NamedTuple):
    """One recorded choice: its status, the policy version it was given under, a pause's last day."""

    status: str
    policy_version: str | None
    ends_on: dt.date | None = None


@dataclass(frozen=True)
class Choices:
    """A person's recorded choices, by scope (no entry: the person never chose)."""

    recorded: Mapping[str, Recorded] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[Sequence[Any]]) -> Choices:
        """The choices from ``(scope, status, policy version[, ends_on])`` rows (ends_on: a date or its text)."""
        recorded = {}
        for scope, status, version, *rest in rows:
            ends_on = rest[0] if rest else None
            if isinstance(ends_on, str):  # SQLite's driver, read without SQLAlchemy, gives the text
                ends_on = dt.date.fromisoformat(ends_on) if ends_on else None
            recorded[scope] = Recorded(status, version, ends_on)
        return cls(recorded)

    @property
    def statuses(self) -> dict[str, str]:
        """Each scope's recorded status."""
        return {scope: choice.status for scope, choice in self.recorded.items()}

    def status(self, scope: str) -> str | None:
        """The recorded status of *scope*, or None when the person never chose."""
        choice = self.recorded.get(scope)
        return choice.status if choice else None

    def refused(self, scope: str) -> bool:
        """True when *scope* is opted out."""
        return self.status(scope) == Status.OPTED_OUT


def paused_until(choices: Choices, today: dt.date | None = None) -> dt.date | None:
    """The last day of the person's pause of email if it holds on *today* (default: today in Norway)."""
    choice = choices.recorded.get(scopes.PAUSE_EMAIL)
    if choice is None or choice.status != Status.PAUSED or choice.ends_on is None:
        return None
    return choice.ends_on if (today or dates.today()) <= choice.ends_on else None


def stale(choices: Choices, topic: TopicLike, fresh: Freshness) -> bool:
    """True when *topic* needs consent and the person's opt-in predates a material policy change."""
    choice = choices.recorded.get(scopes.topic(topic.key))
    return (
        topic.basis == Basis.CONSENT
        and choice is not None
        and choice.status == Status.OPTED_IN
        and not fresh.counts(choice.policy_version)
    )


def wants_topic(choices: Choices, topic: TopicLike, fresh: Freshness) -> bool:
    """The topic-level answer: the recorded choice (if it still counts), else the basis's default."""
    choice = choices.recorded.get(scopes.topic(topic.key))
    if choice is None:
        return topic.basis == Basis.OPT_OUT
    return choice.status == Status.OPTED_IN and not stale(choices, topic, fresh)


def blocker(
    choices: Choices,
    topic: TopicLike,
    *,
    partner_slug: str | None,
    fresh: Freshness,
    today: dt.date | None = None,
) -> Blocker | None:
    """Why a message of *topic* (from *partner_slug*, if any) may not be sent on *today* (default:
    today in Norway); None if it may."""
    if choices.refused(scopes.EVERYTHING):
        return Blocker.EVERYTHING
    if choices.refused(scopes.channel(topic.channel)):
        return Blocker.CHANNEL
    if partner_slug is not None and choices.refused(scopes.partner(partner_slug)):
        return Blocker.PARTNER
    if choices.refused(scopes.topic(topic.key)):
        return Blocker.TOPIC
    if not wants_topic(choices, topic, fresh):
        return Blocker.STALE_CONSENT if stale(choices, topic, fresh) else Blocker.NO_CONSENT
    if topic.channel == Channel.EMAIL and paused_until(choices, today) is not None:
        return Blocker.PAUSED
    return None
