"""Register privacy-policy versions and work out which recorded opt-ins still count.

The policy (§ 2) promises fresh consent after a material change. Every ledger event and every
choice records the version in force when it was made, so after a material version comes into
force an opt-in counts for a consent-basis topic only if it was given under that version or a
later one. Opt-outs never go stale.

Until a version is registered, the version, date and URL from the configuration
(``OPTOUT_POLICY_*``) are in force.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import scopes
from ..config import Settings
from ..consent.rules import Freshness, TopicLike
from ..dates import local_date
from ..db import utcnow
from ..models import Basis, Choice, PolicyVersion, Status


class PolicyError(ValueError):
    """A version that cannot be registered."""


@dataclass(frozen=True)
class Policy:
    """One version of the privacy policy."""

    version: str
    effective_on: dt.date
    url: str
    material: bool = False


@dataclass(frozen=True)
class PolicyState:
    """The version in force, and the versions whose opt-ins still count (None: all of them)."""

    current: Policy
    fresh: frozenset[str] | None
    material_since: dt.date | None
    registered: tuple[Policy, ...]

    @property
    def freshness(self) -> Freshness:
        """Which opt-ins still count, as the send rule takes it."""
        return Freshness(self.fresh)

    def version_at(self, moment: dt.datetime, fallback: str) -> str:
        """The version that was in force at *moment* (*fallback* before the first registered one)."""
        day = local_date(moment)
        version = fallback
        for policy in self.registered:
            if policy.effective_on <= day:
                version = policy.version
        return version


_PV = cast(Table, PolicyVersion.__table__)
_REGISTERED = select(_PV.c.version, _PV.c.effective_on, _PV.c.url, _PV.c.material).order_by(
    _PV.c.effective_on, _PV.c.id
)


def registered(connection: Connection) -> tuple[Policy, ...]:
    """Every registered version, oldest in force first."""
    return tuple(Policy(*row) for row in connection.execute(_REGISTERED))


def _freshness(in_force: Sequence[Policy]) -> tuple[frozenset[str] | None, dt.date | None]:
    last_material = max((i for i, policy in enumerate(in_force) if policy.material), default=None)
    if last_material is None:
        return None, None
    return frozenset(policy.version for policy in in_force[last_material:]), in_force[last_material].effective_on


def _today() -> dt.date:
    return local_date(utcnow())


def fresh_versions(connection: Connection, today: dt.date | None = None) -> frozenset[str] | None:
    """The versions whose opt-ins still count (None: all), read now: the filter calls this once per run."""
    day = today or _today()
    return _freshness([policy for policy in registered(connection) if policy.effective_on <= day])[0]


def state(session: Session, settings: Settings, today: dt.date | None = None) -> PolicyState:
    """Which version is in force *today* (default: today in Norway) and which opt-ins still count."""
    day = today or _today()
    versions = registered(session.connection())
    in_force = [policy for policy in versions if policy.effective_on <= day]
    base = Policy(settings.policy_version, settings.policy_date, settings.policy_url)
    fresh, since = _freshness(in_force)
    return PolicyState(in_force[-1] if in_force else base, fresh, since, versions)


def register(session: Session, version: str, effective_on: dt.date, url: str, *, material: bool) -> Policy:
    """Register a new version; versions are never edited or removed (events refer to them)."""
    version, url = version.strip(), url.strip()
    if not version or len(version) > 64:
        raise PolicyError("the version must be 1 to 64 characters")
    if not url.startswith(("https://", "http://")):
        raise PolicyError("the URL must start with https:// (or http://)")
    row = PolicyVersion(version=version, effective_on=effective_on, url=url, material=material)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise PolicyError(f"version {version!r} is already registered") from None
    return Policy(row.version, row.effective_on, row.url, row.material)


def stale_counts(session: Session, policy: PolicyState, topics: Sequence[TopicLike]) -> dict[str, int]:
    """For each consent-basis topic, how many recipients' opt-ins a material change made stale."""
    keys = [topic.key for topic in topics if topic.basis == Basis.CONSENT]
    counts = dict.fromkeys(keys, 0)
    if policy.fresh is None or not keys:
        return counts
    stmt = (
        select(Choice.scope, func.count())
        .where(
            Choice.scope.in_([scopes.topic(key) for key in keys]),
            Choice.status == Status.OPTED_IN,
            (Choice.policy_version.is_(None)) | (Choice.policy_version.not_in(sorted(policy.fresh))),
        )
        .group_by(Choice.scope)
    )
    for scope, count in session.execute(stmt):
        counts[scopes.split(scope)[1]] = int(count)
    return counts


class PolicyCache:
    """The policy state for pages, read at most every *ttl* seconds (a registration shows within that)."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._state: PolicyState | None = None
        self._until = 0.0
        self._ttl = ttl

    def state(self, session: Session, settings: Settings) -> PolicyState:
        """The cached state, refreshed when it is older than the TTL."""
        now = time.monotonic()
        cached = self._state
        if cached is None or now >= self._until:
            cached = state(session, settings)
            with self._lock:
                self._state, self._until = cached, now + self._ttl
        return cached
