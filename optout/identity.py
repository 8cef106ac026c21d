"""Pseudonymous recipient ids: a keyed hash of the canonical mailbox.

Anyone holding the database but not ``OPTOUT_ID_KEY`` cannot test an address against it (an
unkeyed hash could be reversed with a dictionary), and a link can be minted for any address
without a database write.

Because the id is a hash, every spelling of one mailbox must reach the hash as the same string,
or an opt-out recorded under one spelling would not stop a send to another. :func:`normalize`
is that one canonical form (README, Identity):

- surrounding white space (NBSP included, as :meth:`str.strip` sees it) is stripped; a control
  or format character anywhere (a zero-width space, a BOM, a soft hyphen) is refused, never
  stripped: it is invisible, and UTS 46 would silently drop it from a domain;
- the text is split at its last ``@``; the local part must be an RFC 5321 Dot-string of RFC 6531
  atoms (no quoted local parts, comments, display names, ``mailto:`` or several ``@``), and is
  NFC-normalized and lower-cased (not case-folded: ``straße`` stays ``straße``);
- the domain is mapped by UTS 46 (non-transitional, STD3 rules) to its A-labels by the ``idna``
  package, so ``BLÅBÆR.NO``, NFD ``blåbær.no``, ``ｂｌåｂæｒ.no`` and ``xn--blbr-roah.no`` are one
  domain; it must have a dot and no trailing dot.

Sub-addresses (``kari+x@``), dots (``k.ari@``) and full-width local parts stay distinct
mailboxes: which of them reach one inbox is the receiving server's business, not ours.

The canonical form is part of every id: changing it needs a migration (README, Identity).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import idna

from .keyedhash import KeyedSha256
from .pids import Pid, PidBytes, pid_hex

PID_BYTES = 16  # 128 bits: collisions stay negligible far beyond any mailing list's size
MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit (256 octets with the angle brackets)
MAX_LOCAL_LENGTH = 64  # RFC 5321 § 4.5.3.1.1, in octets of UTF-8 (RFC 6531 § 3.3)
# Past this many characters no spelling can be a mailbox of MAX_ADDRESS_LENGTH octets (NFC
# composes at most a few characters into one of two or more octets): refused before any work.
_MAX_INPUT = 4 * MAX_ADDRESS_LENGTH


class AddressInvalid(ValueError):
    """The text is not an email address (an RFC 5321 / RFC 6531 ``Mailbox``).

    ``problem`` says why in a few words and never repeats the text, so it can go into a summary.
    """

    def __init__(self, problem: str = "not an email address") -> None:
        super().__init__(problem)
        self.problem = problem


_ATEXT = r"a-z0-9!#$%&'*+/=?^_`{|}~-"  # RFC 5322 atext, lower case, without "." (atoms are dot-separated)
_LABEL = r"[a-z0-9]++(?:-[a-z0-9]++)*+"  # LDH, without a leading, trailing or double hyphen
_COUNTED_LABEL = rf"(?=[a-z0-9-]{{1,63}}+(?![a-z0-9-])){_LABEL}"  # and at most 63 characters
# Most addresses are plain ASCII: one regular expression settles them; the rest get the full check.
# It accepts only what the full check canonicalizes to the same text: a Dot-string, and LDH labels
# without a leading, trailing or double hyphen (so never an ``xn--`` label: idna decodes and checks
# those). Apply it to the trimmed, lower-cased text of at most PLAIN_MAX_LENGTH characters, which
# is too short for a local part over 64 octets (69 characters at least) or a label over 63 (68),
# so the pattern need not count. Possessive: no part can match what the next part needs, so
# backtracking is futile.
PLAIN_ADDRESS = re.compile(rf"[{_ATEXT}]++(?:\.[{_ATEXT}]++)*+@{_LABEL}(?:\.{_LABEL})++")
PLAIN_MAX_LENGTH = 67
_PLAIN_DOMAIN = re.compile(rf"{_COUNTED_LABEL}(?:\.{_COUNTED_LABEL})++")
# In a local part, after lower-casing: an ASCII character that is neither atext nor a dot.
_LOCAL_FORBIDDEN = re.compile(rf"[^.\x80-\U0010ffff{_ATEXT}]")  # atext ends with "-": last in the class


def normalize(address: str) -> str:
    """The canonical mailbox of *address*; raise :class:`AddressInvalid` if it is not one."""
    text = address.strip()
    lowered = text.lower()
    if len(lowered) <= PLAIN_MAX_LENGTH and PLAIN_ADDRESS.fullmatch(lowered):
        return lowered
    return _canonical(text)


def _canonical(text: str) -> str:
    """The full check and canonical form of trimmed *text* (see the module's docstring)."""
    if len(text) > _MAX_INPUT:
        raise AddressInvalid(f"longer than {MAX_ADDRESS_LENGTH} octets")
    if not text.isprintable():  # control, format, unassigned, private-use, or space other than " "
        raise AddressInvalid("a control, format or space character (a zero-width space, for one)")
    if text[:7].lower() == "mailto:":
        raise AddressInvalid("a mailto: prefix: give the address alone")
    if "<" in text or ">" in text:
        raise AddressInvalid("angle brackets or a display name: give the address alone")
    if "(" in text or ")" in text:
        raise AddressInvalid("a comment in parentheses")
    local, at, domain = text.rpartition("@")
    if not at:
        raise AddressInvalid("no @")
    canonical = _canonical_local(local) + "@" + _canonical_domain(domain)
    if len(canonical.encode()) > MAX_ADDRESS_LENGTH:
        raise AddressInvalid(f"longer than {MAX_ADDRESS_LENGTH} octets")
    return canonical


def _canonical_local(local: str) -> str:
    """NFC, lower-cased and NFC again (lower-casing may decompose), checked as a Dot-string."""
    if not local:
        raise AddressInvalid("nothing before the @")
    canonical = unicodedata.normalize("NFC", unicodedata.normalize("NFC", local).lower())
    if "@" in canonical:
        raise AddressInvalid("more than one @")
    if '"' in canonical:
        raise AddressInvalid("a quoted local part (not accepted)")
    if _LOCAL_FORBIDDEN.search(canonical) or not canonical.isprintable():
        raise AddressInvalid("a character not allowed before the @ (a space or one of :;,[]\\)")
    if "" in canonical.split("."):
        raise AddressInvalid("a dot at the start or end of the part before the @, or two dots in a row")
    if len(canonical.encode()) > MAX_LOCAL_LENGTH:
        raise AddressInvalid(f"more than {MAX_LOCAL_LENGTH} octets before the @")
    return canonical


def _canonical_domain(domain: str) -> str:
    """The domain's A-labels, lower-cased: UTS 46 non-transitional mapping and IDNA 2008 checks."""
    lowered = domain.lower()
    if _PLAIN_DOMAIN.fullmatch(lowered):
        return lowered
    try:
        canonical = idna.encode(domain, uts46=True, std3_rules=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise AddressInvalid("the part after the @ is not a valid domain name") from None
    if canonical.endswith("."):
        raise AddressInvalid("a dot at the end of the domain")
    if "." not in canonical:
        raise AddressInvalid("a domain without a dot")
    return canonical


def pseudonymous_id(id_key: bytes, address: str) -> PidBytes:
    """Return the 16-byte pseudonymous id of *address* (canonicalized first)."""
    return pid_of_normal(id_key, normalize(address))


def pid_of(id_key: bytes, address: str) -> Pid:
    """The pseudonymous id of *address* as services and the database spell it (hex)."""
    return pid_hex(pseudonymous_id(id_key, address))


def pid_of_normal(id_key: bytes, normal: str) -> PidBytes:
    """The pseudonymous id of an address that :func:`normalize` already returned."""
    return PidBytes(_keyed(id_key).digest(normal.encode())[:PID_BYTES])


@functools.lru_cache(maxsize=4)
def _keyed(id_key: bytes) -> KeyedSha256:
    return KeyedSha256(id_key)
