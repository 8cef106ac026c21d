"""Officer accounts and password checks, with a lockout that holds across workers.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile): salted, memory-hard, and re-hashed at the next login when the parameters change. The
failure count and the lock live on the ``officer`` row, so every gunicorn worker sees them. An
unknown address costs the same hash verification as a known one, so timing tells nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import utcnow
from ..identity import AddressInvalid, normalize
from ..models import Officer

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing is cheap per byte, but nobody needs more
MAX_FAILURES = 5  # consecutive failed logins that lock an account
LOCK_TIME = dt.timedelta(minutes=15)

_HASHER = PasswordHasher()


class OfficerError(ValueError):
    """An account request that cannot be carried out; the message says why."""


class Outcome(enum.StrEnum):
    """How a login attempt ended. Only the edge's logs and audit see the difference."""

    OK = "ok"
    UNKNOWN = "unknown-account"
    WRONG_PASSWORD = "wrong-password"  # noqa: S105  (an outcome's name, not a password)
    LOCKED = "locked"  # tried while the account was locked (even a right password is refused)
    LOCKED_NOW = "locked-now"  # this failure locked the account


@dataclass(frozen=True)
class Attempt:
    """The outcome of one login attempt, and the account when the address names one."""

    outcome: Outcome
    officer: Officer | None

    @property
    def ok(self) -> bool:
        """True when the officer may be signed in."""
        return self.outcome is Outcome.OK


def check_password(password: str) -> str:
    """Return *password* if it is long enough to be an officer's; raise :class:`OfficerError`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise OfficerError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise OfficerError(f"the password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    return password


def _address(email: str) -> str:
    try:
        return normalize(email)
    except AddressInvalid as exc:
        raise OfficerError(f"{email!r} is not an email address: {exc.problem}.") from None


def available_address(session: Session, email: str) -> str:
    """The normalized *email*, if it is an address no officer has yet; else :class:`OfficerError`."""
    address = _address(email)
    if session.scalar(select(Officer.id).where(Officer.email == address)) is not None:
        raise OfficerError(f"an officer with the address {address} exists already.")
    return address


def add_officer(session: Session, email: str, password: str) -> Officer:
    """Create an officer account; the password is stored only as an argon2id hash."""
    address = available_address(session, email)
    check_password(password)
    officer = Officer(email=address, password_hash=_HASHER.hash(password), failed_logins=0)
    session.add(officer)
    session.flush()
    return officer


def officer_at(session: Session, email: str) -> Officer:
    """The officer with address *email*, or :class:`OfficerError`."""
    officer = session.scalar(select(Officer).where(Officer.email == _address(email)))
    if officer is None:
        raise OfficerError(f"no officer has the address {email.strip()}.")
    return officer


def set_password(session: Session, email: str, password: str) -> Officer:
    """Give an officer a new password, lift any lockout and end their logins (the session epoch)."""
    officer = officer_at(session, email)
    officer.password_hash = _HASHER.hash(check_password(password))
    officer.failed_logins = 0
    officer.locked_until = None
    officer.session_epoch += 1
    session.flush()
    return officer


def remove_officer(session: Session, email: str) -> None:
    """Delete an officer account; its console login stops working at its next request."""
    session.delete(officer_at(session, email))
    session.flush()


def officers(session: Session) -> Sequence[Officer]:
    """Every officer account, oldest first."""
    return session.scalars(select(Officer).order_by(Officer.id)).all()


def officer_by_id(session: Session, officer_id: int) -> Officer | None:
    """The officer with this id, if the account still exists."""
    return session.get(Officer, officer_id)


@functools.cache
def _dummy_hash() -> str:
    # Verified against when the address is unknown, so that answer takes as long as a real check.
    return _HASHER.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, email: str, password: str, *, now: dt.datetime | None = None) -> Attempt:
    """Check a login; count failures and lock the account after :data:`MAX_FAILURES` in a row.

    The password is verified in every case (a dummy hash for an unknown address, and while
    locked), so neither existence nor the lock shows in the response time.
    """
    now = now or utcnow()
    try:
        address = normalize(email)
    except AddressInvalid:
        address = None
    officer = None if address is None else session.scalar(select(Officer).where(Officer.email == address))
    if officer is None:
        _verify(_dummy_hash(), password[:MAX_PASSWORD_LENGTH])
        return Attempt(Outcome.UNKNOWN, None)
    right = len(password) <= MAX_PASSWORD_LENGTH and _verify(officer.password_hash, password)
    if officer.locked_until is not None and officer.locked_until > now:
        return Attempt(Outcome.LOCKED, officer)
    if not right:
        # One statement, so failures counted at once by two workers are both counted.
        failures = session.execute(
            update(Officer)
            .where(Officer.id == officer.id)
            .values(failed_logins=Officer.failed_logins + 1)
            .returning(Officer.failed_logins)
        ).scalar_one()
        if failures < MAX_FAILURES:
            return Attempt(Outcome.WRONG_PASSWORD, officer)
        officer.failed_logins = 0  # the next run of failures starts afresh once the lock lifts
        officer.locked_until = now + LOCK_TIME
        session.flush()
        return Attempt(Outcome.LOCKED_NOW, officer)
    officer.failed_logins = 0
    officer.locked_until = None
    if _HASHER.check_needs_rehash(officer.password_hash):
        officer.password_hash = _HASHER.hash(password)
    session.flush()
    return Attempt(Outcome.OK, officer)
