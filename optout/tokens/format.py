"""The bytes of a link token: payload layout, format versions 1 and 2, salts, key derivation and
hint, canonical base64url. Why it is built this way: ``docs/design/tokens.md``."""

from __future__ import annotations

import base64
import binascii
import enum
import hmac
import struct
from dataclasses import dataclass

from ..identity import PID_BYTES
from ..pids import Pid, PidBytes, pid_hex

FORMAT_VERSION = 2  # what is minted: one HMAC, its halves the two purposes' signatures
FIRST_FORMAT = 1  # still read (mail already sent): one salt and key per purpose
LANGUAGES = ("nb", "en")  # a payload's language byte is an index into this
LANGUAGE_INDEX = {lang: index for index, lang in enumerate(LANGUAGES)}
PAYLOAD = struct.Struct(f">BB{PID_BYTES}sIB")  # version, key hint, pid, campaign id, language index
TAIL = struct.Struct(">IB")  # what follows the version, hint and pid in PAYLOAD
MAC_BYTES = 16  # each purpose's signature: one half of HMAC-SHA256


class Purpose(enum.Enum):
    """What a token may be used for: which link, so which page."""

    UNSUBSCRIBE = "unsubscribe"
    PREFERENCES = "preferences"

    def signature(self, version: int) -> slice:
        """Which bytes of the HMAC are this purpose's signature in tokens of *version*."""
        half = 1 if version != FIRST_FORMAT and self is Purpose.PREFERENCES else 0
        return slice(half * MAC_BYTES, (half + 1) * MAC_BYTES)


V1_SALT = {Purpose.UNSUBSCRIBE: "optout.unsubscribe.v1", Purpose.PREFERENCES: "optout.preferences.v1"}
LINK_SALT = "optout.links.v2"  # the salt of format 2, which both purposes share


class TokenInvalid(Exception):
    """Forged, truncated, wrong purpose, signed with a removed key, or garbage: all look alike."""


@dataclass(frozen=True)
class LinkClaims:
    """What a verified token says."""

    pid_bytes: PidBytes  # the raw pseudonymous id (PID_BYTES); services take it as hex, see pid_hex
    campaign_id: int
    lang: str

    @property
    def pid_hex(self) -> Pid:
        """The pseudonymous id as the services and the database spell it (32 hex digits)."""
        return pid_hex(self.pid_bytes)


def salt(purpose: Purpose, version: int) -> str:
    """The salt that the keys of *purpose*'s tokens in format *version* are derived with."""
    return V1_SALT[purpose] if version == FIRST_FORMAT else LINK_SALT


def derive_key(secret_key: bytes, purpose: Purpose, version: int) -> bytes:
    """The signing key of *purpose* in format *version*: HMAC-SHA256(secret key, salt), which is
    itsdangerous's ``Signer(key_derivation="hmac", digest_method=sha256).derive_key``."""
    return hmac.digest(secret_key, salt(purpose, version).encode(), "sha256")


def key_hint(derived_key: bytes) -> int:
    """One byte that names a (derived) signing key without revealing anything about it."""
    return hmac.digest(derived_key, b"optout.key-hint", "sha256")[0]


def claims(payload: bytes) -> LinkClaims:
    """The claims of a verified *payload*; :class:`TokenInvalid` if its language is unknown."""
    _version, _hint, pid_bytes, campaign_id, lang_index = PAYLOAD.unpack(payload)
    if lang_index >= len(LANGUAGES):
        raise TokenInvalid
    return LinkClaims(pid_bytes=PidBytes(pid_bytes), campaign_id=campaign_id, lang=LANGUAGES[lang_index])


URLSAFE = bytes.maketrans(b"+/", b"-_")


def b64(data: bytes) -> bytes:
    """Canonical base64url: no padding (``base64.urlsafe_b64encode`` without its Python wrappers)."""
    return binascii.b2a_base64(data, newline=False).translate(URLSAFE).rstrip(b"=")


def unb64(data: bytes) -> bytes:
    """Decode base64url leniently (padding optional); :func:`b64` of the result tells if it was canonical."""
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
