"""Signed link tokens: one itsdangerous salt per purpose, key rotation, short URLs.

A token carries exactly three things: the recipient's pseudonymous id, the campaign and the page
language (never an address or a name: a signed token is readable by anyone), packed into 23
bytes with a format version and a one-byte key hint. The hint names which signing key made the
token, so that during a key rotation an older token costs one HMAC, not one per key.
The signature is HMAC-SHA256 truncated to 128 bits, so a whole unsubscribe URL stays near 85
characters; mail software mangles long header values.

The format is itsdangerous's :class:`~itsdangerous.Signer` (salt per purpose, HMAC key derivation,
key rotation: tokens from any key still in ``OPTOUT_SECRET_KEYS`` verify, new ones use the newest
key). :class:`Minter` and :class:`Reader` derive each key once instead of on every call, as
``Signer`` does; tests check that they accept and produce exactly what ``Signer`` does.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import Signer
from itsdangerous.signer import SigningAlgorithm

from .identity import PID_BYTES
from .keyedhash import KeyedSha256

FORMAT_VERSION = 1
LANGUAGES = ("nb", "en")
_PAYLOAD = struct.Struct(f">BB{PID_BYTES}sIB")  # version, key hint, pid, campaign id, language index
_TAIL = struct.Struct(">IB")  # what follows the version, hint and pid in _PAYLOAD
_LANGUAGE_INDEX = {lang: index for index, lang in enumerate(LANGUAGES)}
MAC_BYTES = 16
PAYLOAD_STRIDE = 32  # base64 of a payload padded to 24 bytes: its 31 characters, then the pad's
MAC_STRIDE, MAC_TEXT = 24, 22  # base64 of a MAC padded to 18 bytes, and how much of it is the MAC's


class Purpose(enum.Enum):
    """What a token may be used for; each purpose is its own itsdangerous salt."""

    UNSUBSCRIBE = "optout.unsubscribe.v1"
    PREFERENCES = "optout.preferences.v1"


class TokenInvalid(Exception):
    """Forged, truncated, wrong purpose, signed with a removed key, or garbage: all look alike."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says."""

    pid: bytes
    campaign_id: int
    lang: str


class _TruncatedHmacSha256(SigningAlgorithm):
    """HMAC-SHA256 cut to 128 bits (RFC 2104 § 5 allows truncation to half the output)."""

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha256")[:MAC_BYTES]


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    # base64.urlsafe_b64encode, without its Python-level wrappers: this runs twice per token.
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def _unb64(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def make_signer(secret_keys: Sequence[bytes], purpose: Purpose) -> Signer:
    """Return the itsdangerous signer for *purpose* (keys oldest first, newest last)."""
    return Signer(
        list(secret_keys),
        salt=purpose.value,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=_TruncatedHmacSha256(),
    )


def key_hint(derived_key: bytes) -> int:
    """One byte that names a (derived) signing key without revealing anything about it."""
    return hmac.digest(derived_key, b"optout.key-hint", "sha256")[0]


def pack(hint: int, pid: bytes, campaign_id: int, lang: str) -> bytes:
    """Encode the claims as the token's (unsigned) payload."""
    return _b64(_PAYLOAD.pack(FORMAT_VERSION, hint, pid, campaign_id, LANGUAGES.index(lang)))


def reference_token(secret_keys: Sequence[bytes], purpose: Purpose, pid: bytes, campaign_id: int, lang: str) -> str:
    """The token :class:`itsdangerous.Signer` makes for these claims: what :class:`Minter` must match."""
    signer = make_signer(secret_keys, purpose)
    return signer.sign(pack(key_hint(signer.derive_key()), pid, campaign_id, lang)).decode()


class Minter:
    """Mint tokens for one purpose with the newest key, as :meth:`itsdangerous.Signer.sign` would."""

    def __init__(self, secret_keys: Sequence[bytes], purpose: Purpose) -> None:
        key = make_signer(secret_keys, purpose).derive_key()
        self.keyed = KeyedSha256(key)
        self.mac = self.keyed.digest
        self.head = bytes([FORMAT_VERSION, key_hint(key)])

    def mint(self, pid: bytes, campaign_id: int, lang: str) -> str:
        """Return the token for these claims."""
        value = _b64(self.head + pid + _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]))
        return (value + b"." + _b64(self.mac(value)[:MAC_BYTES])).decode("ascii")


class PairMinter:
    """Two purposes' tokens for the same claims, sharing the work they have in common.

    Base64 encodes 3-byte groups, and the payloads differ only in the first group (version, key
    hint, first pid byte), so the rest is encoded once; each group's 4 characters come from a
    table. The tokens are byte-identical to :meth:`Minter.mint`'s (a test checks).
    """

    def __init__(self, first: Minter, second: Minter) -> None:
        self._keys = (first.keyed.inner, first.keyed.outer, second.keyed.inner, second.keyed.outer)
        self._heads = (first.head, second.head)
        self._groups = tuple(
            tuple(_b64(minter.head + bytes([byte])) for byte in range(256)) for minter in (first, second)
        )

    def mint(self, pid: bytes, campaign_id: int, lang: str) -> tuple[str, str]:
        """Both tokens for these claims."""
        # Written out rather than composed from helpers: this runs for every row of every list.
        b2a, urlsafe = binascii.b2a_base64, _URLSAFE
        rest = b2a(pid[1:] + _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]), newline=False)
        rest = rest.translate(urlsafe).rstrip(b"=")
        first_inner, first_outer, second_inner, second_outer = self._keys
        first_value = self._groups[0][pid[0]] + rest
        inner, outer = first_inner.copy(), first_outer.copy()
        inner.update(first_value)
        outer.update(inner.digest())
        first_mac = b2a(outer.digest()[:MAC_BYTES], newline=False).translate(urlsafe).rstrip(b"=")
        second_value = self._groups[1][pid[0]] + rest
        inner, outer = second_inner.copy(), second_outer.copy()
        inner.update(second_value)
        outer.update(inner.digest())
        second_mac = b2a(outer.digest()[:MAC_BYTES], newline=False).translate(urlsafe).rstrip(b"=")
        return (first_value + b"." + first_mac).decode("ascii"), (second_value + b"." + second_mac).decode("ascii")

    def mint_many(self, pids: Sequence[bytes], campaign_id: int, langs: Sequence[str]) -> tuple[TokenRun, TokenRun]:
        """Both tokens for many recipients (``langs[i]`` is the language of ``pids[i]``): the same
        strings as :meth:`mint`, base64-encoded a batch at a time instead of a token at a time.

        Each payload is padded to 24 bytes, a whole number of base64 groups, so one encoding of
        all of them holds every payload's text at a fixed stride, followed by the pad's character
        (replaced by the dot); each 16-byte MAC is padded to 18 bytes for the same reason.
        """
        if not pids:
            return TokenRun("", ""), TokenRun("", "")
        tails = {lang: _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]) + b"\0" for lang in set(langs)}
        first, second = (
            self._mint_many(head, keys, pids, langs, tails)
            for head, keys in zip(self._heads, (self._keys[:2], self._keys[2:]), strict=True)
        )
        return first, second

    @staticmethod
    def _mint_many(
        head: bytes, keys: tuple[Any, Any], pids: Sequence[bytes], langs: Sequence[str], tails: dict[str, bytes]
    ) -> TokenRun:
        inner_key, outer_key = keys
        if len(tails) == 1:
            (tail,) = tails.values()
            payloads = head + (tail + head).join(pids) + tail
        else:
            payloads = b"".join([head + pid + tails[lang] for pid, lang in zip(pids, langs, strict=True)])
        encoded = binascii.b2a_base64(payloads, newline=False).translate(_URLSAFE)
        # Written out rather than composed from helpers: this runs for every row of every list.
        copy_inner, copy_outer, macs = inner_key.copy, outer_key.copy, list[bytes]()
        keep, text = macs.append, PAYLOAD_STRIDE - 1
        for start in range(0, len(encoded), PAYLOAD_STRIDE):
            inner = copy_inner()
            inner.update(encoded[start : start + text])
            outer = copy_outer()
            outer.update(inner.digest())
            keep(outer.digest()[:MAC_BYTES])
        dotted = bytearray(encoded)
        dotted[text::PAYLOAD_STRIDE] = b"." * len(pids)
        mac_text = binascii.b2a_base64(b"\0\0".join(macs) + b"\0\0", newline=False).translate(_URLSAFE)
        return TokenRun(dotted.decode("ascii"), mac_text.decode("ascii"))


@dataclass(frozen=True)
class TokenRun:
    """Many tokens of one purpose, laid out so that a loop can copy them into its output without
    making a string per token: token ``i`` is its payload's text and the dot, ``payloads[i *
    PAYLOAD_STRIDE :][:PAYLOAD_STRIDE]``, then its MAC's, ``macs[i * MAC_STRIDE :][:MAC_TEXT]``."""

    payloads: str
    macs: str

    def __len__(self) -> int:
        return len(self.payloads) // PAYLOAD_STRIDE

    def tokens(self) -> list[str]:
        """The tokens, one string each."""
        starts = range(0, len(self.payloads), PAYLOAD_STRIDE)
        return [
            self.payloads[start : start + PAYLOAD_STRIDE] + self.macs[at : at + MAC_TEXT]
            for start, at in zip(starts, range(0, len(self.macs), MAC_STRIDE), strict=True)
        ]


class Reader:
    """Verify tokens of one purpose against the configured keys that their hint names."""

    def __init__(self, secret_keys: Sequence[bytes], purpose: Purpose) -> None:
        signer = make_signer(secret_keys, purpose)
        self._keys: dict[int, list[KeyedSha256]] = {}
        for key in reversed(secret_keys):  # newest first
            derived = signer.derive_key(key)
            self._keys.setdefault(key_hint(derived), []).append(KeyedSha256(derived))

    def unsign(self, token: str) -> bytes:
        """Return the decoded payload of *token* if a configured key signed it.

        Accepts what :meth:`itsdangerous.Signer.unsign` accepts for tokens of our format; a token
        whose hint names no configured key is refused without computing any HMAC.
        """
        try:
            value, sep, signature = token.encode("ascii").rpartition(b".")
            payload, mac = _unb64(value), _unb64(signature)
        except (UnicodeEncodeError, ValueError):
            raise TokenInvalid from None
        if not sep or len(payload) != _PAYLOAD.size:
            raise TokenInvalid
        for key in self._keys.get(payload[1], ()):
            if hmac.compare_digest(key.digest(value)[:MAC_BYTES], mac):
                return payload
        raise TokenInvalid

    def read(self, token: str) -> LinkClaims:
        """Return the claims of *token* or raise :class:`TokenInvalid`."""
        version, _hint, pid, campaign_id, lang_index = _PAYLOAD.unpack(self.unsign(token))
        if version != FORMAT_VERSION or lang_index >= len(LANGUAGES):
            raise TokenInvalid
        return LinkClaims(pid=pid, campaign_id=campaign_id, lang=LANGUAGES[lang_index])


class TokenService:
    """Minters and readers for every purpose, built once per application."""

    def __init__(self, secret_keys: Sequence[bytes]) -> None:
        self._minters = {p: Minter(secret_keys, p) for p in Purpose}
        self._readers = {p: Reader(secret_keys, p) for p in Purpose}

    def minter(self, purpose: Purpose) -> Minter:
        """The minter for *purpose* (for loops that mint many tokens)."""
        return self._minters[purpose]

    def mint(self, purpose: Purpose, pid: bytes, campaign_id: int, lang: str) -> str:
        """Return a token for *purpose*."""
        return self._minters[purpose].mint(pid, campaign_id, lang)

    def read(self, purpose: Purpose, token: str) -> LinkClaims:
        """Verify a token for *purpose*; raise :class:`TokenInvalid` otherwise."""
        return self._readers[purpose].read(token)
