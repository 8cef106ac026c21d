"""Bad links are throttled per client address; working links never are, so no opt-out is refused."""

from __future__ import annotations

import pytest

from optout.config import ConfigError
from tests.helpers.settings import BASE_URL
from tests.unsubscribe.pages import ONE_CLICK

pytestmark = pytest.mark.dialect_independent("the limiter counts in memory, not in the database")


@pytest.fixture
def limited(make_app, make_campaign):
    app = make_app(OPTOUT_BAD_LINK_LIMIT="3 per minute")
    make_campaign("newsletter", topic="periodic")
    return app


def test_bad_links_are_refused_after_the_limit_in_the_visitors_language(limited, ledger):
    client = limited.test_client()
    statuses = [client.get(f"{BASE_URL}/u/bad-{i}", headers={"Accept-Language": "nb"}).status_code for i in range(3)]
    assert statuses == [404, 404, 404]
    refused = client.get(f"{BASE_URL}/p/bad-4", headers={"Accept-Language": "nb"})  # shared across pages
    assert refused.status_code == 429
    assert "For mange lenker som ikke virker" in refused.text and '<html lang="nb">' in refused.text
    assert ledger() == []


def test_working_links_are_never_counted_nor_refused(limited, links, make_campaign, ledger):
    client = limited.test_client()
    with limited.app_context():
        from optout.catalog import service as catalog
        from optout.web.session import get_session

        campaign = catalog.campaign_by_slug(get_session(), "newsletter")
    for i in range(5):  # a mail provider relaying many real one-clicks from one address
        good = links(f"person{i}@example.no", campaign).unsubscribe_url
        assert client.post(good, data=ONE_CLICK).status_code == 200
    for i in range(3):
        client.get(f"{BASE_URL}/u/bad-{i}")
    assert client.get(f"{BASE_URL}/u/bad-again").status_code == 429
    late = links("late@example.no", campaign).unsubscribe_url
    assert client.post(late, data=ONE_CLICK).status_code == 200  # still honoured after the limit
    assert len(ledger()) == 6


def test_other_clients_are_not_affected(limited):
    first = limited.test_client()
    for i in range(4):
        first.get(f"{BASE_URL}/u/bad-{i}", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    other = limited.test_client().get(f"{BASE_URL}/u/bad-x", environ_base={"REMOTE_ADDR": "192.0.2.2"})
    assert other.status_code == 404


def test_a_malformed_limit_is_a_start_up_error(tmp_path):
    from optout import create_app

    with pytest.raises(ConfigError, match="OPTOUT_BAD_LINK_LIMIT"):
        create_app(
            {
                "TESTING": True,
                "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                "OPTOUT_BAD_LINK_LIMIT": "lots",
                "OPTOUT_SECRET_KEYS": "k" * 40,
                "OPTOUT_ID_KEY": "i" * 40,
            }
        )


def test_an_unusable_rate_limit_storage_is_a_start_up_error(tmp_path):
    from optout import create_app

    with pytest.raises(ConfigError, match="OPTOUT_RATELIMIT_STORAGE"):
        create_app(
            {
                "TESTING": True,
                "OPTOUT_DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                "OPTOUT_RATELIMIT_STORAGE": "carrier-pigeon://somewhere",
                "OPTOUT_SECRET_KEYS": "k" * 40,
                "OPTOUT_ID_KEY": "i" * 40,
            }
        )
