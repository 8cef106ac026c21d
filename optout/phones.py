"""Who a phone number is: one E.164 number per line, and its pseudonymous id.

Parsing is Google's libphonenumber (the ``phonenumbers`` port): national and international
spellings, spaces, brackets and the ``00`` prefix all give one E.164 number, and a number that
cannot exist is refused rather than becoming a new person. The id is a keyed hash like an
address's (:func:`optout.identity.pid_of_normal`) of ``tel:`` and the number: a canonical mailbox
always holds ``@`` and this never does, so an address and a number can never share an id.
"""

from __future__ import annotations

import phonenumbers

from .identity import pid_of_normal
from .pids import Pid, PidBytes, pid_hex

DEFAULT_REGION = "NO"
MAX_LENGTH = 40  # longer than any spelling of a real number; refused before parsing
NAMESPACE = "tel:"


class NumberInvalid(ValueError):
    """Not a phone number that can exist; ``problem`` says why, without repeating the number."""

    def __init__(self, problem: str = "not a valid phone number") -> None:
        super().__init__(problem)
        self.problem = problem


def normalize(number: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of *number* (``+4798260580``); a national spelling is read in *region*."""
    text = number.strip()
    if not text or len(text) > MAX_LENGTH:
        raise NumberInvalid("empty" if not text else "too long for a phone number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise NumberInvalid() from None
    if not phonenumbers.is_valid_number(parsed):
        raise NumberInvalid("not a number that can exist")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def valid_region(region: str) -> bool:
    """True if *region* is a region libphonenumber knows (``NO``, ``SE``, …)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def phone_id(id_key: bytes, number: str, region: str = DEFAULT_REGION) -> PidBytes:
    """The 16-byte pseudonymous id of *number* (normalized first)."""
    return pid_of_normal(id_key, NAMESPACE + normalize(number, region))


def is_number(text: str) -> bool:
    """True when *text* is meant as a phone number rather than an address: an address has ``@``."""
    return "@" not in text


def pid_of_number(id_key: bytes, number: str, region: str = DEFAULT_REGION) -> Pid:
    """The pseudonymous id of *number* as services spell it (hex); :class:`NumberInvalid` if none."""
    return pid_hex(phone_id(id_key, number, region))
