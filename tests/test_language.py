"""Language: ?lang, then the token's language, then Accept-Language (no/nn/nb-NO/no-NO mean
bokmål), then bokmål; a visible switch; whole pages in either language."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.dialect_independent(
    "language negotiation and page text; what pages record runs on both in tests/unsubscribe, tests/preferences"
)

EMAIL = "per@example.no"


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@pytest.fixture
def english_campaign(make_campaign):
    return make_campaign("newsletter-en", topic="periodic", lang="en")


def _lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)">', html).group(1)


@pytest.mark.parametrize("header", ["no", "nn", "nb-NO", "no-NO", "nn-NO,en;q=0.5", "da, no;q=0.8"])
def test_norwegian_accept_language_aliases_mean_bokmal(client, links, english_campaign, header):
    # the English campaign token would say en; Accept-Language only decides where no token does
    response = client.get("https://optout.example.no/", headers={"Accept-Language": header})
    assert _lang(response.text) == "nb" and "Velg hva du får fra oss" in response.text


def test_english_accept_language(client):
    response = client.get("https://optout.example.no/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert _lang(response.text) == "en" and "Choose what we send you" in response.text


def test_unsupported_accept_language_falls_back_to_bokmal(client):
    assert _lang(client.get("https://optout.example.no/", headers={"Accept-Language": "de-DE"}).text) == "nb"


def test_token_language_beats_accept_language(client, links, english_campaign):
    url = links(EMAIL, english_campaign).preferences_url
    response = client.get(url, headers={"Accept-Language": "nb-NO"})
    assert _lang(response.text) == "en" and "Your choices" in response.text


def test_explicit_switch_beats_the_token(client, links, english_campaign):
    url = links(EMAIL, english_campaign).preferences_url
    response = client.get(url + "?lang=nb", headers={"Accept-Language": "en"})
    assert _lang(response.text) == "nb" and "Dine valg" in response.text


def test_every_page_has_a_switch_carrying_the_other_language(client, links, campaign):
    url = links(EMAIL, campaign).unsubscribe_url
    norwegian = client.get(url)
    switch = re.search(r'<a href="([^"]+)" lang="en" hreflang="en">English</a>', norwegian.text)
    assert switch and switch.group(1) == "?lang=en"
    english = client.get(url + "?lang=en")
    assert _lang(english.text) == "en"
    assert re.search(r'<a href="\?lang=nb" lang="nb" hreflang="nb">Norsk \(bokmål\)</a>', english.text)


def test_an_unknown_language_is_explained_in_the_fallback(client, links, campaign):
    response = client.get(links(EMAIL, campaign).preferences_url + "?lang=klingon")
    assert response.status_code == 200
    assert _lang(response.text) == "nb"
    assert "Siden finnes ikke på språket «klingon», så den vises på bokmål." in response.text


@pytest.mark.parametrize(
    ("lang", "expected", "absent"),
    [
        (
            "nb",
            [
                "Dine valg",
                "Hva vil du få fra oss?",
                "Lagre valgene mine",
                "Meld meg av alt",
                "Spørsmål om personopplysningene dine?",
                "sist endret",
                "28. februar 2020",
            ],
            ["Your choices", "Save my choices", "last updated", "February"],
        ),
        (
            "en",
            [
                "Your choices",
                "What would you like to get from us?",
                "Save my choices",
                "Unsubscribe from everything",
                "Questions about your personal data?",
                "last updated",
                "28 February 2020",
                "Mesier newsletter",
                "News and tips about mesier.com",
            ],
            ["Dine valg", "Lagre", "sist endret", "februar", "Nyhetsbrev fra Mesier"],
        ),
    ],
)
def test_preference_page_is_wholly_in_one_language(client, links, campaign, lang, expected, absent):
    html = client.get(links(EMAIL, campaign, lang=lang).preferences_url).text
    assert _lang(html) == lang
    for text in expected:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def test_confirmation_pages_in_both_languages(client, links, campaign):
    nb = client.post(links(EMAIL, campaign).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert "Du er meldt av" in nb.text and "«Nyhetsbrev fra Mesier»" in nb.text
    en = client.post(links(EMAIL, campaign, lang="en").unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    assert "You are unsubscribed" in en.text and "You were already unsubscribed" in en.text
