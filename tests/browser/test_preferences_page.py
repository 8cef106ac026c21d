"""«Dine valg» in a real browser at 320 px, in bokmål and English: the ticks and the partner box
under its parent, «Hvorfor fikk jeg dette?», pause and its end, unsubscribe from everything and
resubscribe. Every state passes axe-core (WCAG 2.x A and AA) with no horizontal scrolling, and
is kept as a screenshot in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest

from optout import dates
from tests.browser.test_pages import _check_layout

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout; the decisions behind the pages run on both elsewhere"
)

WORDS = {
    "nb": {
        "waits": "bare når «Tilbud fra samarbeids\u00adpartnere» er krysset av",
        "partner-offers": "Tilbud fra samarbeids\u00adpartnere",
        "save": "Lagre valgene mine",
        "saved": "Meldt på: Tilbud fra samarbeids\u00adpartnere",
        "said-yes": "Du sa ja",
        "promise": "Vi har ikke gitt e-postadressen din til Fjordreiser AS",
        "three": "3 måneder",
        "pause": "Sett e-posten på pause",
        "paused": "All e-post fra oss er satt på pause til og med",
        "end": "Avslutt pausen",
        "ended": "Pausen er avsluttet",
        "all": "Meld meg av alt",
        "stopped": "Du er meldt av alt",
        "again": "Meld meg på igjen",
        "back": "Du er meldt på igjen",
    },
    "en": {
        "waits": "only while “Offers from our partners” is ticked",
        "partner-offers": "Offers from our partners",
        "save": "Save my choices",
        "saved": "Subscribed: Offers from our partners",
        "said-yes": "You said yes on",
        "promise": "We have not given your email address to Fjordreiser AS",
        "three": "3 months",
        "pause": "Pause my email",
        "paused": "All email from us is paused up to and including",
        "end": "End the pause",
        "ended": "The pause has ended",
        "all": "Unsubscribe from everything",
        "stopped": "You're unsubscribed from everything",
        "again": "Resubscribe",
        "back": "You're subscribed again",
    },
}


@pytest.fixture
def preferences_url(recipient_links):
    return recipient_links.preferences_url


def _press(page, text: str) -> None:
    page.get_by_role("button", name=text, exact=True).click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_state_of_the_page(page, preferences_url, screenshot, lang):
    words = WORDS[lang]
    page.goto(preferences_url + ("?lang=en" if lang == "en" else ""))
    assert page.get_attribute("html", "lang") == lang
    assert words["waits"] in page.inner_text("form")  # no partner box under an unticked parent
    assert page.locator("#partner-fjordreiser").count() == 0
    _check_layout(page)
    screenshot("ticks")

    page.get_by_label(words["partner-offers"], exact=True).check()
    _press(page, words["save"])
    assert words["saved"] in page.inner_text("[role=status]")
    assert page.is_checked("#partner-fjordreiser")  # now shown, under its parent
    why = page.inner_text("#why-heading + *") + page.inner_text("section.why")
    assert words["said-yes"] in why and words["promise"] in why
    _check_layout(page)
    screenshot("saved-why")

    page.get_by_label(words["three"], exact=True).check()
    _press(page, words["pause"])
    last = dates.add_months(dates.today(), 3)
    state = page.inner_text("section.pause")
    assert words["paused"] in state and str(last.year) in state and str(last.day) in state
    _check_layout(page)
    screenshot("paused")
    _press(page, words["end"])
    assert words["ended"] in page.inner_text("[role=status]")
    _check_layout(page)
    screenshot("pause-ended")

    _press(page, words["all"])
    assert words["stopped"] in page.inner_text("main")
    assert page.locator("input[name=want]").count() == 0  # the form gives way to the stopped state
    _check_layout(page)
    screenshot("stopped")
    _press(page, words["again"])
    assert words["back"] in page.inner_text("[role=status]")
    _check_layout(page)
    screenshot("resubscribed")
