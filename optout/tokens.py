"""Signed link tokens: itsdangerous signers, key rotation, short URLs, one MAC for a recipient's two links.

A token carries exactly three things: the recipient's pseudonymous id, the campaign and the page
language (never an address or a name: a signed token is readable by anyone), packed into 23
bytes with a format version and a one-byte key hint. The hint names which signing key made the
token, so that during a key rotation an older token costs one HMAC, not one per key.
The signature is 128 bits of HMAC-SHA256, so a whole unsubscribe URL stays near 85 characters;
mail software mangles long header values.

Every mail carries two links for the same claims, the unsubscribe link (also in the
``List-Unsubscribe`` header, where mail providers act on it) and the preferences link. Since
format 2 both are signed by one HMAC-SHA256: the unsubscribe token carries the first half of it,
the preferences token the second. The halves of a pseudorandom function's output are independent,
so either link tells nothing about the other's signature: a provider that holds the header's
link still cannot open the preferences page. Minting a recipient's links costs one HMAC, not two.
Format 1 tokens (one salt and key per purpose, the first half of each) are still accepted: they
are in mail already sent.

The format is itsdangerous's :class:`~itsdangerous.Signer` (salt, HMAC key derivation, key
rotation: tokens from any key still in ``OPTOUT_SECRET_KEYS`` verify, new ones use the newest
key), with a signing algorithm that keeps one half of the MAC. :class:`Minter` and
:class:`Reader` derive each key once instead of on every call, as ``Signer`` does; tests check
that they accept and produce exactly what ``Signer`` does.
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
from operator import itemgetter

from itsdangerous import Signer
from itsdangerous.signer import SigningAlgorithm

from .identity import PID_BYTES
from .keyedhash import KeyedSha256

FORMAT_VERSION = 2  # what is minted
FIRST_FORMAT = 1  # still read: one salt and key per purpose
LINK_SALT = "optout.links.v2"  # the salt of format 2, which both purposes share
LANGUAGES = ("nb", "en")
_PAYLOAD = struct.Struct(f">BB{PID_BYTES}sIB")  # version, key hint, pid, campaign id, language index
_TAIL = struct.Struct(">IB")  # what follows the version, hint and pid in _PAYLOAD
_LANGUAGE_INDEX = {lang: index for index, lang in enumerate(LANGUAGES)}
MAC_BYTES = 16
PAYLOAD_STRIDE = 32  # base64 of a payload padded to 24 bytes: its 31 characters, then the pad's
MAC_STRIDE, MAC_TEXT = 24, 22  # base64 of a MAC padded to 18 bytes, and how much of it is the MAC's


class Purpose(enum.Enum):
    """What a token may be used for; the value is the purpose's own salt in format 1."""

    UNSUBSCRIBE = "optout.unsubscribe.v1"
    PREFERENCES = "optout.preferences.v1"

    def signature(self, version: int) -> slice:
        """Which bytes of the HMAC are this purpose's signature in tokens of *version*."""
        half = 1 if version != FIRST_FORMAT and self is Purpose.PREFERENCES else 0
        return slice(half * MAC_BYTES, (half + 1) * MAC_BYTES)


class TokenInvalid(Exception):
    """Forged, truncated, wrong purpose, signed with a removed key, or garbage: all look alike."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says."""

    pid: bytes
    campaign_id: int
    lang: str


class _HalfHmacSha256(SigningAlgorithm):
    """One half of HMAC-SHA256 (RFC 2104 § 5 allows truncation to half the output)."""

    def __init__(self, half: slice) -> None:
        self.half = half

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha256")[self.half]


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> bytes:
    # base64.urlsafe_b64encode, without its Python-level wrappers: this runs twice per token.
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def _unb64(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))


def make_signer(secret_keys: Sequence[bytes], purpose: Purpose, version: int = FORMAT_VERSION) -> Signer:
    """Return the itsdangerous signer for *purpose* in format *version* (keys oldest first, newest last)."""
    return Signer(
        list(secret_keys),
        salt=purpose.value if version == FIRST_FORMAT else LINK_SALT,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=_HalfHmacSha256(purpose.signature(version)),
    )


def key_hint(derived_key: bytes) -> int:
    """One byte that names a (derived) signing key without revealing anything about it."""
    return hmac.digest(derived_key, b"optout.key-hint", "sha256")[0]


def pack(hint: int, pid: bytes, campaign_id: int, lang: str, version: int = FORMAT_VERSION) -> bytes:
    """Encode the claims as the token's (unsigned) payload."""
    return _b64(_PAYLOAD.pack(version, hint, pid, campaign_id, LANGUAGES.index(lang)))


def reference_token(
    secret_keys: Sequence[bytes],
    purpose: Purpose,
    pid: bytes,
    campaign_id: int,
    lang: str,
    version: int = FORMAT_VERSION,
) -> str:
    """The token :class:`itsdangerous.Signer` makes for these claims: what :class:`Minter` must
    match (and, with *version* 1, what mail sent before format 2 holds)."""
    signer = make_signer(secret_keys, purpose, version)
    return signer.sign(pack(key_hint(signer.derive_key()), pid, campaign_id, lang, version)).decode()


class Minter:
    """Mint tokens for one purpose with the newest key, as :meth:`itsdangerous.Signer.sign` would."""

    def __init__(self, secret_keys: Sequence[bytes], purpose: Purpose) -> None:
        key = make_signer(secret_keys, purpose).derive_key()
        self.keyed = KeyedSha256(key)
        self.mac = self.keyed.digest
        self.head = bytes([FORMAT_VERSION, key_hint(key)])
        self.signature = purpose.signature(FORMAT_VERSION)

    def mint(self, pid: bytes, campaign_id: int, lang: str) -> str:
        """Return the token for these claims."""
        value = _b64(self.head + pid + _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]))
        return (value + b"." + _b64(self.mac(value)[self.signature])).decode("ascii")


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
        self._groups = tuple(_b64(first.head + bytes([byte])) for byte in range(256))

    def mint(self, pid: bytes, campaign_id: int, lang: str) -> tuple[str, str]:
        """Both tokens for these claims."""
        # Written out rather than composed from helpers: this runs for every row of every list.
        b2a, urlsafe = binascii.b2a_base64, _URLSAFE
        rest = b2a(pid[1:] + _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]), newline=False)
        value = self._groups[pid[0]] + rest.translate(urlsafe).rstrip(b"=")
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
        tails = {lang: _TAIL.pack(campaign_id, _LANGUAGE_INDEX[lang]) + b"\0" for lang in set(langs)}
        if len(tails) == 1:
            (tail,) = tails.values()
            payloads = head + (tail + head).join(pids) + tail
        else:
            payloads = b"".join([head + pid + tails[lang] for pid, lang in zip(pids, langs, strict=True)])
        encoded = binascii.b2a_base64(payloads, newline=False).translate(_URLSAFE)
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
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE)


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
            signer = make_signer(secret_keys, purpose, version)
            for key in reversed(secret_keys):  # newest first
                derived = signer.derive_key(key)
                self._keys.setdefault((version, key_hint(derived)), []).append(KeyedSha256(derived))

    def unsign(self, token: str) -> bytes:
        """Return the decoded payload of *token* if a configured key signed it.

        Accepts what :meth:`itsdangerous.Signer.unsign` accepts for tokens of our formats, written
        canonically (itsdangerous also takes padding and spare bits, so 16 spellings of each token);
        a token whose version and hint name no configured key is refused without computing any HMAC.
        """
        try:
            value, sep, signature = token.encode("ascii").rpartition(b".")
            payload, mac = _unb64(value), _unb64(signature)
        except (UnicodeEncodeError, ValueError):
            raise TokenInvalid from None
        if not sep or len(payload) != _PAYLOAD.size or len(mac) != MAC_BYTES:
            raise TokenInvalid
        # Only the canonical text of what was decoded is the token: no padding, no spare bits set
        # in a last character, nothing the lenient decoder skipped. One string per token, so
        # anything that keys on the URL (caches, limits, de-duplication) sees one token.
        if not hmac.compare_digest(_b64(payload) + b"." + _b64(mac), value + b"." + signature):
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
        _version, _hint, pid, campaign_id, lang_index = _PAYLOAD.unpack(self.unsign(token))
        if lang_index >= len(LANGUAGES):
            raise TokenInvalid
        return LinkClaims(pid=pid, campaign_id=campaign_id, lang=LANGUAGES[lang_index])


class TokenService:
    """Minters and readers for every purpose, built once per application."""

    def __init__(self, secret_keys: Sequence[bytes]) -> None:
        self._minters = {p: Minter(secret_keys, p) for p in Purpose}
        self._readers = {p: Reader(secret_keys, p) for p in Purpose}
        self._pair = PairMinter(self._minters[Purpose.UNSUBSCRIBE], self._minters[Purpose.PREFERENCES])

    def minter(self, purpose: Purpose) -> Minter:
        """The minter for *purpose* (for loops that mint many tokens)."""
        return self._minters[purpose]

    def mint(self, purpose: Purpose, pid: bytes, campaign_id: int, lang: str) -> str:
        """Return a token for *purpose*."""
        return self._minters[purpose].mint(pid, campaign_id, lang)

    def mint_pair(self, pid: bytes, campaign_id: int, lang: str) -> tuple[str, str]:
        """A recipient's unsubscribe and preferences tokens, from one HMAC."""
        return self._pair.mint(pid, campaign_id, lang)

    def read(self, purpose: Purpose, token: str) -> LinkClaims:
        """Verify a token for *purpose*; raise :class:`TokenInvalid` otherwise."""
        return self._readers[purpose].read(token)
