"""The List-Unsubscribe URL: GET/HEAD never act, RFC 8058 POST always does, exactly once."""

from __future__ import annotations

import base64

import pytest
from itsdangerous import Signer

from optout.tokens import Purpose
from tests.helpers.settings import BASE_URL, ID_KEY, OLD_KEY
from tests.tokens_oracle import V1_SALT, reference_token
from tests.unsubscribe.pages import ONE_CLICK

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent(
    "page text and token checks; recording an opt-out runs on both in the other tests here"
)


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@pytest.fixture
def url(links, campaign):
    return links("kari@example.no", campaign).unsubscribe_url


@ONE_DIALECT
def test_get_and_head_show_a_page_and_change_nothing(client, url, ledger, choices):
    scanner = {"User-Agent": "Mozilla/5.0 (compatible; SafeLinks scanner)"}
    page = client.get(url, headers=scanner)
    head = client.head(url, headers=scanner)
    assert page.status_code == head.status_code == 200
    assert "<form" in page.text and 'name="List-Unsubscribe" value="One-Click"' in page.text
    assert "Set-Cookie" not in page.headers
    assert ledger() == [] and choices() == {}


def test_one_click_urlencoded_opts_out_of_the_topic(client, url, ledger, choices, pid_of, campaign):
    response = client.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "Location" not in response.headers and "Set-Cookie" not in response.headers
    assert choices() == {(pid_of("kari@example.no"), "topic:periodic"): "opt-out"}
    [event] = ledger()
    assert (event["scope"], event["action"], event["source"], event["channel"]) == (
        "topic:periodic",
        "opt-out",
        "one-click",
        "email",
    )
    assert event["campaign_id"] == campaign.id and event["lang"] == "nb"
    assert event["policy_version"] == "2020-02-28"


def test_one_click_multipart_as_in_rfc_8058_section_8_3(client, url, ledger):
    boundary = "---FormBoundaryjWmhtjORrn"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    )
    response = client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    assert [e["source"] for e in ledger()] == ["one-click"]


def test_repeated_one_click_leaves_one_opt_out_and_one_event(client, url, ledger, choices):
    for _attempt in range(3):
        assert client.post(url, data=ONE_CLICK).status_code == 200
    assert len(choices()) == 1
    assert len(ledger()) == 1


def test_one_click_ignores_cookies_authorization_and_extra_fields(client, url, ledger, choices, pid_of):
    client.set_cookie("optout_session", "forged", domain="optout.example.no")
    response = client.post(
        url,
        data={**ONE_CLICK, "lists": "all", "action": "subscribe", "scope": "everything"},
        headers={"Authorization": "Bearer nonsense"},
    )
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert choices() == {(pid_of("kari@example.no"), "topic:periodic"): "opt-out"}
    assert len(ledger()) == 1


def test_the_pages_button_sends_the_same_request_and_is_recorded_as_the_page(client, url, ledger):
    page = client.get(url)
    assert 'name="source" value="page"' in page.text
    response = client.post(url, data={**ONE_CLICK, "source": "page"})
    assert response.status_code == 200
    assert 'role="status"' in response.text
    assert [e["source"] for e in ledger()] == ["confirmation-page"]


def _forged(token: str) -> str:
    value, _sep, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"{value}.{flipped}"


def _other_purpose(links_obj) -> str:
    return links_obj.preferences_url.rsplit("/", 1)[1]


def _removed_key(campaign_id: int) -> str:
    from optout.identity import pseudonymous_id

    removed = "removed-signing-key-0123456789-abcdefghijk"
    pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no")
    return reference_token([removed.encode()], Purpose.UNSUBSCRIBE, pid, campaign_id, "nb")


def _unknown_campaign() -> str:
    from optout.identity import pseudonymous_id

    pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no")
    return reference_token([OLD_KEY.encode()], Purpose.UNSUBSCRIBE, pid, 999_999, "nb")


def _itsdangerous_default(campaign_id: int) -> str:
    # A token from a plain itsdangerous signer with our key: right key, wrong scheme.
    return Signer(OLD_KEY, salt=V1_SALT[Purpose.UNSUBSCRIBE]).sign(b"kari@example.no").decode()


@pytest.fixture
def bad_tokens(links, campaign):
    good = links("kari@example.no", campaign)
    token = good.unsubscribe_url.rsplit("/", 1)[1]
    return {
        "forged": _forged(token),
        "truncated": token[:-5],
        "truncated-payload": token[3:],
        "wrong-purpose": _other_purpose(good),
        "removed-key": _removed_key(campaign.id),
        "unknown-campaign": _unknown_campaign(),
        "other-scheme": _itsdangerous_default(campaign.id),
        "garbage": "not-a-token",
        "base64-garbage": base64.urlsafe_b64encode(b"x" * 40).decode(),
        "non-ascii": "æøå.æøå",
    }


@ONE_DIALECT
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_every_bad_token_gets_the_same_page_and_changes_nothing(client, bad_tokens, method, ledger, choices):
    responses = {
        name: client.open(f"{BASE_URL}/u/{token}", method=method, data=ONE_CLICK if method == "POST" else None)
        for name, token in bad_tokens.items()
    }
    statuses = {r.status_code for r in responses.values()}
    bodies = {r.get_data() for r in responses.values()}
    assert statuses == {404}
    assert len(bodies) == 1, "every bad link must look the same"
    assert "Set-Cookie" not in next(iter(responses.values())).headers
    assert ledger() == [] and choices() == {}


@ONE_DIALECT
def test_bad_link_page_is_in_the_visitors_language(client, bad_tokens):
    english = client.get(f"{BASE_URL}/u/{bad_tokens['garbage']}", headers={"Accept-Language": "en-GB,en;q=0.8"})
    norwegian = client.get(f"{BASE_URL}/u/{bad_tokens['garbage']}", headers={"Accept-Language": "no"})
    assert '<html lang="en">' in english.text and "The link does not work" in english.text
    assert '<html lang="nb">' in norwegian.text and "Lenken virker ikke" in norwegian.text


@ONE_DIALECT
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_refused(client, url, method, ledger):
    assert client.open(url, method=method).status_code == 405
    assert ledger() == []


@ONE_DIALECT
def test_oversized_body_is_refused_and_changes_nothing(client, url, ledger):
    response = client.post(url, data={**ONE_CLICK, "padding": "x" * 100_000})
    assert response.status_code == 413
    assert ledger() == []


@ONE_DIALECT
def test_key_rotation_old_key_token_still_works(client, campaign, ledger):
    from optout.identity import pseudonymous_id

    pid = pseudonymous_id(ID_KEY.encode(), "kari@example.no")
    old = reference_token([OLD_KEY.encode()], Purpose.UNSUBSCRIBE, pid, campaign.id, "nb")
    assert client.post(f"{BASE_URL}/u/{old}", data=ONE_CLICK).status_code == 200
    assert len(ledger()) == 1


@ONE_DIALECT
def test_links_in_mail_sent_before_format_2_still_work(client, campaign, choices, pid_of):
    """Format 1 tokens (a salt and a whole MAC per purpose) are in mail already sent."""
    pid = pid_of("kari@example.no")
    keys = [OLD_KEY.encode()]
    unsubscribe = reference_token(keys, Purpose.UNSUBSCRIBE, bytes.fromhex(pid), campaign.id, "en", version=1)
    preferences = reference_token(keys, Purpose.PREFERENCES, bytes.fromhex(pid), campaign.id, "en", version=1)
    assert client.get(f"/p/{preferences}").status_code == 200
    assert client.get(f"/p/{unsubscribe}").status_code == 404  # still each for its own purpose
    assert client.post(f"/u/{unsubscribe}", data=ONE_CLICK).status_code == 200
    assert choices() == {(pid, "topic:periodic"): "opt-out"}
