"""The officer console in a real browser: log in, every page in bokmål and English, a screenshot
of each, no console errors or CSP violations, reflow at 320 px, contrast and target sizes; and the
public preference page still saving after a cross-site click with the SameSite=Strict cookie."""

from __future__ import annotations

import pytest

from optout.accounts import officers as auth
from optout.catalog import service as catalog
from optout.consent import service as consent
from optout.identity import pseudonymous_id
from optout.links import links_for
from optout.models import Action, Source
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session
from tests.browser.accessibility import violations
from tests.browser.test_pages import CONTRAST_JS, SMALL_TARGETS_JS
from tests.helpers.browser import ARTIFACTS

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout, CSP; the decisions behind the pages run on both elsewhere"
)

EMAIL = "personvern@example.no"
PASSWORD = "correct horse battery staple"
PAGES = [  # (nav link in bokmål, in English, screenshot name)
    ("Oversikt", "Overview", "overview"),
    ("Slå opp en person", "Look up a person", "lookup"),
    ("Innsynsforespørsler", "Access requests", "requests"),
    ("Eksport", "Exports", "exports"),
    ("Sletting", "Erasure", "erasure"),
    ("Kampanjerapporter", "Campaign reports", "campaigns"),
    ("Samtykkelogg", "Ledger", "ledger"),
    ("Revisjonslogg", "Audit trail", "audit"),
]


@pytest.fixture
def console_data(live_app):
    """An officer, a partner campaign and a few decisions to chart."""
    app, origin = live_app
    with app.app_context():
        session = get_session()
        auth.add_officer(session, EMAIL, PASSWORD)
        catalog.add_partner(session, "fjordreiser", "Fjordreiser AS")
        campaign = catalog.add_campaign(session, "fjord-spring", topic_key=None, partner_slug="fjordreiser")
        settings = get_settings()
        for n, (scope, action) in enumerate(
            [("topic:periodic", "opt-out"), ("topic:partner-offers", "opt-in"), ("partner:fjordreiser", "opt-out")]
        ):
            pid = pseudonymous_id(settings.id_key, f"person{n}@example.no").hex()
            context = consent.DecisionContext(Source.PREFERENCE_PAGE, "2020-02-28", campaign_id=campaign.id, lang="nb")
            consent.decide(session, pid, {scope: Action(action)}, context)
        session.commit()
        kari = pseudonymous_id(settings.id_key, "kari@example.no")
        preferences_url = links_for(get_tokens(), settings.base_url, kari, campaign.id, "nb").preferences_url
    return origin, preferences_url


@pytest.fixture
def desk(browser):
    """A desktop-sized tab (no cookies), with every console error and failed request recorded."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    tab.on("response", lambda resp: problems.append(f"{resp.status} {resp.url}") if resp.status >= 400 else None)
    tab.problems = problems
    yield tab
    context.close()


def _shoot(tab, request, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    safe = request.node.name.replace("[", "-").replace("]", "")
    tab.screenshot(path=str(ARTIFACTS / f"{safe}-{name}.png"), full_page=True)


def _check_page(tab, lang: str) -> None:
    assert tab.get_attribute("html", "lang") == lang
    assert violations(tab) == []  # axe-core: WCAG 2.x A and AA
    assert tab.evaluate(CONTRAST_JS) == []
    assert tab.evaluate(SMALL_TARGETS_JS) == 0
    assert tab.locator("h1").count() == 1
    tab.set_viewport_size({"width": 320, "height": 720})  # WCAG 1.4.10: no sideways scrolling
    assert tab.evaluate("document.documentElement.scrollWidth") <= 320, "horizontal scrolling at 320 px"
    tab.set_viewport_size({"width": 1280, "height": 900})


def _log_in(tab, origin: str) -> None:
    tab.goto(f"{origin}/officer/")
    assert tab.url.startswith(f"{origin}/officer/login")
    tab.fill("#email", EMAIL)
    tab.fill("#password", PASSWORD)
    tab.press("#password", "Enter")
    tab.wait_for_selector("h1:text('Oversikt')")


def test_every_console_page_in_both_languages(desk, console_data, request):
    origin, _preferences = console_data
    desk.goto(f"{origin}/officer/login")
    _check_page(desk, "nb")
    _shoot(desk, request, "nb-login")
    _log_in(desk, origin)
    for lang, column in (("nb", 0), ("en", 1)):
        if lang == "en":
            desk.click("nav[aria-label='Språk'] >> text=English")
        for names in PAGES:
            desk.click(f".console-nav >> text={names[column]}")
            assert desk.get_attribute(".console-nav [aria-current=page]", "href") is not None
            assert names[column] in desk.inner_text(".console-nav [aria-current=page]")
            _check_page(desk, lang)
            _shoot(desk, request, f"{lang}-{names[2]}")
            if names[2] == "campaigns":
                desk.click("text=fjord-spring")
                desk.wait_for_selector("h1:has-text('fjord-spring')")
                _check_page(desk, lang)
                _shoot(desk, request, f"{lang}-campaign-report")
    desk.click(".console-nav >> text=Overview")
    assert desk.locator("svg.chart").count() == 3
    assert desk.locator("svg.chart rect").count() == 3
    assert desk.problems == []


def test_look_up_a_person_then_log_out(desk, console_data, request):
    origin, _preferences = console_data
    _log_in(desk, origin)
    desk.click(".console-nav >> text=Slå opp en person")
    desk.fill("#email", "person0@example.no")
    desk.click("button:text('Slå opp')")
    desk.wait_for_selector("text=Historikk, eldste først")
    assert "Meldt av" in desk.inner_text("main")
    assert "person0" not in desk.url
    _check_page(desk, "nb")
    _shoot(desk, request, "nb-lookup-result")
    desk.fill("#email", "not an address")
    desk.click("button:text('Slå opp')")
    desk.wait_for_selector("#email-error")
    _shoot(desk, request, "nb-lookup-error")
    desk.click("button:text('Logg ut')")
    desk.wait_for_selector("text=Du er logget ut.")
    desk.goto(f"{origin}/officer/ledger")
    assert desk.url.startswith(f"{origin}/officer/login")
    assert [p for p in desk.problems if "422" not in p] == []  # only the refused address


def test_register_a_request_extend_it_then_erase_the_person(desk, console_data, request):
    origin, _preferences = console_data
    _log_in(desk, origin)
    desk.click(".console-nav >> text=Innsynsforespørsler")
    desk.fill("#request-email", "person1@example.no")
    desk.click("button:text('Registrer forespørselen')")
    desk.wait_for_selector("text=Forespørselen er registrert.")
    assert desk.locator("table tbody tr").count() == 1
    _check_page(desk, "nb")  # with the form to extend the deadline in the new request's row
    _shoot(desk, request, "nb-requests-registered")
    desk.select_option("td.extension select", "2")
    desk.fill("td.extension input[name=reason]", "Mange systemer å gå gjennom")
    desk.click("button:text('Forleng fristen')")
    desk.wait_for_selector("[role=status]:has-text('er forlenget')")
    assert "opprinnelig frist" in desk.inner_text("table") and desk.locator("td.extension form").count() == 0
    _check_page(desk, "nb")
    _shoot(desk, request, "nb-requests-extended")
    desk.click(".console-nav >> text=Sletting")
    desk.fill("#email", "person1@example.no")
    desk.click("button:text('Vis hva som vil bli slettet')")
    desk.wait_for_selector("h2:text('Kontroller før du sletter')")
    _check_page(desk, "nb")
    _shoot(desk, request, "nb-erasure-review")
    desk.click("button:text('Slett opplysningene')")  # without the tick: refused
    desk.wait_for_selector("text=Kryss av i boksen for å bekrefte.")
    desk.check("#confirm")
    desk.click("button:text('Slett opplysningene')")
    desk.wait_for_selector("text=Slettet.")
    _check_page(desk, "nb")
    _shoot(desk, request, "nb-erasure-done")
    assert "person1" not in desk.url
    assert [p for p in desk.problems if "422" not in p] == []  # only the refusal without the tick


def test_failed_login_says_the_same_for_everyone(desk, console_data, request):
    origin, _preferences = console_data
    desk.goto(f"{origin}/officer/login?lang=en")
    desk.fill("#email", EMAIL)
    desk.fill("#password", "not the right password")
    desk.click("button:text('Log in')")
    desk.wait_for_selector("[role=alert]")
    assert "Login failed" in desk.inner_text("[role=alert]")
    _check_page(desk, "en")
    _shoot(desk, request, "en-login-failed")
    assert desk.problems == []


def test_preference_page_saves_after_a_cross_site_click(desk, console_data):
    """The Strict cookie is not sent on a click from a webmail site: the page must still save."""
    _origin, preferences_url = console_data
    desk.goto(preferences_url)  # an earlier visit leaves a cookie the cross-site click will not send
    desk.route(
        "http://webmail.example/**",
        lambda route: route.fulfill(content_type="text/html", body=f'<a id="link" href="{preferences_url}">link</a>'),
    )
    desk.goto("http://webmail.example/inbox")
    desk.click("#link")
    desk.wait_for_selector("text=Lagre valgene mine")
    desk.check("#topic-partner-offers")
    desk.click("text=Lagre valgene mine")
    desk.wait_for_selector("[role=status]")
    assert "Valgene dine er lagret" in desk.inner_text("[role=status]")
    assert desk.problems == []
