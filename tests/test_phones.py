"""Phone numbers as identities: one E.164 number per line, whatever the spelling; never a new
person for a number that cannot exist; ids that can never equal an address's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optout import phones
from optout.config import ConfigError, load_settings
from optout.identity import AddressInvalid, normalize, pseudonymous_id

KEY = b"pseudonymous-id-key-0123456789-abcdefghijk"


@pytest.mark.parametrize(
    "spelling", ["+47 982 60 580", "98260580", "0047 98 26 05 80", "(+47) 98 26 05 80", " +4798260580 ", "982-60-580"]
)
def test_every_spelling_is_one_number(spelling: str) -> None:
    assert phones.normalize(spelling) == "+4798260580"
    assert phones.phone_id(KEY, spelling) == phones.phone_id(KEY, "+4798260580")


def test_the_region_reads_national_spellings() -> None:
    assert phones.normalize("070-123 45 67", "SE") == "+46701234567"
    assert phones.normalize("+46 70 123 45 67") == "+46701234567"  # international: the region does not matter


@pytest.mark.parametrize("bad", ["", "   ", "123", "+47 00000000", "not a number", "9" * 41, "+999 1234567"])
def test_a_number_that_cannot_exist_is_refused(bad: str) -> None:
    with pytest.raises(phones.NumberInvalid) as refused:
        phones.normalize(bad)
    assert bad.strip() == "" or bad not in refused.value.problem


@given(st.text(max_size=60))
def test_a_phone_id_is_never_an_address_id(text: str) -> None:
    """The number's id hashes ``tel:+…``; no canonical mailbox is that string (it has no ``@``)."""
    with pytest.raises(AddressInvalid):
        normalize(phones.NAMESPACE + text.replace("@", ""))


def test_the_default_region_setting(tmp_path) -> None:
    base = {"OPTOUT_SECRET_KEYS": "k" * 40, "OPTOUT_ID_KEY": "i" * 40, "OPTOUT_BASE_URL": "https://a.no"}
    load = lambda **extra: load_settings({**base, **extra}, instance_path=tmp_path, development=False)  # noqa: E731
    assert load().default_region == "NO"
    assert load(OPTOUT_DEFAULT_REGION="se").default_region == "SE"
    with pytest.raises(ConfigError, match="OPTOUT_DEFAULT_REGION"):
        load(OPTOUT_DEFAULT_REGION="Norway")
    assert phones.phone_id(KEY, "98260580") != pseudonymous_id(KEY, "98260580@example.no")
