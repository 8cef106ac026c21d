"""Every state of the unsubscribe page and its answer, in bokmål and English: the title matches
the heading, the already-unsubscribed page offers no button for the same act, the answer offers
Undo and unsubscribe-from-everything as buttons, and a partner's campaign offers its two scopes,
each recorded as exactly that scope through the unsubscribe link, each undoable."""

from __future__ import annotations

import pytest

from optout.catalog import service as catalog
from optout.web.session import get_session
from tests.unsubscribe.pages import ONE_CLICK, buttons, h1, press, title

EMAIL = "kari@example.no"


@pytest.fixture
def newsletter(links, make_campaign):
    return links(EMAIL, make_campaign("newsletter", topic="periodic", lang="nb"))


@pytest.fixture
def partner_links(links, make_campaign):
    return links(EMAIL, make_campaign("fjord-spring", partner="fjordreiser", lang="nb"))


WORDS = {
    "nb": {
        "title": "Meld deg av «Nyhetsbrev fra Mesier»",
        "h1": "Vil du melde deg av «Nyhetsbrev fra Mesier»?",
        "already": "Du er allerede meldt av «Nyhetsbrev fra Mesier»",
        "unsubscribe": "Meld meg av",
        "undo": "Angre",
        "everything": "Meld meg av alt",
        "done": "Du er meldt av",
        "next": "Avmeldingen gjelder fra nå. En e-post som allerede var sendt, kan likevel komme fram.",
        "unchanged": "De andre valgene dine er uendret.",
        "see_all": "lenken «Dine valg» nederst i en e-post fra oss",
    },
    "en": {
        "title": "Unsubscribe from “Mesier newsletter”",
        "h1": "Unsubscribe from “Mesier newsletter”?",
        "already": "You are already unsubscribed from “Mesier newsletter”",
        "unsubscribe": "Unsubscribe",
        "undo": "Undo",
        "everything": "Unsubscribe from everything",
        "done": "You are unsubscribed",
        "next": "This takes effect now. An email that was already on its way may still arrive.",
        "unchanged": "Your other choices are unchanged.",
        "see_all": "“Your choices” link at the bottom of any email from us",
    },
}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_confirmation_page_is_titled_as_its_heading_says(client, newsletter, lang):
    words = WORDS[lang]
    page = client.get(newsletter.unsubscribe_url + f"?lang={lang}")
    assert title(page.text) == words["title"] and h1(page.text) == words["h1"]
    assert buttons(page.text) == [words["unsubscribe"], words["everything"]]
    assert '<span class="nobr">Mesier»?</span>' in page.text or '<span class="nobr">newsletter”?</span>' in page.text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_answer_says_what_changed_and_what_next_with_undo_and_everything_as_buttons(
    client, newsletter, lang, choices, pid_of
):
    words = WORDS[lang]
    answer = client.post(newsletter.unsubscribe_url + f"?lang={lang}", data=ONE_CLICK)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert title(answer.text) == h1(answer.text) == words["done"]
    assert words["next"] in answer.text and words["unchanged"] in answer.text and words["see_all"] in answer.text
    assert {words["undo"], words["everything"]} <= set(buttons(answer.text))
    everything = press(client, answer.text, words["everything"])
    assert choices() == {(pid_of(EMAIL), "topic:periodic"): "opt-out", (pid_of(EMAIL), "everything"): "opt-out"}
    assert words["everything"] not in buttons(everything.text)  # done: no button for the same act
    undone = press(client, everything.text, words["undo"])
    assert undone.status_code == 200
    assert choices() == {(pid_of(EMAIL), "topic:periodic"): "opt-out"}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_already_unsubscribed_is_its_heading_and_title_with_no_unsubscribe_button(client, newsletter, decide, lang):
    words = WORDS[lang]
    decide(EMAIL, "topic:periodic", "opt-out")
    page = client.get(newsletter.unsubscribe_url + f"?lang={lang}")
    assert title(page.text) == h1(page.text) == words["already"]
    assert words["unsubscribe"] not in buttons(page.text) and 'value="One-Click"' not in page.text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_repeated_one_click_answers_that_nothing_changed_and_offers_no_undo(client, newsletter, lang):
    client.post(newsletter.unsubscribe_url, data=ONE_CLICK)
    again = client.post(newsletter.unsubscribe_url + f"?lang={lang}", data=ONE_CLICK)
    assert again.status_code == 200
    assert ("Ingenting er endret" if lang == "nb" else "Nothing has changed") in again.text
    assert WORDS[lang]["undo"] not in buttons(again.text) and 'name="reason"' not in again.text


PARTNER = {
    "nb": (
        "Mesier AS sendte deg dette tilbudet på vegne av Fjordreiser AS. Vi har ikke gitt e-postadressen din til "
        "Fjordreiser AS, og det kommer vi aldri til å gjøre.",
        "Ikke flere tilbud fra Fjordreiser AS",
        "Ingen tilbud fra noen samarbeidspartnere",
        "Du er allerede meldt av tilbud fra Fjordreiser AS",
    ),
    "en": (
        "Mesier AS sent you this offer on behalf of Fjordreiser AS. We have not given your email address to "
        "Fjordreiser AS, and we never will.",
        "No more offers from Fjordreiser AS",
        "No offers from any partner",
        "You are already unsubscribed from offers from Fjordreiser AS",
    ),
}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_partner_campaign_says_the_promise_plainly_and_offers_two_scopes(client, partner_links, lang):
    promise, this_partner, all_partners, _already = PARTNER[lang]
    page = client.get(partner_links.unsubscribe_url + f"?lang={lang}")
    assert f"<p>{promise}</p>" in page.text  # a plain paragraph, not the small grey context style
    assert buttons(page.text)[:2] == [this_partner, all_partners]


def test_only_this_partner_opts_out_of_the_partner_alone_and_undoes(client, partner_links, choices, pid_of, ledger):
    _promise, this_partner, all_partners, already = PARTNER["nb"]
    page = client.get(partner_links.unsubscribe_url)
    answer = press(client, page.text, this_partner)
    assert answer.status_code == 200 and "Set-Cookie" not in answer.headers
    assert "Du får ikke flere tilbud fra Fjordreiser AS. De andre valgene dine er uendret." in answer.text
    assert choices() == {(pid_of(EMAIL), "partner:fjordreiser"): "opt-out"}
    [event] = ledger()
    assert (event["scope"], event["source"], event["link"]) == (
        "partner:fjordreiser",
        "confirmation-page",
        "unsubscribe",
    )
    assert all_partners in buttons(answer.text)  # the wider scope is still on offer
    again = client.get(partner_links.unsubscribe_url)
    assert h1(again.text) == title(again.text) == already
    assert buttons(again.text)[0] == all_partners  # the partner alone is refused: every partner is still offered
    assert press(client, answer.text, "Angre").status_code == 200
    assert choices() == {}
    assert [(e["action"], e["link"]) for e in ledger()] == [("opt-out", "unsubscribe"), ("reset", "unsubscribe")]


def test_no_offers_from_any_partner_is_the_one_click_scope_and_undoes(client, partner_links, choices, pid_of, ledger):
    _promise, this_partner, all_partners, already = PARTNER["nb"]
    page = client.get(partner_links.unsubscribe_url)
    answer = press(client, page.text, all_partners)
    assert choices() == {(pid_of(EMAIL), "topic:partner-offers"): "opt-out"}
    [event] = ledger()
    assert (event["scope"], event["source"], event["link"]) == (
        "topic:partner-offers",
        "confirmation-page",
        "unsubscribe",
    )
    again = client.get(partner_links.unsubscribe_url)
    assert h1(again.text) == already
    assert this_partner not in buttons(again.text) and all_partners not in buttons(again.text)
    assert press(client, answer.text, "Angre").status_code == 200
    assert choices() == {}


def test_the_mail_clients_one_click_on_a_partner_campaign_is_unchanged(client, partner_links, choices, pid_of, ledger):
    response = client.post(
        partner_links.unsubscribe_url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and "Location" not in response.headers
    assert choices() == {(pid_of(EMAIL), "topic:partner-offers"): "opt-out"}
    assert [e["source"] for e in ledger()] == ["one-click"]


def test_only_this_partner_is_refused_on_a_campaign_without_a_partner(client, newsletter, ledger):
    assert client.post(newsletter.unsubscribe_url + "/partner").status_code == 404
    assert ledger() == []


def test_a_name_in_a_translated_sentence_is_escaped_and_the_sentence_is_not(app, client, links, make_campaign):
    # The templates' `_` is bound to the request's catalog: the catalog's text stays markup-safe
    # (its « » and “ ” as written), the variables put into it are escaped, in each language.
    with app.app_context():
        catalog.add_partner(get_session(), "odd", "Fjord & <b>Reiser</b> AS")
        get_session().commit()
    campaign = make_campaign("odd-spring", partner="odd", lang="nb")
    name = "Fjord &amp; &lt;b&gt;Reiser&lt;/b&gt; AS"
    for lang, said in (
        ("nb", f"Du får ikke flere tilbud fra {name}. De andre valgene dine er uendret."),
        ("en", f"You'll get no more offers from {name}. Your other choices are unchanged."),  # ' as written
    ):
        page = client.get(links(f"{lang}.{EMAIL}", campaign).unsubscribe_url + f"?lang={lang}")
        answer = press(client, page.text, buttons(page.text)[0])  # this partner only
        assert said in answer.text and "<b>Reiser" not in answer.text


def test_the_buttons_and_the_stylesheet_carry_the_token_the_language_and_the_mount_point(client, newsletter):
    # The action URLs are built from url_for once per endpoint and mount point, then given each token.
    token = newsletter.unsubscribe_url.rsplit("/", 1)[1]
    for root in ("", "/center", ""):
        page = client.get(newsletter.unsubscribe_url + "?lang=en", environ_overrides={"SCRIPT_NAME": root})
        assert f'action="{root}/u/{token}?lang=en"' in page.text
        assert f'action="{root}/u/{token}/everything?lang=en"' in page.text
        assert f'href="{root}/static/optout.css"' in page.text
        plain = client.get(newsletter.unsubscribe_url, environ_overrides={"SCRIPT_NAME": root})
        assert f'action="{root}/u/{token}/everything"' in plain.text
