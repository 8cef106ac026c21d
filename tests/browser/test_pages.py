"""The recipient's pages in a real browser at 320 px: keyboard only, visible focus, no
horizontal scrolling, readable contrast, big enough targets, nothing from another origin."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import violations

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout, CSP; the decisions behind the pages run on both elsewhere"
)

# Contrast of every element that holds text, against the first opaque background behind it.
CONTRAST_JS = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  const bg = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                     if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const worst = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (el.closest('.skip') && document.activeElement !== el) continue;
    const a = lum(rgb(style.color)), b = lum(bg(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return worst;
}
"""
SMALL_TARGETS_JS = """
() => [...document.querySelectorAll('button, input[type=checkbox]')]
  .map(el => el.getBoundingClientRect()).filter(r => r.width < 24 || r.height < 24).length
"""


@pytest.fixture
def origin_guard(page, live_app):
    """Record every request that leaves our origin."""
    _app, origin = live_app
    foreign: list[str] = []
    page.on("request", lambda req: None if req.url.startswith(origin) else foreign.append(req.url))
    return foreign


def _check_layout(page) -> None:
    assert violations(page) == []  # axe-core: WCAG 2.x A and AA
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "horizontal scrolling at 320 px"
    assert page.evaluate(CONTRAST_JS) == []
    assert page.evaluate(SMALL_TARGETS_JS) == 0


def _tab_to(page, text: str, limit: int = 40) -> None:
    for _step in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent + ' ' + (document.activeElement.value || '')")
        if text in focused:
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("none", ""), f"no visible focus on {text!r}"
            return
    raise AssertionError(f"could not reach {text!r} with the keyboard")


def test_unsubscribe_by_keyboard_then_undo(page, recipient_links, origin_guard, screenshot):
    page.goto(recipient_links.unsubscribe_url)
    assert page.get_attribute("html", "lang") == "nb"
    _check_layout(page)
    screenshot("confirm")
    _tab_to(page, "Ingen tilbud fra noen samarbeidspartnere")  # a partner campaign: every partner, as the one-click
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    assert "Du er meldt av" in page.inner_text("[role=status]")
    _check_layout(page)
    screenshot("done")
    assert "/p/" not in page.content()  # the header's link never leads to the preference page
    _tab_to(page, "Angre")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Avmeldingen er angret")
    _check_layout(page)
    screenshot("undone")
    assert origin_guard == []


def test_preferences_by_keyboard_in_english(page, recipient_links, origin_guard, screenshot):
    page.goto(recipient_links.preferences_url)
    page.click("text=English")
    assert page.get_attribute("html", "lang") == "en"
    _check_layout(page)
    screenshot("preferences")
    _tab_to(page, "")  # into the page
    page.focus("#topic-partner-offers")
    page.keyboard.press("Space")
    assert page.is_checked("#topic-partner-offers")
    _tab_to(page, "Save my choices")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    status = page.inner_text("[role=status]")
    assert "Subscribed: Offers from our partners" in status
    _check_layout(page)
    screenshot("saved")
    _tab_to(page, "Unsubscribe from everything")  # first the jump link at the top, to the section
    page.keyboard.press("Enter")
    _tab_to(page, "Unsubscribe from everything", limit=2)  # then the section's button, next in line
    page.keyboard.press("Enter")
    page.wait_for_selector("text=You're unsubscribed from everything")
    screenshot("stopped")
    assert origin_guard == []


def test_bad_link_page(page, live_app, screenshot):
    _app, origin = live_app
    response = page.goto(f"{origin}/p/not-a-real-token")
    assert response.status == 404
    assert "Lenken virker ikke" in page.inner_text("h1")
    _check_layout(page)
    screenshot("bad-link")
