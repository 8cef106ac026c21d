"""The preference page's states: ticks that mean "you get this", the partner box under its parent,
the stopped state, pause and its end, «Hvorfor fikk jeg dette?» and an old change shown as history."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from optout import dates
from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token
from tests.preferences.test_page import EMAIL, _checked, _shown, _submit


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def page_url(links, campaign):
    return links(EMAIL, campaign).preferences_url


@pytest.fixture
def partner_url(links, make_campaign):
    return links(EMAIL, make_campaign("fjord-spring", partner="fjordreiser")).preferences_url


def _post(client, url, path, data=None):
    page = client.get(url)
    base, mark, query = url.partition("?")  # ?lang= stays, as the page's own form actions keep it
    return client.post(
        base + path + mark + query, data={"csrf_token": csrf_token(page.text), **(data or {})}, headers={"Referer": url}
    )


def _follow(client, response):
    assert response.status_code == 303, response.text
    return client.get(BASE_URL + response.headers["Location"])


def _now_line(html: str) -> str:
    return re.search(r'<p class="now" id="now">(.*?)</p>', html, re.S).group(1)


def _ends_on(app, pid):
    from sqlalchemy import text

    with app.extensions["optout.db"].engine.connect() as conn:
        value = conn.execute(text("SELECT ends_on FROM choice WHERE pid = :p AND scope = 'pause:email'"), {"p": pid})
        row = value.first()
    return None if row is None else dt.date.fromisoformat(str(row[0]))


def test_the_page_says_whose_choices_these_are_and_jumps_to_unsubscribe_all(client, page_url):
    html = client.get(page_url).text
    assert "Valgene gjelder e-postadressen som fikk e-posten du kom fra." in html
    assert '<a href="#everything-heading">Vil du ikke ha noe fra oss? Meld deg av alt</a>' in html
    assert 'id="everything-heading">Vil du ikke ha noe fra oss?</h2>' in html
    assert "<legend>Hva vil du få fra oss?</legend>" in html
    button = re.search(r"<button[^>]*>Meld meg av alt</button>", html).group(0)
    assert "danger" not in button and "primary" not in button  # secondary, as Undo is


def test_a_channel_opt_out_made_elsewhere_unticks_its_topics_and_a_tick_lifts_it(client, page_url, decide, choices):
    decide(EMAIL, "channel:email")
    html = client.get(page_url).text
    assert _checked(html) == set() and "channel:" not in html
    assert "Du får ikke: Nyhetsbrev fra Mesier" in _now_line(html)
    shown = _follow(client, _submit(client, page_url, ["topic:periodic"]))
    assert "topic:periodic" in _checked(shown.text)
    assert "Du får nå: Nyhetsbrev fra Mesier." in _now_line(shown.text)
    assert set(choices().values()) == {"opt-in"}  # the topic and the channel, both a plain yes now


def test_the_partner_box_waits_for_its_parent_and_is_never_saved_without_it(client, partner_url, choices, ledger):
    html = client.get(partner_url).text
    assert "partner:fjordreiser" not in _shown(html)
    assert "Du får tilbud fra Fjordreiser AS bare når «Tilbud fra samarbeids\u00adpartnere» er krysset av." in html
    page = client.get(partner_url)
    crafted = {
        "csrf_token": csrf_token(page.text),
        "shown": [*_shown(page.text), "partner:fjordreiser"],
        "want": ["topic:periodic", "partner:fjordreiser"],
    }
    client.post(partner_url, data=crafted, headers={"Referer": partner_url})
    assert ledger() == []  # a partner tick under an unticked parent is no consent, and no change
    ticked = _follow(client, _submit(client, partner_url, ["topic:periodic", "topic:partner-offers"]))
    assert {"topic:partner-offers", "partner:fjordreiser"} <= _checked(ticked.text)
    assert '<div class="nested">' in ticked.text
    # Unticking the parent with the partner box left ticked records the parent's opt-out only.
    _submit(client, partner_url, ["topic:periodic", "partner:fjordreiser"])
    assert [(e["scope"], e["action"]) for e in ledger()] == [
        ("topic:partner-offers", "opt-in"),
        ("topic:partner-offers", "opt-out"),
    ]


def test_unticking_only_the_partner_refuses_that_partner(client, partner_url, decide, choices, pid_of):
    decide(EMAIL, "topic:partner-offers", "opt-in")
    saved = _follow(client, _submit(client, partner_url, ["topic:periodic", "topic:partner-offers"]))
    assert choices()[(pid_of(EMAIL), "partner:fjordreiser")] == "opt-out"
    assert "Meldt av: Tilbud fra Fjordreiser AS" in saved.text
    assert "partner:fjordreiser" not in _checked(saved.text)


def test_while_everything_is_stopped_the_form_gives_way_to_resubscribe(client, partner_url, choices, pid_of):
    stopped = _follow(client, _post(client, partner_url, "/everything", {"do": "stop"}))
    html = stopped.text
    assert "Meldt av alt: du får verken e-post eller oppringinger fra oss." in html
    assert 'name="want"' not in html and "Lagre valgene mine" not in html and "months" not in html
    assert "Du er meldt av alt</h2>" in html and ">Meld meg på igjen</button>" in html
    assert "Melder du deg på igjen, får du: Nyhetsbrev fra Mesier." in html
    assert "Du får nå ingenting fra oss." in _now_line(html) or "Du får ikke:" in _now_line(html)
    again = _follow(client, _post(client, partner_url, "/everything", {"do": "resume"}))
    # Resubscribing lifts the stop and gives no consent: partner offers still need their own yes.
    assert choices() == {(pid_of(EMAIL), "everything"): "opt-in"}
    assert "Du er meldt på igjen" in again.text
    assert _checked(again.text) == {"topic:periodic"}


def test_pause_shows_its_last_day_holds_back_email_and_ends_early(client, page_url, choices, pid_of, app, ledger):
    html = client.get(page_url).text
    assert "Vil du heller ta en pause?" in html
    assert html.index("Meld meg av alt</button>") < html.index("Sett e-posten på pause</button>")  # never in front
    paused = _follow(client, _post(client, page_url, "/pause", {"months": "3"}))
    last = dates.add_months(dates.today(), 3)
    assert _ends_on(app, pid_of(EMAIL)) == last
    assert choices()[(pid_of(EMAIL), "pause:email")] == "pause"
    assert f"til og med {last.day}." in paused.text and "Avslutt pausen" in paused.text
    assert "Pausen gjelder bare e-post" in paused.text and "Vil du heller ta en pause?" not in paused.text
    assert "Du får ikke: Nyhetsbrev fra Mesier" in _now_line(paused.text)
    assert "topic:periodic" in _checked(paused.text)  # the tick stays: it is what comes back after the pause
    ended = _follow(client, _post(client, page_url, "/pause/end"))
    assert (pid_of(EMAIL), "pause:email") not in choices()
    assert "Pausen er avsluttet" in ended.text and "Du får nå: Nyhetsbrev fra Mesier." in _now_line(ended.text)
    assert [(e["scope"], e["action"]) for e in ledger()] == [("pause:email", "pause"), ("pause:email", "reset")]
    assert all(e["scope"] == "pause:email" for e in ledger())  # pausing never touches an opt-out


def test_pause_in_english_writes_the_day_the_british_way(client, page_url):
    paused = _follow(client, _post(client, page_url + "?lang=en", "/pause", {"months": "1"}))
    last = dates.add_months(dates.today(), 1)
    assert f"up to and including {last.day} {last:%B} {last.year}" in paused.text
    assert "End the pause" in paused.text and "email" in paused.text


def test_undo_of_a_pause_and_of_its_end(client, page_url, choices, pid_of, app):
    pid = pid_of(EMAIL)
    paused = _follow(client, _post(client, page_url, "/pause", {"months": "6"}))
    last = _ends_on(app, pid)
    ended = _follow(client, _post(client, page_url, "/pause/end"))
    change = re.search(r'name="change" value="([0-9a-f]+)"', ended.text).group(1)
    undone = _follow(client, _post(client, page_url, "/undo", {"change": change}))
    assert _ends_on(app, pid) == last and "Avslutt pausen" in undone.text  # the same last day back
    del paused
    change = re.search(r'name="change" value="([0-9a-f]+)"', undone.text)
    assert change is None  # an undo is not undone in turn
    latest = _follow(client, _post(client, page_url, "/pause", {"months": "1"}))
    change = re.search(r'name="change" value="([0-9a-f]+)"', latest.text).group(1)
    _follow(client, _post(client, page_url, "/undo", {"change": change}))
    assert _ends_on(app, pid) == last  # moved to a month, undone: back to the six months' last day


def test_a_pause_ends_by_itself_the_day_after_its_last_day(client, page_url, monkeypatch):
    _post(client, page_url, "/pause", {"months": "1"})
    last = dates.add_months(dates.today(), 1)
    monkeypatch.setattr(dates, "today", lambda: last)
    assert "Avslutt pausen" in client.get(page_url).text
    monkeypatch.setattr(dates, "today", lambda: last + dt.timedelta(days=1))
    html = client.get(page_url).text
    assert "Avslutt pausen" not in html and "Vil du heller ta en pause?" in html
    assert "Du får nå: Nyhetsbrev fra Mesier." in _now_line(html)


@pytest.mark.parametrize("months", ["2", "", "x", "12"])
def test_a_pause_of_another_length_is_refused(client, page_url, ledger, months):
    assert _post(client, page_url, "/pause", {"months": months}).status_code == 400
    assert ledger() == []


def test_pausing_needs_the_csrf_token(client, page_url, ledger):
    client.get(page_url)
    assert client.post(page_url + "/pause", data={"months": "1"}, headers={"Referer": page_url}).status_code == 400
    assert client.post(page_url + "/pause/end", headers={"Referer": page_url}).status_code == 400
    assert ledger() == []


def test_why_did_i_get_this_shows_each_yes_from_the_ledger(client, partner_url, decide):
    html = client.get(partner_url).text
    assert "Hvorfor fikk jeg dette?" in html
    assert "Du har ikke sagt nei til dette. Vi sender det til alle som ikke har meldt seg av." in html
    assert "Vi har ikke gitt e-postadressen din til Fjordreiser AS, og det kommer vi aldri til å gjøre." in html
    said_yes = _follow(client, _submit(client, partner_url, ["topic:periodic", "topic:partner-offers"]))
    today = dates.today()
    assert f"Du sa ja {today.day}." in said_yes.text
    assert "på siden «Dine valg», under versjon 2020-02-28 av personvernerklæringen vår." in said_yes.text
    # Withdrawn, then the withdrawal undone: the evidence is still the page's yes, not the undo.
    withdrawn = _follow(client, _submit(client, partner_url, ["topic:periodic"]))
    assert "Du sa ja" not in withdrawn.text
    change = re.search(r'name="change" value="([0-9a-f]+)"', withdrawn.text).group(1)
    undone = _follow(client, _post(client, partner_url, "/undo", {"change": change}))
    assert "på siden «Dine valg», under versjon 2020-02-28" in undone.text


def test_why_in_english_names_how_the_yes_came(client, page_url, decide):
    decide(EMAIL, "topic:phone", "opt-in")
    html = client.get(page_url + "?lang=en").text
    assert "Why did I get this?" in html
    assert "to us, and we recorded it, under version test of our privacy policy." in html


def test_an_old_change_is_shown_as_history_not_as_saved(client, page_url):
    saved = _submit(client, page_url, [])
    change_url = BASE_URL + saved.headers["Location"]
    shown = client.get(change_url)
    change = re.search(r'name="change" value="([0-9a-f]+)"', shown.text).group(1)
    _follow(client, _post(client, page_url, "/undo", {"change": change}))
    old = client.get(change_url).text
    assert "Denne endringen er senere angret eller endret. Valgene du har nå, vises nedenfor." in old
    assert 'class="confirmation"' not in old and ">Angre<" not in old and "Valgene dine er lagret" not in old
    assert "topic:periodic" in _checked(old)
