"""The test oracle for link tokens: what :class:`itsdangerous.Signer` makes and accepts for our
formats, written out from the design (``docs/design/tokens.md``) without using ``optout.tokens``'s
own salts, layout or key derivation, so that a change to any of them fails the comparisons."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from collections.abc import Sequence

from itsdangerous import Signer
from itsdangerous.signer import SigningAlgorithm

from optout.tokens import Purpose

FORMAT_VERSION = 2
FIRST_FORMAT = 1
# The salts are part of every token in mail already sent: spelled out here, never imported.
V1_SALT = {Purpose.UNSUBSCRIBE: "optout.unsubscribe.v1", Purpose.PREFERENCES: "optout.preferences.v1"}
LINK_SALT = "optout.links.v2"
LANGUAGES = ("nb", "en")
PAYLOAD = struct.Struct(">BB16sIB")  # version, key hint, pid, campaign id, language index
MAC_BYTES = 16


class HalfHmacSha256(SigningAlgorithm):
    """One half of HMAC-SHA256 (RFC 2104 § 5 allows truncation to half the output)."""

    def __init__(self, half: slice) -> None:
        self.half = half

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        return hmac.digest(key, value, "sha256")[self.half]


def signature(purpose: Purpose, version: int) -> slice:
    """Format 1: each purpose keeps the first half of its own HMAC; format 2: unsubscribe the
    first half, preferences the second half, of one HMAC."""
    half = 1 if version == FORMAT_VERSION and purpose is Purpose.PREFERENCES else 0
    return slice(half * MAC_BYTES, (half + 1) * MAC_BYTES)


def make_signer(secret_keys: Sequence[bytes], purpose: Purpose, version: int = FORMAT_VERSION) -> Signer:
    """The itsdangerous signer for *purpose* in format *version* (keys oldest first, newest last)."""
    return Signer(
        list(secret_keys),
        salt=V1_SALT[purpose] if version == FIRST_FORMAT else LINK_SALT,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
        algorithm=HalfHmacSha256(signature(purpose, version)),
    )


def key_hint(derived_key: bytes) -> int:
    """The byte that names a derived key in a payload."""
    return hmac.digest(derived_key, b"optout.key-hint", "sha256")[0]


def pack(hint: int, pid: bytes, campaign_id: int, lang: str, version: int = FORMAT_VERSION) -> bytes:
    """The claims as a token's unsigned payload text (base64url, no padding)."""
    raw = PAYLOAD.pack(version, hint, pid, campaign_id, LANGUAGES.index(lang))
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def reference_token(
    secret_keys: Sequence[bytes],
    purpose: Purpose,
    pid: bytes,
    campaign_id: int,
    lang: str,
    version: int = FORMAT_VERSION,
) -> str:
    """The token :class:`itsdangerous.Signer` makes for these claims: what the minters must match
    (and, with *version* 1, what mail sent before format 2 holds)."""
    signer = make_signer(secret_keys, purpose, version)
    return signer.sign(pack(key_hint(signer.derive_key()), pid, campaign_id, lang, version)).decode()
