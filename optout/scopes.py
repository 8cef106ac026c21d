"""Scopes a choice applies to, written as strings: ``everything``, ``topic:KEY``,
``partner:SLUG``, ``channel:email|phone`` or ``pause:email`` (a pause of all email, with its
last day). One string keeps the ledger readable in exports."""

from __future__ import annotations

EVERYTHING = "everything"
PAUSE_EMAIL = "pause:email"  # pausing is for email only


def topic(key: str) -> str:
    """The scope of one topic."""
    return f"topic:{key}"


def partner(slug: str) -> str:
    """The scope of one marketing partner."""
    return f"partner:{slug}"


def channel(name: str) -> str:
    """The scope of one channel (email or phone)."""
    return f"channel:{name}"


def split(scope: str) -> tuple[str, str]:
    """Return ``(kind, key)``; ``everything`` has an empty key."""
    kind, _sep, key = scope.partition(":")
    return kind, key
