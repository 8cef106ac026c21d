"""The shared parts at 320 px in both languages: the root page and its footer pass axe-core, do
not scroll sideways, balance their headings, and the partner topic's name breaks at its soft hyphen."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import violations

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout; the decisions behind the pages run on both elsewhere"
)


@pytest.mark.parametrize(("lang", "heading"), [("nb", "Velg hva du får fra oss"), ("en", "Choose what we send you")])
def test_root_page_at_320_px(page, live_app, screenshot, lang, heading):
    _app, origin = live_app
    response = page.goto(f"{origin}/?lang={lang}")
    assert response.status == 200
    assert page.inner_text("h1") == heading
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).textWrap").startswith("balance")
    assert page.evaluate("getComputedStyle(document.querySelector('footer h2')).textWrap").startswith("balance")
    screenshot(lang)


def test_the_partner_unsubscribe_page_fits_320_px_with_its_soft_hyphen(page, recipient_links, screenshot):
    url = recipient_links.unsubscribe_url
    page.goto(url)
    heading = page.inner_text("h1")
    assert "samarbeids\u00adpartnere" in heading or "samarbeids\u00ad\npartnere" in heading
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert violations(page) == []
    screenshot("partner-unsubscribe")
