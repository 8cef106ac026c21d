"""The URL scheme of the two links has one source, links.py: the pages are routed where the
links are minted."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from optout.links import PREFERENCES_PREFIX, UNSUBSCRIBE_PREFIX

pytestmark = pytest.mark.dialect_independent("URL routing and link minting")


def test_every_token_page_is_under_the_prefix_its_links_are_minted_with(app):
    for area, prefix in (("unsubscribe", UNSUBSCRIBE_PREFIX), ("preferences", PREFERENCES_PREFIX)):
        rules = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(area + ".")]
        assert rules
        assert all(rule.startswith(prefix + "<token>") for rule in rules), rules


def test_minted_links_reach_their_own_pages(app, make_campaign, links):
    minted = links("kari@example.no", make_campaign("spring"))
    adapter = app.url_map.bind("localhost")
    for url, endpoint in (
        (minted.unsubscribe_url, "unsubscribe.confirm"),
        (minted.preferences_url, "preferences.show"),
    ):
        assert adapter.match(urlsplit(url).path, method="GET")[0] == endpoint
