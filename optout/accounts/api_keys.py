"""API keys: created once, stored only as a SHA-256 hash, revoked but never deleted.

A key is 256 random bits, so an unsalted fast hash is enough: nobody can guess a preimage, and
looking a key up by its hash (an index lookup, not a comparison of secrets) tells a timing
attacker at most something about the hash, which does not help to forge a key.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..models import ApiKey

__all__ = ["Scope", "authenticate", "create_key", "list_keys", "revoke_key", "scopes_of"]


class Scope(enum.StrEnum):
    """What an API key may do; each operation needs one (a key holds one or more)."""

    FILTER = "filter"  # filter sending lists, and get the kept recipients' links
    LINKS = "links"  # mint links for any address
    OPT_OUTS = "opt-outs"  # report opt-outs taken elsewhere (an IVR, an SMS gateway); never an opt-in


KEY_PREFIX = "oo_"  # lets secret scanners and people recognise a leaked key
MAX_KEY_LENGTH = 100  # ours are 46 characters; anything much longer is not one of ours
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def scopes_of(key: ApiKey) -> frozenset[str]:
    """The scopes *key* holds."""
    return frozenset(key.scopes.split())


class ApiKeyError(ValueError):
    """A key request that cannot be carried out; the message says why."""


def hash_key(key: str) -> str:
    """The SHA-256 hex digest stored for *key*."""
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, name: str, scopes: Collection[Scope]) -> str:
    """Create key *name* holding *scopes* (at least one) and return the key itself: the only time it is known."""
    if not scopes:
        raise ApiKeyError(
            f"give API key {name!r} at least one scope ({', '.join(Scope)}): a key may do only what it names."
        )
    if not NAME.match(name):
        raise ApiKeyError(f"{name!r} is not a valid key name: use letters, digits, '.', '_' and '-', at most 64.")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise ApiKeyError(f"an API key named {name!r} exists already (revoked names stay taken).")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    listed = " ".join(scope.value for scope in Scope if scope in scopes)  # in a fixed order
    session.add(ApiKey(name=name, key_hash=hash_key(key), scopes=listed))
    session.flush()
    return key


def revoke_key(session: Session, name: str) -> bool:
    """Revoke key *name*; False when it was revoked already."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise ApiKeyError(f"no API key is named {name!r}.")
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    session.flush()
    return True


def list_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, revoked ones too, oldest first."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def authenticate(session: Session, presented: str) -> ApiKey | None:
    """The live key matching *presented*, or None for an unknown, malformed or revoked key."""
    if not presented.startswith(KEY_PREFIX) or len(presented) > MAX_KEY_LENGTH or not presented.isascii():
        return None
    digest = hash_key(presented)
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == digest))
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.key_hash, digest):
        return None
    return key
