"""A link works under one spelling only: the canonical base64url of what it carries (no padding,
no spare bits set in a last character), so that caches, limits and logs see one token per link."""

from __future__ import annotations

import pytest

from optout.identity import pseudonymous_id
from optout.tokens import Purpose
from tests.helpers.settings import BASE_URL, ID_KEY, OLD_KEY
from tests.tokens_oracle import FIRST_FORMAT, FORMAT_VERSION, reference_token

pytestmark = pytest.mark.dialect_independent(
    "token parsing; the opt-out a working link records runs on both in tests/unsubscribe"
)

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
PATHS = {Purpose.UNSUBSCRIBE: "/u/", Purpose.PREFERENCES: "/p/"}


def spellings(token: str) -> list[str]:
    """The other texts that decode to the same MAC: the 15 other last characters sharing its
    significant bits (a 16-byte MAC leaves 4 spare bits in its 22nd character), and padding."""
    last = ALPHABET.index(token[-1])
    same_bits = [ALPHABET[(last & ~0b1111) | spare] for spare in range(16)]
    others = [token[:-1] + char for char in same_bits if char != token[-1]]
    assert len(others) == 15
    return [*others, token + "=", token + "=="]


@pytest.fixture
def limited_app(make_app):
    # Every spelling is a bad link: a limit high enough that none of them is refused for the count.
    return make_app(OPTOUT_BAD_LINK_LIMIT="1000 per minute")


@pytest.mark.parametrize("version", [FIRST_FORMAT, FORMAT_VERSION])
@pytest.mark.parametrize("purpose", list(Purpose))
def test_only_the_canonical_spelling_of_a_link_works(limited_app, make_campaign, ledger, purpose, version):
    campaign = make_campaign("spring")
    pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no")
    token = reference_token([OLD_KEY.encode()], purpose, pid, campaign.id, "nb", version=version)
    client = limited_app.test_client()
    assert client.get(f"{BASE_URL}{PATHS[purpose]}{token}").status_code == 200
    bad_page = client.get(f"{BASE_URL}{PATHS[purpose]}not-a-token").get_data()
    for spelling in spellings(token):
        response = client.get(f"{BASE_URL}{PATHS[purpose]}{spelling}")
        assert response.status_code == 404, spelling
        assert response.get_data() == bad_page
    assert ledger() == []
