"""The unsubscribe link's pages are rendered once per campaign, language and state and then filled
in (optout.web.pagecache): each answer must be byte for byte what rendering it afresh gives, with
its own token, change id and language switch, whoever asked before."""

from __future__ import annotations

import re

import pytest

from tests.helpers.settings import BASE_URL
from tests.unsubscribe.pages import CHANGE, ONE_CLICK

pytestmark = pytest.mark.dialect_independent("how a page is rendered; what the one-click records runs on both")


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@pytest.fixture
def partner_campaign(make_campaign):
    return make_campaign("fjord-spring", partner="fjordreiser", lang="nb")


def _urls(links, campaign, *emails):
    return [links(email, campaign).unsubscribe_url for email in emails]


@pytest.mark.parametrize("query", ["", "?lang=en", "?lang=nb&utm_source=a%26b<c>", "?lang=xx"])
def test_every_page_is_what_rendering_it_afresh_gives(client, links, campaign, partner_campaign, afresh, query):
    for chosen in (campaign, partner_campaign):
        pages = []
        for n, on in enumerate((False, True)):  # filled in from the cache, then afresh: the same bytes
            afresh["on"] = on
            warm, url = (links(f"{who}{n}.{len(query)}@example.no", chosen).unsubscribe_url for who in ("a", "b"))
            seen = []
            for link in (warm, url):  # another recipient first: the second one's pages come from the cache
                seen = [client.get(link + query).text]
                done = client.post(link + query, data=ONE_CLICK).text
                seen += [CHANGE.sub("CHANGE", done), client.post(link + query, data=ONE_CLICK).text]
                seen = [page.replace(link.rsplit("/", 1)[1], "TOKEN") for page in seen]
            pages.append(seen)
        assert pages[0] == pages[1]
        assert "optout-slot-" not in "".join(pages[0])


def test_each_answer_holds_its_own_token_and_change_id(client, links, campaign):
    answers = {}
    for email in ("kari@example.no", "ola@example.no"):
        url = links(email, campaign).unsubscribe_url
        answers[url] = client.post(url, data=ONE_CLICK).text
    changes = set()
    for url, html in answers.items():
        token = url.rsplit("/", 1)[1]
        actions = re.findall(r'action="([^"]+)"', html)
        assert actions and all(action.startswith(f"/u/{token}") for action in actions)
        [change] = set(CHANGE.findall(html))
        changes.add(change)
    assert len(changes) == 2


def test_the_language_switch_keeps_the_requests_own_query_escaped(client, links, campaign):
    url = links("kari@example.no", campaign).unsubscribe_url
    client.get(url + "?lang=en")
    page = client.get(url + "?lang=en&utm_source=a%26b<c>").text
    assert 'href="?lang=nb&amp;utm_source=a%26b%3Cc%3E"' in page
    assert BASE_URL not in re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S)[1]
