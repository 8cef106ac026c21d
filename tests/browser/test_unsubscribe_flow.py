"""The unsubscribe link's pages in a real browser at 320 px, in bokmål and English, with axe-core
finding no WCAG A/AA violation in any state: unsubscribe, unsubscribe from everything and undo it
from the answer page with cookies blocked (and none set), the optional reason, a partner's two
buttons, already unsubscribed, and the error pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optout.catalog import service as catalog
from optout.identity import pseudonymous_id
from optout.links import Links, links_for
from optout.web.extensions import get_settings, get_tokens
from optout.web.session import get_session
from tests.browser.accessibility import violations

pytestmark = pytest.mark.dialect_independent(
    "what a browser shows: accessibility, keyboard, layout; the decisions behind the pages run on both elsewhere"
)

SAFETY = {
    "nb": "Vil du bare melde deg av? Bruk avmeldingslenken i e-posten",
    "en": "Only want to unsubscribe? Use the unsubscribe link in the email",
}
WORDS = {
    "nb": {"unsubscribe": "Meld meg av", "everything": "Meld meg av alt", "undo": "Angre", "send": "Send svaret"},
    "en": {
        "unsubscribe": "Unsubscribe",
        "everything": "Unsubscribe from everything",
        "undo": "Undo",
        "send": "Send answer",
    },
}


@pytest.fixture
def mint(live_app):
    """Links of an address for a campaign (made on first use), in a language."""
    app, _origin = live_app

    def make(email: str, slug: str, lang: str, partner: str | None = None) -> Links:
        with app.app_context():
            session = get_session()
            if partner and not any(p.slug == partner for p in catalog.partners(session)):
                catalog.add_partner(session, partner, "Fjordreiser AS")
            try:
                campaign = catalog.campaign_by_slug(session, slug)
            except catalog.CatalogError:
                campaign = catalog.add_campaign(
                    session, slug, topic_key=None if partner else "periodic", partner_slug=partner
                )
            session.commit()
            settings = get_settings()
            pid = pseudonymous_id(settings.id_key, email)
            return links_for(get_tokens(), settings.base_url, pid, campaign.id, lang)

    return make


@pytest.fixture
def cookieless(browser) -> Iterator[object]:
    """A fresh 320 px tab whose context refuses to keep any cookie the site might set."""
    context = browser.new_context(viewport={"width": 320, "height": 720}, locale="nb-NO")
    context.route("**/*", lambda route: route.continue_(headers={**route.request.headers, "cookie": ""}))
    tab = context.new_page()
    yield tab
    assert context.cookies() == [], "the unsubscribe pages set a cookie"
    context.close()


def _check(page, shot, name: str) -> None:
    """axe-core, reflow at 320 px, and a screenshot of the state."""
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 320, "horizontal scrolling at 320 px"
    shot(name)


@pytest.fixture
def shot(request):
    from tests.helpers.browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        safe = request.node.name.replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{safe}-{name}.png"), full_page=True)

    return take


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_unsubscribe_then_everything_then_undo_without_a_cookie(cookieless, mint, shot, lang):
    page, words = cookieless, WORDS[lang]
    page.goto(mint("kari@example.no", "newsletter", lang).unsubscribe_url)
    assert page.get_attribute("html", "lang") == lang
    _check(page, lambda n: shot(page, n), "confirm")
    page.get_by_role("button", name=words["unsubscribe"], exact=True).click()
    page.wait_for_selector("[role=status]")
    _check(page, lambda n: shot(page, n), "done")
    assert "/p/" not in page.content()
    page.get_by_role("button", name=words["everything"], exact=True).click()
    page.wait_for_selector("[role=status]")
    _check(page, lambda n: shot(page, n), "everything")
    assert page.get_by_role("button", name=words["everything"], exact=True).count() == 0
    page.get_by_role("button", name=words["undo"], exact=True).click()
    page.wait_for_selector("[role=status]")
    _check(page, lambda n: shot(page, n), "undone")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_optional_reason_by_keyboard(cookieless, mint, shot, lang):
    page, words = cookieless, WORDS[lang]
    page.goto(mint("ola@example.no", "newsletter", lang).unsubscribe_url)
    page.get_by_role("button", name=words["unsubscribe"], exact=True).click()
    page.wait_for_selector("[role=status]")
    page.focus("#reason-never-signed-up")
    page.keyboard.press("Space")
    assert page.is_checked("#reason-never-signed-up")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "no visible focus on the reason"
    page.get_by_role("button", name=words["send"], exact=True).click()
    page.wait_for_selector("[role=status]")
    _check(page, lambda n: shot(page, n), "reason-thanks")
    assert page.get_by_role("button", name=words["undo"], exact=True).count() == 1


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_partners_two_buttons_and_already_unsubscribed(cookieless, mint, shot, lang):
    page = cookieless
    links = mint("kari@example.no", "fjord-spring", lang, partner="fjordreiser")
    page.goto(links.unsubscribe_url)
    _check(page, lambda n: shot(page, n), "partner-confirm")
    heading_lines = page.evaluate(
        "(() => { const h = document.querySelector('h1'); const r = document.createRange(); r.selectNodeContents(h);"
        " const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top))); return tops.size; })()"
    )
    assert heading_lines <= 4
    this_partner = "Ikke flere tilbud fra Fjordreiser AS" if lang == "nb" else "No more offers from Fjordreiser AS"
    page.get_by_role("button", name=this_partner, exact=True).click()
    page.wait_for_selector("[role=status]")
    _check(page, lambda n: shot(page, n), "partner-done")
    page.goto(links.unsubscribe_url)
    _check(page, lambda n: shot(page, n), "partner-already")
    assert page.get_by_role("button", name=this_partner, exact=True).count() == 0


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_error_pages_offer_a_way_on_and_the_safety_net(cookieless, mint, live_app, shot, lang):
    page = cookieless
    _app, origin = live_app
    links = mint("kari@example.no", "newsletter", lang)
    response = page.goto(links.unsubscribe_url + "/everything")  # a bookmarked button address
    assert response.status == 405
    _check(page, lambda n: shot(page, n), "405")
    assert SAFETY[lang] in page.inner_text("main")
    page.get_by_role(
        "link", name="Tilbake til avmeldingssiden" if lang == "nb" else "Back to the unsubscribe page"
    ).click()
    assert page.url.startswith(links.unsubscribe_url)
    response = page.goto(f"{origin}/u/not-a-real-token?lang={lang}")
    assert response.status == 404
    _check(page, lambda n: shot(page, n), "bad-link")
    assert SAFETY[lang] in page.inner_text("main")
