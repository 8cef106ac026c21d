"""Pseudonymous recipient ids: a keyed hash of the normalized address.

Anyone holding the database but not ``OPTOUT_ID_KEY`` cannot test an address against it (an
unkeyed hash could be reversed with a dictionary), and a link can be minted for any address
without a database write. Normalization is deliberately plain: trimmed and lower-cased, nothing
else, so ``a+x@example.com`` stays a different person from ``a@example.com``.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .keyedhash import KeyedSha256

PID_BYTES = 16  # 128 bits: collisions stay negligible far beyond any mailing list's size
MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit


class AddressInvalid(ValueError):
    """The text is not a plausible e-mail address."""


# Most addresses are plain ASCII: one regular expression settles them; the rest get the full check.
# Possessive: no part of the pattern can match what the next part needs, so backtracking is futile.
_PLAIN = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]++@[a-z0-9-]++(?:\.[a-z0-9-]++)++")
_FORBIDDEN_PRINTABLE = re.compile('[ <>,;"]')  # " " is the only printable white space


def normalize(address: str) -> str:
    """Trim and lower-case *address*; raise :class:`AddressInvalid` if it cannot be an address."""
    normal = address.strip().lower()
    if len(normal) <= MAX_ADDRESS_LENGTH and _PLAIN.fullmatch(normal):
        return normal
    local, at, domain = normal.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or len(normal) > MAX_ADDRESS_LENGTH
        or _has_forbidden(normal)
    ):
        raise AddressInvalid(address)
    return normal


def _has_forbidden(normal: str) -> bool:
    """Whether *normal* has white space, ``<>,;"`` or a control or unassigned character."""
    if normal.isprintable():  # no control, format, private-use, unassigned or space character but " "
        return _FORBIDDEN_PRINTABLE.search(normal) is not None
    return any(ch.isspace() or ch in '<>,;"' or unicodedata.category(ch)[0] == "C" for ch in normal)


def pseudonymous_id(id_key: bytes, address: str) -> bytes:
    """Return the 16-byte pseudonymous id of *address* (normalized first)."""
    return pid_of_normal(id_key, normalize(address))


def pid_of_normal(id_key: bytes, normal: str) -> bytes:
    """The pseudonymous id of an address that :func:`normalize` already returned."""
    return _keyed(id_key).digest(normal.encode())[:PID_BYTES]


@functools.lru_cache(maxsize=4)
def _keyed(id_key: bytes) -> KeyedSha256:
    return KeyedSha256(id_key)
