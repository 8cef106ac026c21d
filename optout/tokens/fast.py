"""Minting and reading link tokens fast: each key derived and its HMAC pads hashed once, and a
recipient's two tokens minted from one HMAC, a batch at a time for the list filter.

Tests check that every path here produces and accepts exactly what ``itsdangerous.Signer`` does
(``tests/tokens_oracle.py``); the layout is ``format.py``'s, the design ``docs/design/tokens.md``.
"""

from __future__ import annotations

import binascii
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from ..keyedhash import KeyedSha256
from .format import (
    FIRST_FORMAT,
    FORMAT_VERSION,
    LANGUAGE_INDEX,
    MAC_BYTES,
    PAYLOAD,
    TAIL,
    URLSAFE,
    LinkClaims,
    Purpose,
    TokenInvalid,
    b64,
    claims,
    derive_key,
    key_hint,
    unb64,
)

PAYLOAD_STRIDE = 32  # base64 of a payload padded to 24 bytes: its 31 characters, then the pad's
MAC_STRIDE, MAC_TEXT = 24, 22  # base64 of a MAC padded to 18 bytes, and how much of it is the MAC's


class Minter:
    """Mint tokens for one purpose with the newest key, as :meth:`itsdangerous.Signer.sign` would."""

    def __init__(self, secret_keys: Sequence[bytes], purpose: Purpose) -> None:
        key = derive_key(secret_keys[-1], purpose, FORMAT_VERSION)
        self.keyed = KeyedSha256(key)
        self.mac = self.keyed.digest
        self.head = bytes([FORMAT_VERSION, key_hint(key)])
        self.signature = purpose.signature(FORMAT_VERSION)

    def mint(self, pid_bytes: bytes, campaign_id: int, lang: str) -> str:
        """Return the token for these claims."""
        value = b64(self.head + pid_bytes + TAIL.pack(campaign_id, LANGUAGE_INDEX[lang]))
        return (value + b"." + b64(self.mac(value)[self.signature])).decode("ascii")


class PairMinter:
    """A recipient's two tokens (unsubscribe, then preferences) for the same claims, from one HMAC.

    Both have the same payload and are signed by the same key; each takes its half of the MAC.
    The tokens are byte-identical to :meth:`Minter.mint`'s (a test checks).
    """

    def __init__(self, first: Minter, second: Minter) -> None:
        if first.head != second.head or first.signature == second.signature:
            raise ValueError("a pair is two purposes' minters for the same keys")
        self._inner, self._outer = first.keyed.inner, first.keyed.outer
        self._head = first.head
        self._signatures = (first.signature, second.signature)
        # Base64 encodes 3-byte groups: the first group (version, key hint, first pid byte) comes
        # from a table, the rest of the payload is encoded on its own.
        self._groups = tuple(b64(first.head + bytes([byte])) for byte in range(256))

    def mint(self, pid_bytes: bytes, campaign_id: int, lang: str) -> tuple[str, str]:
        """Both tokens for these claims."""
        # Written out rather than composed from helpers: this runs for every row of every list.
        b2a, urlsafe = binascii.b2a_base64, URLSAFE
        rest = b2a(pid_bytes[1:] + TAIL.pack(campaign_id, LANGUAGE_INDEX[lang]), newline=False)
        value = self._groups[pid_bytes[0]] + rest.translate(urlsafe).rstrip(b"=")
        inner, outer = self._inner.copy(), self._outer.copy()
        inner.update(value)
        outer.update(inner.digest())
        mac = outer.digest()
        first, second = self._signatures
        first_mac = b2a(mac[first], newline=False).translate(urlsafe).rstrip(b"=")
        second_mac = b2a(mac[second], newline=False).translate(urlsafe).rstrip(b"=")
        return (value + b"." + first_mac).decode("ascii"), (value + b"." + second_mac).decode("ascii")

    def mint_many(self, pids: Sequence[bytes], campaign_id: int, langs: Sequence[str]) -> tuple[TokenRun, TokenRun]:
        """Both tokens for many recipients (``langs[i]`` is the language of ``pids[i]``): the same
        strings as :meth:`mint`, base64-encoded a batch at a time instead of a token at a time.

        Each payload is padded to 24 bytes, a whole number of base64 groups, so one encoding of
        all of them holds every payload's text at a fixed stride, followed by the pad's character
        (replaced by the dot); each 16-byte signature is padded to 18 bytes for the same reason.
        The two runs share their payloads' text.
        """
        if not pids:
            return TokenRun(b"", b""), TokenRun(b"", b"")
        head = self._head
        tails = {lang: TAIL.pack(campaign_id, LANGUAGE_INDEX[lang]) + b"\0" for lang in set(langs)}
        if len(tails) == 1:
            (tail,) = tails.values()
            payloads = head + (tail + head).join(pids) + tail
        else:
            payloads = b"".join([head + pid + tails[lang] for pid, lang in zip(pids, langs, strict=True)])
        encoded = binascii.b2a_base64(payloads, newline=False).translate(URLSAFE)
        # Written out rather than composed from helpers: this runs for every row of every list.
        copy_inner, copy_outer, macs = self._inner.copy, self._outer.copy, list[bytes]()
        keep, text = macs.append, PAYLOAD_STRIDE - 1
        for start in range(0, len(encoded), PAYLOAD_STRIDE):
            inner = copy_inner()
            inner.update(encoded[start : start + text])
            outer = copy_outer()
            outer.update(inner.digest())
            keep(outer.digest())
        dotted = bytearray(encoded)
        dotted[text::PAYLOAD_STRIDE] = b"." * len(pids)
        shared = bytes(dotted)
        first, second = (
            TokenRun(shared, _b64_run(b"\0\0".join(map(itemgetter(signature), macs)) + b"\0\0"))
            for signature in self._signatures
        )
        return first, second


def _b64_run(data: bytes) -> bytes:
    return binascii.b2a_base64(data, newline=False).translate(URLSAFE)


@dataclass(frozen=True)
class TokenRun:
    """Many tokens of one purpose, as ASCII bytes laid out so that a loop can copy them into its
    output without making an object per token: token ``i`` is its payload's text and the dot,
    ``payloads[i * PAYLOAD_STRIDE :][:PAYLOAD_STRIDE]``, then its MAC's, ``macs[i * MAC_STRIDE
    :][:MAC_TEXT]``."""

    payloads: bytes
    macs: bytes

    def __len__(self) -> int:
        return len(self.payloads) // PAYLOAD_STRIDE

    def tokens(self) -> list[str]:
        """The tokens, one string each."""
        starts = range(0, len(self.payloads), PAYLOAD_STRIDE)
        return [
            (self.payloads[start : start + PAYLOAD_STRIDE] + self.macs[at : at + MAC_TEXT]).decode("ascii")
            for start, at in zip(starts, range(0, len(self.macs), MAC_STRIDE), strict=True)
        ]


class Reader:
    """Verify tokens of one purpose, in either format, against the configured keys their hint names."""

    def __init__(self, secret_keys: Sequence[bytes], purpose: Purpose) -> None:
        self._keys: dict[tuple[int, int], list[KeyedSha256]] = {}  # (version, hint): keys
        self._signatures = {version: purpose.signature(version) for version in (FIRST_FORMAT, FORMAT_VERSION)}
        for version in self._signatures:
            for key in reversed(secret_keys):  # newest first
                derived = derive_key(key, purpose, version)
                self._keys.setdefault((version, key_hint(derived)), []).append(KeyedSha256(derived))

    def unsign(self, token: str) -> bytes:
        """Return the decoded payload of *token* if a configured key signed it.

        Accepts what :meth:`itsdangerous.Signer.unsign` accepts for tokens of our formats, written
        canonically (itsdangerous also takes padding and spare bits, so 16 spellings of each token);
        a token whose version and hint name no configured key is refused without computing any HMAC.
        """
        try:
            value, sep, signature = token.encode("ascii").rpartition(b".")
            payload, mac = unb64(value), unb64(signature)
        except (UnicodeEncodeError, ValueError):
            raise TokenInvalid from None
        if not sep or len(payload) != PAYLOAD.size or len(mac) != MAC_BYTES:
            raise TokenInvalid
        # Only the canonical text of what was decoded is the token: no padding, no spare bits set
        # in a last character, nothing the lenient decoder skipped. One string per token, so
        # anything that keys on the URL (caches, limits, de-duplication) sees one token.
        if not hmac.compare_digest(b64(payload) + b"." + b64(mac), value + b"." + signature):
            raise TokenInvalid
        keys = self._keys.get((payload[0], payload[1]), ())
        if keys:
            own = self._signatures[payload[0]]
            for key in keys:
                if hmac.compare_digest(key.digest(value)[own], mac):
                    return payload
        raise TokenInvalid

    def read(self, token: str) -> LinkClaims:
        """Return the claims of *token* or raise :class:`TokenInvalid`."""
        return claims(self.unsign(token))
