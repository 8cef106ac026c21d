"""The console's layout findings of the UX review (B12, B15) in a real browser: the navigation on one
line at 1280 px in both languages, an error summary that axe-core accepts and whose links lead to
the field, and «Avbryt» set apart from the red button."""

from __future__ import annotations

import pytest

from tests.browser.test_console import _check_page, _log_in, console_data, desk  # noqa: F401 - fixtures

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout; the decisions behind the pages run on both elsewhere"
)

ONE_LINE_JS = "new Set([...document.querySelectorAll('.console-nav li')].map(li => li.offsetTop)).size"


def test_the_navigation_fits_one_line_at_1280_px_in_both_languages(desk, console_data):  # noqa: F811
    origin, _preferences = console_data
    _log_in(desk, origin)
    assert desk.locator(".console-nav li").count() == 8
    assert desk.evaluate(ONE_LINE_JS) == 1
    desk.click("nav[aria-label='Språk'] >> text=English")
    desk.wait_for_selector("h1:text('Overview')")
    assert desk.evaluate(ONE_LINE_JS) == 1


def test_a_refused_form_has_an_accessible_summary_that_leads_to_the_field(desk, console_data):  # noqa: F811
    origin, _preferences = console_data
    _log_in(desk, origin)
    desk.click(".console-nav >> text=Slå opp en person")
    desk.fill("#email", "not an address")
    desk.click("button:text('Slå opp')")
    desk.wait_for_selector(".error-summary")
    assert desk.title().startswith("Feil: ")
    _check_page(desk, "nb")
    desk.click(".error-summary a")
    assert desk.url.endswith("#email")
    assert desk.evaluate("document.querySelector('#email').getBoundingClientRect().top") >= 0


def test_cancel_stands_apart_from_the_erase_button(desk, console_data):  # noqa: F811
    origin, _preferences = console_data
    _log_in(desk, origin)
    desk.click(".console-nav >> text=Sletting")
    desk.fill("#email", "person1@example.no")
    desk.click("button:text('Vis hva som vil bli slettet')")
    desk.wait_for_selector("h2:text('Kontroller før du sletter')")
    button = desk.locator("button.danger").bounding_box()
    cancel = desk.locator("a.cancel").bounding_box()
    assert cancel["x"] - (button["x"] + button["width"]) >= 16
    _check_page(desk, "nb")
