"""The optional reason after an unsubscribe: offered only after the act, never required, counted
per campaign and reason with nothing that could tie it to a person, and shown as counts in the
console's campaign report and the partner's report. Replays are not counted twice."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text

from optout.accounts import officers
from optout.web.session import get_session
from tests.helpers.settings import BASE_URL
from tests.helpers.web import csrf_token
from tests.unsubscribe.pages import ONE_CLICK, buttons, h1, press

EMAIL = "kari@example.no"
SEND = {"nb": "Send svaret", "en": "Send answer"}


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("fjord-spring", partner="fjordreiser", lang="nb")


@pytest.fixture
def url(links, campaign):
    return links(EMAIL, campaign).unsubscribe_url


def counts(app) -> dict[tuple[int, str], int]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return {(r.campaign_id, r.reason): r.count for r in conn.execute(text("SELECT * FROM reason_count"))}


def test_the_confirmation_page_asks_no_reason_before_the_act(client, url):
    page = client.get(url)
    assert 'name="reason"' not in page.text


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_reason_after_the_act_is_counted_and_the_person_can_still_undo(
    client, app, url, campaign, ledger, choices, lang
):
    answer = client.post(url + f"?lang={lang}", data=ONE_CLICK)
    assert ("Vil du fortelle oss hvorfor? (valgfritt)" if lang == "nb" else "(optional)") in answer.text
    assert answer.text.count('type="radio"') == 4 and "<textarea" not in answer.text  # fixed answers, no free text
    events = ledger()
    thanks = press(client, answer.text, SEND[lang], reason="never-signed-up")
    assert thanks.status_code == 200 and "Set-Cookie" not in thanks.headers
    assert h1(thanks.text) == ("Takk for svaret" if lang == "nb" else "Thank you for telling us")
    assert counts(app) == {(campaign.id, "never-signed-up"): 1}
    assert ledger() == events  # a reason is no event: the ledger is untouched
    undo = "Angre" if lang == "nb" else "Undo"
    assert undo in buttons(thanks.text)
    assert press(client, thanks.text, undo).status_code == 200
    assert choices() == {}


def test_a_replayed_reason_is_counted_once(client, app, url, campaign):
    answer = client.post(url, data=ONE_CLICK)
    for reason in ("too-many", "too-many", "other"):
        assert press(client, answer.text, SEND["nb"], reason=reason).status_code == 200
    assert counts(app) == {(campaign.id, "too-many"): 1}


def test_reasons_from_several_people_add_up_per_campaign_and_reason(client, app, links, campaign, make_campaign):
    other = make_campaign("newsletter", topic="periodic")
    for i, (camp, reason) in enumerate([(campaign, "too-many"), (campaign, "too-many"), (other, "too-many")]):
        answer = client.post(links(f"person{i}@example.no", camp).unsubscribe_url, data=ONE_CLICK)
        press(client, answer.text, SEND["nb"], reason=reason)
    assert counts(app) == {(campaign.id, "too-many"): 2, (other.id, "too-many"): 1}


def test_a_reason_needs_this_links_own_standing_opt_out(client, app, url, links, make_campaign, decide):
    answer = client.post(url, data=ONE_CLICK)
    change = answer.text.split('name="change" value="')[1][:32]
    for junk in ("", "0" * 32, "not-a-change"):
        refused = client.post(url + "/reason", data={"change": junk, "reason": "other"})
        assert refused.status_code == 409 and h1(refused.text) == "Svaret ble ikke telt"
    other = links(EMAIL, make_campaign("newsletter", topic="periodic")).unsubscribe_url
    assert client.post(other + "/reason", data={"change": change, "reason": "other"}).status_code == 409
    press(client, answer.text, "Angre")  # undone: the opt-out no longer stands
    assert client.post(url + "/reason", data={"change": change, "reason": "other"}).status_code == 409
    assert counts(app) == {}


def test_an_unknown_or_missing_reason_is_refused(client, app, url):
    answer = client.post(url, data=ONE_CLICK)
    change = answer.text.split('name="change" value="')[1][:32]
    for body in ({"change": change}, {"change": change, "reason": "I hate you"}):
        assert client.post(url + "/reason", data=body).status_code == 400
    assert counts(app) == {}
    assert 'type="radio" id="reason-too-many" name="reason" value="too-many" required' in answer.text


def test_many_reasons_from_one_client_stop_being_counted(client, app, links, campaign):
    for i in range(22):
        answer = client.post(links(f"person{i}@example.no", campaign).unsubscribe_url, data=ONE_CLICK)
        press(client, answer.text, SEND["nb"], reason="other")
    assert counts(app) == {(campaign.id, "other"): 20}


def test_the_counter_table_holds_no_person_and_no_time(app):
    with app.extensions["optout.db"].engine.connect() as conn:
        columns = {column["name"] for column in inspect(conn).get_columns("reason_count")}
    assert columns == {"campaign_id", "reason", "count"}


def test_counts_are_in_the_partner_report_and_the_console(client, app, url, campaign, optout):
    answer = client.post(url, data=ONE_CLICK)
    press(client, answer.text, SEND["nb"], reason="not-relevant")
    report = json.loads(optout("report", "campaign", "fjord-spring").output)
    assert report["unsubscribe_reasons"] == {"too-many": 0, "not-relevant": 1, "never-signed-up": 0, "other": 0}
    csv_report = optout("report", "campaign", "fjord-spring", "--format", "csv").output
    assert "unsubscribe reasons,not-relevant,1" in csv_report
    with app.app_context():
        officers.add_officer(get_session(), "personvern@example.no", "correct horse battery staple")
        get_session().commit()
    login = client.get(f"{BASE_URL}/officer/login")
    client.post(
        f"{BASE_URL}/officer/login",
        data={
            "csrf_token": csrf_token(login.text),
            "email": "personvern@example.no",
            "password": "correct horse battery staple",
        },
        headers={"Referer": f"{BASE_URL}/officer/login"},
    )
    page = client.get(f"{BASE_URL}/officer/campaigns/fjord-spring").text
    assert '<th scope="row">E-postene er ikke relevante for meg</th><td class="num">1</td>' in page
