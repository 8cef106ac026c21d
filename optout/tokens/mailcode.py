"""The unsubscribe token spelled as the local part of a ``mailto:`` address (RFC 2369).

Mail systems do two things to a local part that a token in a URL never meets: some fold its
case, and none has to carry more than 64 octets (RFC 5321 § 4.5.3.1.1). So the code is the
token's bytes in lower-case base32 (RFC 4648 § 6, without padding), which no case folding can
change: 38 bytes (the format-2 payload without its version byte, which every minted token has,
and the 16-byte signature) make 61 characters, and ``u+`` before them 63 octets. ``+`` is the
sub-address separator that Postfix, Exim and most providers already understand, so an operator
can route ``u+*@DOMAIN`` to the receiver without listing addresses.

Reading a code gives back the canonical token, which the unsubscribe reader then verifies as it
verifies a link: a code is exactly as strong as the link it spells.
"""

from __future__ import annotations

import base64
import binascii

from .format import FORMAT_VERSION, MAC_BYTES, PAYLOAD, TokenInvalid, b64, unb64

PREFIX = "u+"
_BODY_BYTES = PAYLOAD.size - 1 + MAC_BYTES  # 38
CODE_LENGTH = -(-_BODY_BYTES * 8 // 5)  # 61 base32 characters
LOCAL_PART_LENGTH = len(PREFIX) + CODE_LENGTH  # 63 octets: within RFC 5321's 64
_PADDING = "=" * (-CODE_LENGTH % 8)


def local_part(token: str) -> str:
    """The local part ``u+CODE`` that carries unsubscribe *token* (a format-2 token, as minted)."""
    payload_text, _dot, signature_text = token.partition(".")
    payload, signature = unb64(payload_text.encode()), unb64(signature_text.encode())
    if payload[0] != FORMAT_VERSION or len(payload) != PAYLOAD.size or len(signature) != MAC_BYTES:
        raise ValueError("only a minted (format 2) unsubscribe token has a mail code")
    return PREFIX + base64.b32encode(payload[1:] + signature).decode().rstrip("=").lower()


def token_of(local: str) -> str:
    """The token that local part *local* carries, in any case; :class:`TokenInvalid` if it carries none."""
    if len(local) != LOCAL_PART_LENGTH or local[: len(PREFIX)].lower() != PREFIX:
        raise TokenInvalid
    try:
        body = base64.b32decode(local[len(PREFIX) :].upper() + _PADDING)
    except (binascii.Error, ValueError):
        raise TokenInvalid from None
    if len(body) != _BODY_BYTES or base64.b32encode(body).decode().rstrip("=").lower() != local[len(PREFIX) :].lower():
        raise TokenInvalid  # not the one spelling of these bytes
    payload, signature = bytes([FORMAT_VERSION]) + body[: PAYLOAD.size - 1], body[PAYLOAD.size - 1 :]
    return (b64(payload) + b"." + b64(signature)).decode()
