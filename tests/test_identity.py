"""One canonical mailbox per person: which spellings are one person, which stay distinct, which
are refused (audit 2026-12, finding 1), and that the fast path agrees with the full check."""

# Full-width look-alikes (RUF001) are what these tests are about: they are spelled out on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import re
import unicodedata

import idna
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from optout.identity import PLAIN_ADDRESS, PLAIN_MAX_LENGTH, AddressInvalid, normalize, pid_of, pseudonymous_id
from optout.pids import pid_hex
from tests.helpers.settings import ID_KEY


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (U+FF01 onwards)."""
    return "".join(chr(ord(ch) - 0x21 + 0xFF01) if ch.isascii() and ch.isalnum() else ch for ch in text)


BLAABAER = "xn--blbr-roah.no"  # the A-label of blåbær.no

CANONICAL = [
    # The audit's table: A is the spelling opted out, B the one on the next list; both one person.
    ("idn@blåbær.no", f"idn@{BLAABAER}"),
    (f"idn@{BLAABAER}", f"idn@{BLAABAER}"),
    ("kåre@example.no", "kåre@example.no"),
    (nfd("kåre@example.no"), "kåre@example.no"),
    (nfd("dom@blåbær.no"), f"dom@{BLAABAER}"),
    ("fwd@ｅｘａｍｐｌｅ.no", "fwd@example.no"),
    ("ØYVIND@BLÅBÆR.NO", f"øyvind@{BLAABAER}"),
    ("\u00a0nbsp@example.no\u00a0", "nbsp@example.no"),
    (" \t\u00a0nbsp@example.no \u3000", "nbsp@example.no"),
    ("STRAẞE@example.no", "straße@example.no"),
    ("straße@example.no", "straße@example.no"),
    ("\u212aelvin@example.no", "kelvin@example.no"),  # the Kelvin sign is K by NFC: harmless over-match
    ("ifs@example。no", "ifs@example.no"),  # UTS 46 maps the ideographic full stop to "."
    # Norwegian cases
    ("øyvind@blåbær.no", f"øyvind@{BLAABAER}"),
    ("Øyvind@BLÅBÆR.no", f"øyvind@{BLAABAER}"),
    (nfd("Øyvind@Blåbær.no"), f"øyvind@{BLAABAER}"),
    ("ÆRLIG@XN--BLBR-ROAH.NO", f"ærlig@{BLAABAER}"),
    ("ærlig@ｂｌåｂæｒ.no", f"ærlig@{BLAABAER}"),
    ("Kari@BLÅBÆR.NO", f"kari@{BLAABAER}"),
    ("kari@Xn--Blbr-Roah.No", f"kari@{BLAABAER}"),
    ("per@ÆRØ.dk", "per@xn--r-3fa9c.dk"),
    ("kåre@post.blåbær.no", f"kåre@post.{BLAABAER}"),
    ("A\u030ase@example.no", "åse@example.no"),  # a combining ring in the local part composes
    ("ole\u0301@example.no", "olé@example.no"),
    ("Kari.Nordmann@EXAMPLE.no", "kari.nordmann@example.no"),
    ("oğuz@EXAMPLE.COM", "oğuz@example.com"),
    # Distinct mailboxes keep distinct canonical forms
    ("kari+x@blåbær.no", f"kari+x@{BLAABAER}"),
    ("k.ari@blåbær.no", f"k.ari@{BLAABAER}"),
    ("ｆｗｌ@example.no", "ｆｗｌ@example.no"),  # a full-width local part is another mailbox (RFC 6531)
    ("kari@xn--blbr-roa0a.no", "kari@xn--blbr-roa0a.no"),  # blåbré.no, not blåbær.no
    ("kari@blåbré.no", "kari@xn--blbr-roa0a.no"),
    ("tag+x@example.no", "tag+x@example.no"),
    ("ab@example.no", "ab@example.no"),
    ("strasse@example.no", "strasse@example.no"),  # lower-cased, not case-folded: not straße
    ("kari@abc--d.no", "kari@abc--d.no"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("!#$%&'*+/=?^_`{|}~-@example.no", "!#$%&'*+/=?^_`{|}~-@example.no"),
    ("a" * 64 + "@example.no", "a" * 64 + "@example.no"),
    ("kari@" + "a" * 63 + ".no", "kari@" + "a" * 63 + ".no"),
]

REFUSED = [
    "",
    "plain",
    "@example.no",
    "kari@",
    "kari@nodot",
    "kari@localhost",
    "mailto:mto@example.no",
    "MAILTO:mto@example.no",
    "Mailto:mto@blåbær.no",
    "Kari <ang@example.no>",
    "<ang2@example.no>",
    "kari(comment)@example.no",
    "kari@example.no(comment)",
    "kari@@example.no",
    "kari@example.no@x.no",
    "a:b@example.no",
    "[kari]@example.no",
    "ka\\ri@example.no",
    '"kari"@example.no',
    '"ka ri"@example.no',
    "ka ri@example.no",
    "a,b@example.no",
    "a;b@example.no",
    "kari@example.no,ola@example.no",
    ".kari@example.no",
    "kari.@example.no",
    "ka..ri@example.no",
    "kari@example..no",
    "kari@.example.no",
    "kari@example.no.",
    "dot@example.no.",
    "kari@example.no。",
    "kari@-example.no",
    "kari@example-.no",
    "kari@ab--cd.no",  # hyphens in the 3rd and 4th position are reserved (IDNA 2008)
    "kari@xn--abc.no",  # not an A-label at all
    "kari@xn--blbr-roah-.no",
    "kari@exa_mple.no",
    "kari@[192.0.2.1]",
    "fwa＠example.no",  # a full-width at sign is no @
    "ka\u200bri@example.no",  # zero-width space inside
    "\u200bkari@example.no",  # and at an edge: invisible, so never stripped
    "kari@exa\u200bmple.no",  # UTS 46 would drop it silently from a domain
    "kari@exa\u00admple.no",  # soft hyphen: the same
    "\ufeffkari@example.no",
    "ka\u2060ri@example.no",  # word joiner
    "ka\x00ri@example.no",
    "ka\x1bri@example.no",
    "ka\u00a0ri@example.no",  # NBSP inside is not padding
    "a" * 65 + "@example.no",
    "æ" * 33 + "@example.no",  # 66 octets of UTF-8
    "kari@" + "a" * 64 + ".no",
    "x" * 64 + "@" + ".".join(["a" * 62] * 3) + ".no",  # 256 octets
    "kari@💩.la",
]


@pytest.mark.parametrize(("spelling", "canonical"), CANONICAL)
def test_each_spelling_has_its_canonical_mailbox(spelling, canonical):
    assert normalize(spelling) == canonical
    assert normalize(canonical) == canonical
    assert pseudonymous_id(ID_KEY.encode(), spelling) == pseudonymous_id(ID_KEY.encode(), canonical)


@pytest.mark.parametrize(
    "same",
    [
        ["idn@blåbær.no", f"idn@{BLAABAER}", "IDN@BLÅBÆR.NO", nfd("idn@blåbær.no"), "idn@ｂｌåｂæｒ.no"],
        ["kåre@example.no", nfd("kåre@example.no"), "KÅRE@EXAMPLE.NO", " kåre@ｅｘａｍｐｌｅ.no\u00a0"],
        ["øyvind@blåbær.no", "Øyvind@BLÅBÆR.no", "ØYVIND@XN--BLBR-ROAH.NO", nfd("ØYVIND@blåbær.no")],
        ["straße@example.no", "STRAẞE@EXAMPLE.NO"],
    ],
)
def test_spellings_of_one_mailbox_are_one_person(same):
    assert len({pseudonymous_id(ID_KEY.encode(), spelling) for spelling in same}) == 1


@pytest.mark.parametrize(
    "distinct",
    [
        ["kari@blåbær.no", "kari+x@blåbær.no", "k.ari@blåbær.no", "ｋａｒｉ@blåbær.no", "kari@xn--blbr-roa0a.no"],
        ["straße@example.no", "strasse@example.no"],
    ],
)
def test_other_mailboxes_stay_other_people(distinct):
    assert len({pseudonymous_id(ID_KEY.encode(), address) for address in distinct}) == len(distinct)


def test_the_id_depends_on_the_key():
    other = b"another-key-0123456789-0123456789ab"
    assert pseudonymous_id(other, "kari@blåbær.no") != pseudonymous_id(ID_KEY.encode(), "kari@blåbær.no")


def test_the_hex_id_is_the_raw_id_spelled_in_hex_and_refuses_what_is_not_an_address():
    """``pid_of`` is what services get: the 16 raw bytes of the keyed hash as 32 lower-case hex digits."""
    raw = pseudonymous_id(ID_KEY.encode(), "kari@blåbær.no")
    assert len(raw) == 16
    assert pid_of(ID_KEY.encode(), " Kari@BLÅBÆR.no ") == pid_hex(raw) == raw.hex()
    assert re.fullmatch("[0-9a-f]{32}", pid_of(ID_KEY.encode(), "kari@blåbær.no"))
    with pytest.raises(AddressInvalid):
        pid_of(ID_KEY.encode(), "not an address")


@pytest.mark.parametrize("spelling", REFUSED)
def test_what_is_not_a_mailbox_is_refused_with_a_reason_that_does_not_repeat_it(spelling):
    with pytest.raises(AddressInvalid) as refused:
        normalize(spelling)
    problem = refused.value.problem
    assert problem and (len(spelling) < 6 or spelling.strip() not in problem)
    with pytest.raises(AddressInvalid):
        pseudonymous_id(ID_KEY.encode(), spelling)


def test_a_pathological_length_is_refused_quickly():
    import time

    start = time.perf_counter()
    for text in ("a" * 65536 + "@example.no", "a@" + "a-" * 32768 + ".no", "æ@" + "-." * 32768):
        with pytest.raises(AddressInvalid):
            normalize(text)
    assert time.perf_counter() - start < 0.1


# Norwegian-ish addresses: letters with and without marks, digits, dots and plus inside the local part.
LOCAL_LETTERS = "abcdeklnorsæøåéüÆØÅÉ"
local_parts = st.lists(st.text(alphabet=LOCAL_LETTERS + "09", min_size=1, max_size=8), min_size=1, max_size=3).map(
    ".".join
) | st.tuples(st.text(alphabet=LOCAL_LETTERS, min_size=1, max_size=8), st.text("abc", max_size=4)).map("+".join)
labels = st.text(alphabet="abeklnorsæøåéÆØÅ", min_size=1, max_size=12)
domains = st.tuples(st.lists(labels, min_size=1, max_size=2), st.sampled_from(["no", "dk", "se", "com"])).map(
    lambda parts: ".".join([*parts[0], parts[1]])
)


def _a_label(domain: str) -> str:
    return idna.encode(domain, uts46=True, transitional=False).decode()


def _u_label(domain: str) -> str:
    return idna.decode(_a_label(domain))


@given(local=local_parts, domain=domains)
@example(local="Øyvind", domain="BLÅBÆR.no")
def test_case_nfc_nfd_a_label_u_label_and_width_variants_are_one_canonical_mailbox(local, domain):
    variants = [
        f"{local}@{domain}",
        f"{local.upper()}@{domain.upper()}",
        f"{local.lower()}@{domain.lower()}",
        nfd(f"{local}@{domain}"),
        unicodedata.normalize("NFC", f"{local}@{domain}"),
        f"{local}@{_a_label(domain)}",
        f"{local}@{_a_label(domain).upper()}",
        f"{local}@{_u_label(domain)}",
        f"{nfd(local)}@{full_width(domain)}",
        f"\u00a0 {local}@{domain}\t",
    ]
    canonical = {normalize(variant) for variant in variants}
    assert len(canonical) == 1
    [mailbox] = canonical
    assert mailbox.rpartition("@")[2] == _a_label(domain.lower())  # the domain as its A-labels


@given(st.text(max_size=30) | st.builds("{}@{}".format, st.text(max_size=12), st.text(max_size=12)))
@example("Kari@BLÅBÆR.NO")
@example("\u212a@\u212a.no")
@example("İ@example.no")
def test_the_canonical_form_is_its_own_canonical_form(text):
    try:
        canonical = normalize(text)
    except AddressInvalid:
        return
    assert normalize(canonical) == canonical
    assert canonical == canonical.strip() and unicodedata.is_normalized("NFC", canonical)


ASCII_ADDRESSES = st.from_regex(r"[a-zA-Z0-9.+_'-]{1,12}@[a-zA-Z0-9.-]{1,12}", fullmatch=True) | st.text(
    alphabet="aZ9.-@x+n", min_size=1, max_size=20
)


@given(ASCII_ADDRESSES)
@example("kari@xn--blbr-roah.no")
@example("kari@a-.no")
@example("kari@ab--cd.no")
@example(".kari@example.no")
def test_the_fast_path_accepts_only_what_the_full_check_gives_back_unchanged(text):
    lowered = text.lower()
    if not (len(lowered) <= PLAIN_MAX_LENGTH and PLAIN_ADDRESS.fullmatch(lowered)):
        return
    local, _at, domain = lowered.rpartition("@")
    # A full-width domain is never plain, so this spelling takes the full check, local part and all.
    assert normalize(f"{local}@{full_width(domain)}") == lowered == normalize(text)


@given(st.from_regex(r"[a-z0-9.@_-]{0,16}", fullmatch=True) | st.text(alphabet="ab.@-", max_size=16))
def test_the_possessive_address_pattern_accepts_what_the_backtracking_one_does(text):
    atext = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
    label = r"[a-z0-9]+(-[a-z0-9]+)*"
    backtracking = re.compile(rf"{atext}(\.{atext})*@{label}(\.{label})+")
    assert bool(PLAIN_ADDRESS.fullmatch(text)) == bool(backtracking.fullmatch(text))
