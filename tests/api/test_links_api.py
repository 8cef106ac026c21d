"""``POST /api/v1/campaigns/{slug}/links``: links and header values for addresses, in order; bad
addresses are named by position only; links are minted for anyone, so nothing tells who opted out."""

from __future__ import annotations

import json

import pytest

from optout.api import LINKS_MAX_ADDRESSES, LINKS_MAX_BYTES
from tests.api import bearer, create_key
from tests.helpers.settings import BASE_URL

pytestmark = pytest.mark.dialect_independent("links are minted from tokens; the API reads only the campaign's row")

URL = "/api/v1/campaigns/newsletter/links"
FIELDS = ["email", "unsubscribe_url", "preferences_url", "list_unsubscribe", "list_unsubscribe_post"]


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@pytest.fixture
def key(app):
    return create_key(app)


@pytest.fixture
def post(client, key, newsletter):
    def send(body: object, url: str = URL, content_type: str = "application/json"):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post(url, data=data, content_type=content_type, headers=bearer(key))

    return send


def _page_language(client, url: str) -> str:
    return client.get(url).text.split('<html lang="')[1][:2]


def test_links_for_each_address_in_order_that_work(post, client, ledger, links, newsletter):
    response = post({"emails": ["Kari@Example.no", "ola@example.no", "kari@example.no"]})
    assert response.status_code == 200 and response.mimetype == "application/json"
    minted = response.json["links"]
    assert [m["email"] for m in minted] == ["kari@example.no", "ola@example.no", "kari@example.no"]
    assert all(list(m) == FIELDS for m in minted)
    first = minted[0]
    assert first["unsubscribe_url"].startswith(f"{BASE_URL}/u/")
    assert first["preferences_url"].startswith(f"{BASE_URL}/p/")
    assert first["list_unsubscribe"] == f"<{first['unsubscribe_url']}>"
    assert first["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
    assert first == minted[2]
    assert first["preferences_url"] == links("kari@example.no", newsletter).preferences_url
    assert client.get(first["preferences_url"]).status_code == 200
    client.post(first["unsubscribe_url"], data={"List-Unsubscribe": "One-Click"})
    assert [e["scope"] for e in ledger()] == ["topic:periodic"]


def test_language_from_the_body_or_the_campaign(post, client):
    english = post({"emails": ["kari@example.no"], "lang": "en"}).json["links"][0]
    default = post({"emails": ["kari@example.no"]}).json["links"][0]
    assert _page_language(client, english["preferences_url"]) == "en"
    assert _page_language(client, default["preferences_url"]) == "nb"


def test_an_opted_out_address_gets_links_like_anyone(post, decide):
    decide("gone@example.no", "everything")
    response = post({"emails": ["gone@example.no", "here@example.no"]})
    assert response.status_code == 200 and [list(m) for m in response.json["links"]] == [FIELDS, FIELDS]


def test_no_addresses_no_links(post):
    assert post({"emails": []}).json == {"links": []}


def test_invalid_addresses_are_named_by_position_and_never_echoed(post):
    emails = ["kari@example.no", "not an address", "ola@example.no", 42, None, "x@y", "a@b.no\u0000"]
    response = post({"emails": emails})
    assert response.status_code == 422
    assert response.json == {
        "error": "unusable-body",
        "message": response.json["message"],
        "positions": [1, 3, 4, 5, 6],
    }
    for email in ("kari@", "ola@", "not an address", "x@y"):
        assert email not in response.text


@pytest.mark.parametrize(
    "body",
    ["{", "", "[]", '{"emails": "kari@example.no"}', '{"emails": [], "lang": "de"}', '{"emails": [], "more": 1}'],
)
def test_an_unusable_body_is_a_422(post, body):
    response = post(body)
    assert response.status_code == 422 and response.json["error"] == "unusable-body"


def test_at_most_ten_thousand_addresses(post):
    emails = [f"p{i}@example.no" for i in range(LINKS_MAX_ADDRESSES)]
    assert len(post({"emails": emails}).json["links"]) == LINKS_MAX_ADDRESSES
    response = post({"emails": [*emails, "one.more@example.no"]})
    assert response.status_code == 413 and response.json["error"] == "too-large"
    assert "10000" in response.json["message"]


def test_a_body_over_one_mebibyte_is_a_413(post):
    body = json.dumps({"emails": ["p@example.no"], "padding": "x" * LINKS_MAX_BYTES})
    response = post(body)
    assert response.status_code == 413 and response.json["error"] == "too-large"


@pytest.mark.parametrize("content_type", ["text/csv", "text/plain", "application/x-www-form-urlencoded", ""])
def test_only_json_is_read(post, content_type):
    response = post('{"emails": ["kari@example.no"]}', content_type=content_type)
    assert response.status_code == 415 and response.json["error"] == "unsupported-media-type"


def test_unknown_campaign_is_a_json_404(post):
    response = post({"emails": ["kari@example.no"]}, url="/api/v1/campaigns/ghost/links")
    assert response.status_code == 404 and response.json["error"] == "unknown-campaign"
    assert "kari" not in response.text


def test_wrong_method_is_a_json_405(client, key):
    response = client.get(URL, headers=bearer(key))
    assert response.status_code == 405 and response.json["error"] == "method-not-allowed"
