"""The preference page: every topic with its current choice, CSRF-protected saving, unsubscribe
from everything, and Undo that restores exactly what was there before. (Partner nesting, the
stopped state, pause and «Hvorfor fikk jeg dette?»: test_states.py.)"""

from __future__ import annotations

import re

import pytest

from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("page text, cookies and CSRF checks")

EMAIL = "ola@example.no"


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def partner_campaign(make_campaign):
    return make_campaign("fjord-spring", partner="fjordreiser")


@pytest.fixture
def page_url(links, campaign):
    return links(EMAIL, campaign).preferences_url


def _checked(html: str) -> set[str]:
    return set(re.findall(r'name="want" value="([^"]+)"[^>]*\bchecked\b', html.replace("\n", " ")))


def _shown(html: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', html)


def _submit(client, url, wanted, *, path="", extra=None, referer=None):
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.text), "shown": _shown(page.text), "want": list(wanted), **(extra or {})}
    base = url.split("?")[0]
    return client.post(base + path, data=data, headers={"Referer": referer or url})


@ONE_DIALECT
def test_page_shows_every_topic_with_description_and_default_choice(client, page_url):
    response = client.get(page_url)
    assert response.status_code == 200
    for name in ("Nyhetsbrev fra Mesier", "Tilbud fra samarbeids\u00adpartnere", "Oppringinger med innspilt melding"):
        assert name in response.text
    assert "partnerne får aldri e-postadressen din" in response.text  # a description
    # periodic is opt-out based (on by default); partner offers and phone need consent.
    assert _checked(response.text) == {"topic:periodic"}
    assert "partner:" not in response.text and "channel:" not in response.text
    assert "<fieldset>" in response.text and "<legend>" in response.text


@ONE_DIALECT
def test_partner_campaign_offers_only_this_partner_under_its_ticked_parent(client, links, partner_campaign, decide):
    decide(EMAIL, "topic:partner-offers", "opt-in")
    response = client.get(links(EMAIL, partner_campaign).preferences_url)
    assert "Tilbud fra Fjordreiser AS" in response.text
    assert "partner:fjordreiser" in _shown(response.text)


@ONE_DIALECT
def test_page_sets_a_strict_session_cookie_only_for_its_form(client, page_url):
    cookie = client.get(page_url).headers["Set-Cookie"]
    assert cookie.startswith("__Host-optout=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


@ONE_DIALECT
def test_saving_needs_the_csrf_token(client, page_url, ledger):
    client.get(page_url)
    response = client.post(page_url, data={"shown": ["topic:periodic"], "want": []}, headers={"Referer": page_url})
    assert response.status_code == 400
    assert "Valgene dine ble ikke lagret" in response.text
    assert f'href="{page_url.removeprefix(BASE_URL)}">Tilbake til valgene dine' in response.text
    assert ledger() == []


@ONE_DIALECT
def test_saving_from_another_origin_is_refused(client, page_url, ledger):
    response = _submit(client, page_url, [], referer="https://evil.example.com/")
    assert response.status_code == 400
    assert ledger() == []


def test_saving_records_each_change_and_confirms_it(client, page_url, ledger, choices, pid_of, campaign):
    response = _submit(client, page_url, ["topic:partner-offers"])
    assert response.status_code == 303
    pid = pid_of(EMAIL)
    assert choices() == {(pid, "topic:periodic"): "opt-out", (pid, "topic:partner-offers"): "opt-in"}
    events = ledger()
    assert [(e["scope"], e["action"], e["source"]) for e in events] == [
        ("topic:periodic", "opt-out", "preference-page"),
        ("topic:partner-offers", "opt-in", "preference-page"),
    ]
    assert len({e["change_id"] for e in events}) == 1 and events[0]["campaign_id"] == campaign.id
    shown = client.get(BASE_URL + response.headers["Location"])
    assert 'role="status"' in shown.text and "Valgene dine er lagret" in shown.text
    assert (
        "Meldt av: Nyhetsbrev fra Mesier" in shown.text
        and "Meldt på: Tilbud fra samarbeids\u00adpartnere" in shown.text
    )
    assert ">Angre<" in shown.text
    assert _checked(shown.text) == {"topic:partner-offers"}


def test_saving_unchanged_choices_records_nothing(client, page_url, ledger):
    response = _submit(client, page_url, ["topic:periodic"])
    assert response.status_code == 303 and "saved=1" in response.headers["Location"]
    assert ledger() == []
    assert "Ingenting ble endret" in client.get(BASE_URL + response.headers["Location"]).text


def test_a_crafted_form_cannot_touch_options_it_did_not_show(client, page_url, choices):
    page = client.get(page_url)
    client.post(
        page_url,
        data={"csrf_token": csrf_token(page.text), "shown": ["partner:acme", "everything"], "want": []},
        headers={"Referer": page_url},
    )
    assert choices() == {}


def test_undo_restores_the_previous_choices(client, page_url, ledger, choices, pid_of):
    pid = pid_of(EMAIL)
    first = _submit(client, page_url, ["topic:periodic", "topic:phone"])
    assert choices() == {(pid, "topic:phone"): "opt-in"}
    second = _submit(client, BASE_URL + first.headers["Location"], [])
    assert choices() == {(pid, "topic:periodic"): "opt-out", (pid, "topic:phone"): "opt-out"}
    shown = client.get(BASE_URL + second.headers["Location"])
    change = re.search(r'name="change" value="([0-9a-f]+)"', shown.text).group(1)
    undone = client.post(
        page_url + "/undo", data={"csrf_token": csrf_token(shown.text), "change": change}, headers={"Referer": page_url}
    )
    assert undone.status_code == 303
    # periodic had no recorded choice before: it is reset; phone was opted in: it is again.
    assert choices() == {(pid, "topic:phone"): "opt-in"}
    assert [(e["scope"], e["action"], e["source"]) for e in ledger()[-2:]] == [
        ("topic:periodic", "reset", "undo"),
        ("topic:phone", "opt-in", "undo"),
    ]
    after = client.get(BASE_URL + undone.headers["Location"])
    assert "Endringen er angret" in after.text and ">Angre<" not in after.text
    assert "<title>Endringen er angret" in after.text


@ONE_DIALECT
def test_undo_needs_csrf_and_is_not_reachable_by_get(client, page_url, choices):
    saved = _submit(client, page_url, [])
    change = saved.headers["Location"].split("change=")[1]
    before = choices()
    assert client.get(page_url + "/undo").status_code == 405
    assert client.post(page_url + "/undo", data={"change": change}, headers={"Referer": page_url}).status_code == 400
    assert choices() == before


def test_undo_of_a_change_overtaken_by_a_newer_one_is_refused(client, page_url, links, campaign, choices):
    saved = _submit(client, page_url, [])
    change = saved.headers["Location"].split("change=")[1]
    client.post(links(EMAIL, campaign).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    _submit(client, page_url, ["topic:periodic"])  # newer decision
    before = choices()
    page = client.get(page_url)
    response = client.post(
        page_url + "/undo", data={"csrf_token": csrf_token(page.text), "change": change}, headers={"Referer": page_url}
    )
    assert response.status_code == 409 and "kan ikke lenger angres" in response.text
    assert choices() == before


def test_another_recipients_change_is_neither_shown_nor_undone(client, page_url, links, campaign, choices):
    saved = _submit(client, page_url, [])
    change = saved.headers["Location"].split("change=")[1]
    other = links("someone.else@example.no", campaign).preferences_url
    assert ">Angre<" not in client.get(f"{other}?change={change}").text
    page = client.get(other)
    before = choices()
    response = client.post(
        other + "/undo", data={"csrf_token": csrf_token(page.text), "change": change}, headers={"Referer": other}
    )
    assert response.status_code == 409
    assert choices() == before


def test_stop_everything_and_start_again(client, page_url, choices, pid_of, ledger):
    pid = pid_of(EMAIL)
    stopped = _submit(client, page_url, [], path="/everything", extra={"do": "stop"})
    assert choices() == {(pid, "everything"): "opt-out"}
    shown = client.get(BASE_URL + stopped.headers["Location"])
    assert "Du er meldt av alt" in shown.text and "Meld meg på igjen" in shown.text
    assert ledger()[-1]["channel"] is None
    _submit(client, page_url, [], path="/everything", extra={"do": "resume"})
    assert choices() == {(pid, "everything"): "opt-in"}
