"""Signed link tokens: mint a recipient's links, read one back, or get :class:`TokenInvalid`.

A token carries a pseudonymous id, a campaign and a language, never an address; links never
expire; keys rotate through ``OPTOUT_SECRET_KEYS``. The design: ``docs/design/tokens.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..pids import PidBytes
from . import mailcode
from .fast import MAC_STRIDE, MAC_TEXT, PAYLOAD_STRIDE, Minter, PairMinter, Reader, TokenRun
from .format import LANGUAGES, LinkClaims, Purpose, TokenInvalid

__all__ = [
    "LANGUAGES",
    "MAC_STRIDE",
    "MAC_TEXT",
    "PAYLOAD_STRIDE",
    "LinkClaims",
    "Minter",
    "PairMinter",
    "Purpose",
    "TokenInvalid",
    "TokenRun",
    "TokenService",
    "mailcode",
]


class TokenService:
    """Minters and readers for every purpose, built once per application."""

    def __init__(self, secret_keys: Sequence[bytes]) -> None:
        self._minters = {p: Minter(secret_keys, p) for p in Purpose}
        self._readers = {p: Reader(secret_keys, p) for p in Purpose}
        self._pair = PairMinter(self._minters[Purpose.UNSUBSCRIBE], self._minters[Purpose.PREFERENCES])

    def minter(self, purpose: Purpose) -> Minter:
        """The minter for *purpose* (for loops that mint many tokens)."""
        return self._minters[purpose]

    def mint(self, purpose: Purpose, pid_bytes: PidBytes, campaign_id: int, lang: str) -> str:
        """Return a token for *purpose*."""
        return self._minters[purpose].mint(pid_bytes, campaign_id, lang)

    def mint_pair(self, pid_bytes: PidBytes, campaign_id: int, lang: str) -> tuple[str, str]:
        """A recipient's unsubscribe and preferences tokens, from one HMAC."""
        return self._pair.mint(pid_bytes, campaign_id, lang)

    def read(self, purpose: Purpose, token: str) -> LinkClaims:
        """Verify a token for *purpose*; raise :class:`TokenInvalid` otherwise."""
        return self._readers[purpose].read(token)
