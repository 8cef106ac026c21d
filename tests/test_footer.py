"""The footer every public page shares: the officer's contact block in the page's language, the
phone as +47 98 26 05 80, the language switch marked with its own language, and the skip link."""

from __future__ import annotations

import html
import json
import re

import pytest

pytestmark = pytest.mark.dialect_independent("the footer's and root page's words and lang attributes")

ROOT = "https://optout.example.no/"


def _footer(html: str) -> str:
    return html.split('<footer class="site">', 1)[1]


@pytest.mark.parametrize(
    ("lang", "attention", "country", "other"),
    [
        ("nb", "Att.: Personvernansvarlig", "Norge", "Attn: Privacy Officer"),
        ("en", "Attn: Privacy Officer", "Norway", "Att.: Personvernansvarlig"),
    ],
)
def test_the_contact_block_is_in_the_pages_language(client, lang, attention, country, other):
    footer = _footer(client.get(f"{ROOT}?lang={lang}").text)
    assert f"Mesier AS, {attention}<br>" in footer
    assert f"Mosseveien 148, 1172 Oslo, {country}<br>" in footer
    assert other not in footer and "Privacy And Cookie" not in footer


def test_the_phone_is_written_without_brackets_and_dialled_in_full(client):
    footer = _footer(client.get(ROOT).text)
    assert '<a href="tel:+4798260580">+47 98 26 05 80</a>' in footer
    assert '<a href="mailto:post@mesier.com">post@mesier.com</a>' in footer


def test_the_footer_is_short(client):
    footer = _footer(client.get(ROOT).text)
    address = re.search(r"<address>(.*?)</address>", footer, re.S).group(1)
    assert address.count("<br>") == 2  # name and attention; postal address; email and phone


@pytest.mark.parametrize(
    ("lang", "skip", "title"),
    [
        ("nb", "Hopp til hovedinnholdet", "Velg hva du får fra oss"),
        ("en", "Skip to main content", "Choose what we send you"),
    ],
)
def test_the_root_page_says_what_to_do_and_where_to_turn(client, lang, skip, title):
    page = client.get(f"{ROOT}?lang={lang}").text
    assert f'<a class="skip" href="#main">{skip}</a>' in page
    assert f"<title>{title} \u2013 Mesier AS</title>" in page and f"<h1>{title}</h1>" in page
    expected = {
        "nb": "Har du ingen e-post fra oss? Skriv til oss, så hjelper vi deg",
        "en": "No email from us to hand? Write to us and we'll help",
    }[lang]
    assert expected in html.unescape(page)


def test_the_switch_names_the_other_language_in_that_language(client):
    nb = client.get(ROOT).text
    en = client.get(f"{ROOT}?lang=en").text
    assert '<html lang="nb">' in nb and 'lang="en" hreflang="en">English</a>' in nb
    assert '<html lang="en">' in en and 'lang="nb" hreflang="nb">Norsk (bokmål)</a>' in en


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("nb", "så den vises på bokmål."), ("en", "so this page is shown in English.")],
)
def test_a_language_named_in_a_sentence_is_lower_case_in_bokmal(client, accept, expected):
    page = client.get(f"{ROOT}?lang=xx", headers={"Accept-Language": accept}).text
    assert expected in page


def test_per_language_settings_reach_the_footer(make_app):
    app = make_app(
        OPTOUT_OFFICER_ATTENTION_NB="Att.: Personvernombudet",
        OPTOUT_OFFICER_ATTENTION_EN="Attn: Data Protection Officer",
        OPTOUT_OFFICER_COUNTRY_NB="",
    )
    client = app.test_client()
    nb = _footer(client.get(ROOT).text)
    en = _footer(client.get(f"{ROOT}?lang=en").text)
    assert "Mesier AS, Att.: Personvernombudet<br>" in nb and "1172 Oslo<br>" in nb  # no country on nb pages
    assert "Mesier AS, Attn: Data Protection Officer<br>" in en and "1172 Oslo, Norway<br>" in en


def test_the_record_of_processing_names_the_contact_in_each_sections_language(optout, tmp_path):
    path = tmp_path / "record.json"
    result = optout("record", "--format", "json", "--output", str(path))
    assert result.exit_code == 0, result.output
    sections = json.loads(path.read_text())["sections"]
    nb, en = sections["nb"][0]["text"], sections["en"][0]["text"]
    assert "Mosseveien 148, 1172 Oslo, Norge" in nb and "Att.: Personvernansvarlig" in nb and "Attn:" not in nb
    assert "Mosseveien 148, 1172 Oslo, Norway" in en and "Attn: Privacy Officer" in en and "Att.:" not in en
