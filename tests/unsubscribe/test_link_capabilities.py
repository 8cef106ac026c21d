"""What each link can do. The unsubscribe link (``/u/``, in List-Unsubscribe, seen by whoever sees
the headers) opts out of its topic or of everything and undoes its own opt-outs; it never reads
the other choices, never opts in and never yields the preferences link. Every page decision
records which link carried it, inside the hash chain."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token
from tests.unsubscribe.pages import CHANGE, ONE_CLICK

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("the links a page shows")

EMAIL = "kari@example.no"


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic", lang="nb")


@pytest.fixture
def made(links, campaign):
    return links(EMAIL, campaign)


def _action(html: str, name: str) -> str:
    found = re.findall(r'<form method="post" action="([^"]+)"', html)
    [path] = [p.replace("&amp;", "&") for p in found if p.split("?")[0].endswith(name)]
    return BASE_URL + path


def _preferences_token(made) -> str:
    return made.preferences_url.rsplit("/", 1)[1]


@ONE_DIALECT
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_no_unsubscribe_page_or_answer_holds_the_preferences_link(client, made, lang):
    secret = _preferences_token(made)
    pages = [client.get(made.unsubscribe_url + f"?lang={lang}")]
    pages.append(client.post(made.unsubscribe_url + f"?lang={lang}", data=ONE_CLICK))
    pages.append(client.post(_action(pages[-1].text, "/everything")))
    pages.append(client.post(_action(pages[-1].text, "/undo"), data={"change": CHANGE.search(pages[-1].text)[1]}))
    pages.append(client.get(made.unsubscribe_url))  # "already unsubscribed" again
    for page in pages:
        assert page.status_code == 200
        assert "/p/" not in page.text and secret not in page.text
        assert secret[-22:] not in page.text  # not even the preferences half of the signature


def test_the_answer_offers_undo_and_unsubscribe_from_everything(client, made, choices, pid_of, ledger):
    answer = client.post(made.unsubscribe_url, data=ONE_CLICK)
    assert "Vi sender deg ikke lenger «Nyhetsbrev fra Mesier». De andre valgene dine er uendret." in answer.text
    assert "Meld meg av alt" in answer.text and "Angre" in answer.text
    undone = client.post(_action(answer.text, "/undo"), data={"change": CHANGE.search(answer.text)[1]})
    assert undone.status_code == 200 and "Avmeldingen er angret" in undone.text
    assert choices() == {}
    undo_event = ledger()[-1]
    assert (undo_event["action"], undo_event["source"], undo_event["link"]) == ("reset", "undo", "unsubscribe")
    assert "Set-Cookie" not in undone.headers


def test_unsubscribe_from_everything_from_the_page_and_undo_it(client, made, choices, pid_of, ledger):
    page = client.get(made.unsubscribe_url)
    answer = client.post(_action(page.text, "/everything"))
    assert answer.status_code == 200
    assert choices() == {(pid_of(EMAIL), "everything"): "opt-out"}
    assert [(e["scope"], e["source"], e["link"]) for e in ledger()] == [
        ("everything", "confirmation-page", "unsubscribe")
    ]
    assert "Meld meg av alt</button>" not in answer.text  # done already: no button for the same act
    client.post(_action(answer.text, "/undo"), data={"change": CHANGE.search(answer.text)[1]})
    assert choices() == {}


def test_already_unsubscribed_says_so_and_offers_no_button_for_the_same_act(client, made, decide):
    decide(EMAIL, "everything", "opt-out")
    page = client.get(made.unsubscribe_url)
    assert '<h1>Du er allerede meldt av «Nyhetsbrev fra <span class="nobr">Mesier»</span></h1>' in page.text
    assert 'value="One-Click"' not in page.text


def test_an_unsubscribe_link_cannot_opt_in_whatever_the_body_says(client, made, choices, pid_of):
    for body in ({"want": "topic:phone", "shown": "topic:phone"}, {"do": "resume"}, {"action": "opt-in"}):
        client.post(made.unsubscribe_url, data={**ONE_CLICK, **body})
        client.post(made.unsubscribe_url + "/everything", data=body)
    assert set(choices().values()) == {"opt-out"}


def _preferences_change(client, made) -> str:
    page = client.get(made.preferences_url)
    saved = client.post(
        made.preferences_url,
        data={"csrf_token": csrf_token(page.text), "shown": ["topic:periodic"], "want": []},
        headers={"Referer": made.preferences_url},
    )
    return saved.headers["Location"].split("change=")[1].split("&")[0]


def test_the_unsubscribe_link_undoes_only_its_own_opt_outs(client, made, links, make_campaign, choices, ledger):
    by_preferences = _preferences_change(client, made)
    before, events = choices(), len(ledger())
    assert client.post(made.unsubscribe_url + "/undo", data={"change": by_preferences}).status_code == 409
    other = links(EMAIL, make_campaign("other", topic="phone"))
    answer = client.post(other.unsubscribe_url, data=ONE_CLICK)  # the other campaign's link, its own opt-out
    by_other_link = CHANGE.search(answer.text)[1]
    assert client.post(made.unsubscribe_url + "/undo", data={"change": by_other_link}).status_code == 409
    for junk in ("", "not-a-change", "0" * 32, by_other_link.upper()):
        assert client.post(made.unsubscribe_url + "/undo", data={"change": junk}).status_code == 409
    assert len(ledger()) == events + 1
    assert client.post(other.unsubscribe_url + "/undo", data={"change": by_other_link}).status_code == 200
    assert choices() == before


def test_the_undo_of_an_undo_is_refused_on_either_link(client, made, choices, ledger):
    answer = client.post(made.unsubscribe_url, data=ONE_CLICK)
    client.post(made.unsubscribe_url + "/undo", data={"change": CHANGE.search(answer.text)[1]})
    undo_change = ledger()[-1]["change_id"]
    assert client.post(made.unsubscribe_url + "/undo", data={"change": undo_change}).status_code == 409
    page = client.get(made.preferences_url + f"?change={undo_change}")
    assert 'name="change"' not in page.text  # the page does not offer it
    redo = client.post(
        made.preferences_url + "/undo",
        data={"csrf_token": csrf_token(page.text), "change": undo_change},
        headers={"Referer": made.preferences_url},
    )
    assert redo.status_code == 409
    assert choices() == {} and len(ledger()) == 2


def test_every_page_decision_records_its_link_and_the_chain_covers_it(client, made, ledger, optout, app):
    client.post(made.unsubscribe_url, data=ONE_CLICK)
    page = client.get(made.preferences_url)
    client.post(
        made.preferences_url,
        data={"csrf_token": csrf_token(page.text), "shown": ["topic:phone"], "want": ["topic:phone"]},
        headers={"Referer": made.preferences_url},
    )
    assert [(e["scope"], e["action"], e["link"]) for e in ledger()] == [
        ("topic:periodic", "opt-out", "unsubscribe"),
        ("topic:phone", "opt-in", "preferences"),
    ]
    assert optout("ledger", "verify").exit_code == 0
    with app.extensions["optout.db"].engine.begin() as conn:
        conn.execute(text("UPDATE consent_event SET link = 'unsubscribe' WHERE scope = 'topic:phone'"))
    tampered = optout("ledger", "verify")
    assert tampered.exit_code == 1, tampered.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_with_links_and_an_undo_verifies_on_its_own(
    client, made, links, make_campaign, optout, tmp_path, ledger, fmt
):
    answer = client.post(made.unsubscribe_url, data=ONE_CLICK)
    client.post(made.unsubscribe_url + "/undo", data={"change": CHANGE.search(answer.text)[1]})
    page = client.get(made.preferences_url)
    client.post(
        made.preferences_url,
        data={"csrf_token": csrf_token(page.text), "shown": ["topic:phone"], "want": ["topic:phone"]},
        headers={"Referer": made.preferences_url},
    )
    calls = links(EMAIL, make_campaign("calls", topic="phone")).unsubscribe_url
    answer = client.post(calls + "?lang=en", data=ONE_CLICK)
    client.post(calls + "/undo", data={"change": CHANGE.search(answer.text)[1]})
    restored = ledger()[-1]
    assert restored["action"] == "opt-in" and restored["restores"] == ledger()[-3]["seq"]
    path = tmp_path / f"ledger.{fmt}"
    assert optout("export", "ledger", "--format", fmt, "--output", str(path)).exit_code == 0
    exported = path.read_text()
    assert "unsubscribe" in exported and "preferences" in exported
    verified = optout("ledger", "verify", "--file", str(path))
    assert verified.exit_code == 0, verified.output
    path.write_text(exported.replace("preferences", "unsubscribe"))
    assert optout("ledger", "verify", "--file", str(path)).exit_code == 1
