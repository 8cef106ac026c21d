# ruff: noqa: RUF001 - the en dashes are the pages' own, in bokmål and English alike
"""Error pages in plain words, each with a way on, each with the reminder that the unsubscribe
link always works; correct statuses, and never a token that did not verify."""

from __future__ import annotations

import pytest

from tests.helpers.settings import BASE_URL
from tests.unsubscribe.pages import h1, title

pytestmark = pytest.mark.dialect_independent("error pages' words, links and statuses; no decision is read or written")

SAFETY = {
    "nb": "Vil du bare melde deg av? Bruk avmeldingslenken i e-posten – den virker alltid.",
    "en": "Only want to unsubscribe? Use the unsubscribe link in the email – it always works.",
}


@pytest.fixture
def made(links, make_campaign):
    return links("kari@example.no", make_campaign("newsletter", topic="periodic"))


def _path(url: str) -> str:
    return url.removeprefix(BASE_URL)


@pytest.mark.parametrize(
    ("lang", "heading"), [("nb", "Denne siden kan ikke åpnes direkte"), ("en", "This page can't be opened directly")]
)
def test_a_bookmarked_button_address_says_so_and_leads_back_to_its_page(client, made, lang, heading):
    page = client.get(made.unsubscribe_url + f"/everything?lang={lang}")
    assert page.status_code == 405
    assert h1(page.text) == title(page.text)
    assert heading in page.text.replace("&#39;", "'") and SAFETY[lang] in page.text
    assert f'<a href="{_path(made.unsubscribe_url)}">' in page.text
    assert "/p/" not in page.text  # the unsubscribe link's error never leads to the preferences page


def test_an_oversized_form_is_refused_with_a_way_back(client, made, ledger):
    page = client.post(made.unsubscribe_url, data={"List-Unsubscribe": "One-Click", "padding": "x" * 100_000})
    assert page.status_code == 413
    assert h1(page.text) == "Skjemaet er for stort" and SAFETY["nb"] in page.text
    assert f'<a href="{_path(made.unsubscribe_url)}">Tilbake til avmeldingssiden</a>' in page.text
    assert ledger() == []


def test_a_bad_token_is_never_echoed_on_an_error_page(client, made):
    forged = made.unsubscribe_url[:-3] + "xyz"
    page = client.get(forged + "/everything")
    assert page.status_code == 405
    assert forged.rsplit("/", 1)[1] not in page.text and "Tilbake til" not in page.text


def test_the_csrf_page_explains_cookies_and_offers_the_way_back_and_the_safety_net(client, made):
    client.get(made.preferences_url)
    page = client.post(
        made.preferences_url, data={"shown": ["topic:periodic"]}, headers={"Referer": made.preferences_url}
    )
    assert page.status_code == 400
    assert "Det skjer oftest når nettleseren blokkerer informasjonskapsler" in page.text
    assert f'<a href="{_path(made.preferences_url)}">Tilbake til valgene dine</a>' in page.text
    assert SAFETY["nb"] in page.text


def test_the_bad_link_and_not_found_pages_carry_the_safety_net(client):
    for lang in ("nb", "en"):
        bad = client.get(f"{BASE_URL}/u/not-a-token?lang={lang}")
        missing = client.get(f"{BASE_URL}/nowhere?lang={lang}")
        assert (bad.status_code, missing.status_code) == (404, 404)
        assert SAFETY[lang] in bad.text and SAFETY[lang] in missing.text


def test_too_many_bad_links_in_plain_words(make_app, make_campaign):
    client = make_app(OPTOUT_BAD_LINK_LIMIT="1 per minute").test_client()
    client.get(f"{BASE_URL}/u/bad-1")
    page = client.get(f"{BASE_URL}/u/bad-2?lang=en")
    assert page.status_code == 429
    assert "We've had a lot of broken links from your network" in page.text.replace("&#39;", "'")
    assert SAFETY["en"] in page.text and "bad-2" not in page.text


def test_the_console_error_pages_do_not_carry_the_recipients_line(client):
    page = client.get(f"{BASE_URL}/officer/nowhere")
    assert page.status_code == 404 and SAFETY["nb"] not in page.text


def test_an_error_page_speaks_the_language_of_the_link_in_its_address(client, links, make_campaign):
    english = links("kari@example.no", make_campaign("spring-en", topic="periodic", lang="en"))
    page = client.get(english.unsubscribe_url + "/undo")
    assert page.status_code == 405 and '<html lang="en">' in page.text
    assert SAFETY["en"] in page.text and "Back to the unsubscribe page" in page.text
