"""Link tokens: short, opaque, each purpose its own half of the MAC, format 1 still read, key rotation,
and nothing personal inside."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st
from itsdangerous import BadSignature

from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.tokens import LinkClaims, PairMinter, Purpose, TokenInvalid, TokenService
from optout.tokens.fast import Minter, Reader
from optout.tokens.format import derive_key
from tests.tokens_oracle import FIRST_FORMAT, FORMAT_VERSION, key_hint, make_signer, pack, reference_token

OLD = b"old-signing-key-0123456789-abcdefghijklmnop"
NEW = b"new-signing-key-0123456789-abcdefghijklmnop"
ID_KEY = b"pseudonymous-id-key-0123456789-abcdefghijk"
PID = pseudonymous_id(ID_KEY, "kari.nordmann@example.no")


def test_round_trip_for_each_purpose():
    service = TokenService([OLD, NEW])
    for purpose in Purpose:
        token = service.mint(purpose, PID, 42, "en")
        assert service.read(purpose, token) == LinkClaims(pid_bytes=PID, campaign_id=42, lang="en")


def test_a_token_of_one_purpose_is_refused_for_another():
    service = TokenService([NEW])
    token = service.mint(Purpose.PREFERENCES, PID, 1, "nb")
    with pytest.raises(TokenInvalid):
        service.read(Purpose.UNSUBSCRIBE, token)


@pytest.mark.parametrize("version", [FIRST_FORMAT, FORMAT_VERSION])
@pytest.mark.parametrize("purpose", list(Purpose))
def test_keys_are_derived_as_itsdangerous_derives_them(purpose, version):
    for key in (OLD, NEW):
        assert derive_key(key, purpose, version) == make_signer([key], purpose, version).derive_key()


def test_claims_spell_the_pseudonymous_id_in_hex_for_the_services():
    claims = TokenService([NEW]).read(Purpose.UNSUBSCRIBE, TokenService([NEW]).mint(Purpose.UNSUBSCRIBE, PID, 1, "nb"))
    assert claims.pid_bytes == PID and claims.pid_hex == PID.hex()


def test_fast_minting_is_byte_identical_to_itsdangerous():
    for purpose in Purpose:
        expected = reference_token([OLD, NEW], purpose, PID, 7, "nb")
        assert Minter([OLD, NEW], purpose).mint(PID, 7, "nb") == expected


def test_a_recipients_two_links_share_their_payload_but_not_their_signature():
    service = TokenService([NEW])
    unsubscribe, preferences = (service.mint(purpose, PID, 7, "nb") for purpose in Purpose)
    assert service.mint_pair(PID, 7, "nb") == (unsubscribe, preferences)
    (payload, mac), (same_payload, other_mac) = unsubscribe.split("."), preferences.split(".")
    assert payload == same_payload and mac != other_mac
    # Swapping the signatures, or giving either link to the other page, never verifies.
    for purpose, token in [(Purpose.UNSUBSCRIBE, preferences), (Purpose.PREFERENCES, unsubscribe)]:
        with pytest.raises(TokenInvalid):
            service.read(purpose, token)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_format_1_tokens_in_mail_already_sent_still_verify_for_their_own_purpose_only(purpose):
    service = TokenService([OLD, NEW])
    for keys in ([OLD], [NEW]):
        token = reference_token(keys, purpose, PID, 7, "en", version=FIRST_FORMAT)
        assert service.read(purpose, token) == LinkClaims(pid_bytes=PID, campaign_id=7, lang="en")
        other = Purpose.PREFERENCES if purpose is Purpose.UNSUBSCRIBE else Purpose.UNSUBSCRIBE
        with pytest.raises(TokenInvalid):
            service.read(other, token)
    with pytest.raises(TokenInvalid):  # its key retired: refused like any other
        TokenService([NEW]).read(purpose, reference_token([OLD], purpose, PID, 7, "en", version=FIRST_FORMAT))


@given(st.data())
def test_reader_accepts_exactly_what_itsdangerous_accepts_written_canonically(data):
    keys = [OLD, NEW]
    token = data.draw(
        st.sampled_from(
            [
                TokenService([OLD]).mint(Purpose.UNSUBSCRIBE, PID, 3, "nb"),
                TokenService([NEW]).mint(Purpose.UNSUBSCRIBE, PID, 3, "en"),
                TokenService([NEW]).mint(Purpose.PREFERENCES, PID, 3, "en"),
                reference_token([OLD], Purpose.UNSUBSCRIBE, PID, 3, "nb", version=FIRST_FORMAT),
                reference_token([NEW], Purpose.PREFERENCES, PID, 3, "nb", version=FIRST_FORMAT),
            ]
        )
    )
    position = data.draw(st.integers(0, len(token)))
    insert = data.draw(st.text(alphabet="AZaz09-_.=+/ ", max_size=3))
    cut = data.draw(st.integers(0, 3))
    candidate = token[:position] + insert + token[position + cut :]
    expected = None
    for version in (FIRST_FORMAT, FORMAT_VERSION):  # a token is either format's, never both
        try:
            value = make_signer(keys, Purpose.UNSUBSCRIBE, version).unsign(candidate.encode())
        except BadSignature:
            continue
        payload = base64.urlsafe_b64decode(value + b"=" * (-len(value) % 4))
        if payload[:1] == bytes([version]) and _canonical(candidate):  # each format's key signs its own payloads
            expected = payload
    try:
        actual = Reader(keys, Purpose.UNSUBSCRIBE).unsign(candidate)
    except TokenInvalid:
        actual = None
    assert actual == expected


def _canonical(token: str) -> bool:
    """Whether *token* is the unpadded base64url of the bytes its parts decode to."""
    parts = token.encode().split(b".")
    if len(parts) != 2:
        return False
    decoded = [base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4)) for part in parts]
    return [base64.urlsafe_b64encode(raw).rstrip(b"=") for raw in decoded] == parts


def test_key_rotation():
    old_service, rotated, retired = TokenService([OLD]), TokenService([OLD, NEW]), TokenService([NEW])
    old_token = old_service.mint(Purpose.UNSUBSCRIBE, PID, 1, "nb")
    assert rotated.read(Purpose.UNSUBSCRIBE, old_token).pid_bytes == PID  # old key still listed: works
    with pytest.raises(TokenInvalid):
        retired.read(Purpose.UNSUBSCRIBE, old_token)  # old key removed: refused
    new_token = rotated.mint(Purpose.UNSUBSCRIBE, PID, 1, "nb")
    assert retired.read(Purpose.UNSUBSCRIBE, new_token).pid_bytes == PID  # new tokens use the newest key
    with pytest.raises(TokenInvalid):
        old_service.read(Purpose.UNSUBSCRIBE, new_token)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1],
        lambda t: t[:20],
        lambda t: t[1:],
        lambda t: t.replace(".", ""),
        lambda t: t.upper(),
        lambda t: t + "A",
        lambda t: "",
        lambda t: "." * 5,
        lambda t: "ø" + t,
    ],
)
def test_mangled_tokens_are_refused(mangle):
    service = TokenService([NEW])
    token = service.mint(Purpose.UNSUBSCRIBE, PID, 1, "nb")
    with pytest.raises(TokenInvalid):
        service.read(Purpose.UNSUBSCRIBE, mangle(token))


@given(st.text(max_size=200))
def test_arbitrary_text_never_verifies_and_never_crashes(text):
    with pytest.raises(TokenInvalid):
        Reader([NEW], Purpose.UNSUBSCRIBE).read(text)


def test_a_validly_signed_payload_with_an_unknown_language_or_version_is_refused():
    signer = make_signer([NEW], Purpose.UNSUBSCRIBE)
    raw = base64.urlsafe_b64decode(pack(key_hint(signer.derive_key()), PID, 1, "nb") + b"=")
    for bad in (bytes([9]) + raw[1:], raw[:-1] + bytes([7])):
        token = signer.sign(base64.urlsafe_b64encode(bad).rstrip(b"=")).decode()
        with pytest.raises(TokenInvalid):
            Reader([NEW], Purpose.UNSUBSCRIBE).read(token)


def test_tokens_hold_no_address_and_urls_stay_short():
    base_url = "https://optout.mesier-demo1.no"  # 30 characters
    assert len(base_url) == 30
    email = "kari.nordmann+nyhetsbrev@example.no"
    links = links_for(TokenService([OLD, NEW]), base_url, pseudonymous_id(ID_KEY, email), 123456, "nb")
    assert len(links.unsubscribe_url) < 110 and len(links.preferences_url) < 110
    for url in (links.unsubscribe_url, links.preferences_url):
        token = url.rsplit("/", 1)[1]
        payload, signature = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split("."))
        # The payload is exactly version, key hint, pseudonymous id, campaign and language: 23 bytes.
        assert len(payload) == 23
        assert payload[:1] + payload[2:] == (
            bytes([FORMAT_VERSION]) + pseudonymous_id(ID_KEY, email) + (123456).to_bytes(4, "big") + bytes([0])
        )
        assert len(signature) == 16
        for fragment in (email, "kari", "nyhetsbrev", "example"):
            assert fragment.encode() not in payload + signature and fragment not in url
    assert links.list_unsubscribe == f"<{links.unsubscribe_url}>"
    assert links.list_unsubscribe_post == "List-Unsubscribe=One-Click"


@given(key=st.binary(max_size=150), message=st.binary(max_size=300))
def test_keyed_sha256_is_hmac_sha256(key, message):
    import hmac

    from optout.keyedhash import KeyedSha256

    assert KeyedSha256(key).digest(message) == hmac.digest(key, message, "sha256")


def test_a_pair_is_two_purposes_under_the_same_keys():
    with pytest.raises(ValueError, match="same keys"):
        PairMinter(Minter([NEW], Purpose.UNSUBSCRIBE), Minter([NEW], Purpose.UNSUBSCRIBE))
    with pytest.raises(ValueError, match="same keys"):
        PairMinter(Minter([NEW], Purpose.UNSUBSCRIBE), Minter([OLD], Purpose.PREFERENCES))


@given(pid=st.binary(min_size=16, max_size=16), campaign=st.integers(0, 2**32 - 1), lang=st.sampled_from(["nb", "en"]))
def test_pair_minting_is_byte_identical_to_minting_one_by_one(pid, campaign, lang):
    unsubscribe, preferences = Minter([OLD, NEW], Purpose.UNSUBSCRIBE), Minter([OLD, NEW], Purpose.PREFERENCES)
    assert PairMinter(unsubscribe, preferences).mint(pid, campaign, lang) == (
        unsubscribe.mint(pid, campaign, lang),
        preferences.mint(pid, campaign, lang),
    )


@given(
    claims=st.lists(st.tuples(st.binary(min_size=16, max_size=16), st.sampled_from(["nb", "en"])), max_size=40),
    campaign=st.integers(0, 2**32 - 1),
)
def test_minting_many_is_byte_identical_to_minting_one_by_one(claims, campaign):
    unsubscribe, preferences = Minter([OLD, NEW], Purpose.UNSUBSCRIBE), Minter([OLD, NEW], Purpose.PREFERENCES)
    pids, langs = [pid for pid, _ in claims], [lang for _, lang in claims]
    first, second = PairMinter(unsubscribe, preferences).mint_many(pids, campaign, langs)
    assert len(first) == len(second) == len(claims)
    assert first.tokens() == [unsubscribe.mint(pid, campaign, lang) for pid, lang in claims]
    assert second.tokens() == [preferences.mint(pid, campaign, lang) for pid, lang in claims]
