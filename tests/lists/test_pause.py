"""The filter and a pause: paused recipients are dropped as ``paused`` through the pause's last day
(Norway's calendar) and kept again from the day after; a pause never hides a refusal, and it holds
back email only. The day is moved by replacing :func:`optout.dates.today`, the rule's one clock."""

from __future__ import annotations

import datetime as dt

import pytest

from optout import dates
from optout.consent import pause as pausing
from optout.consent import service as consent
from optout.identity import pseudonymous_id
from optout.models import Source
from optout.web.extensions import get_settings
from optout.web.session import get_session
from tests.helpers.phones import decide_number

START = dt.date(2027, 1, 31)  # one month on is 28 February: the shorter month's last day


@pytest.fixture
def pause(app):
    """Pause an address's email on START, straight through the service (the page's tests use the page)."""

    def record(email: str, months: int = 1) -> None:
        with app.app_context():
            session = get_session()
            pid = pseudonymous_id(get_settings().id_key, email).hex()
            context = consent.DecisionContext(Source.PREFERENCE_PAGE, "test")
            pausing.pause(session, pid, months, context, today=START)
            session.commit()

    return record


def _on(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(dates, "today", lambda: day)


@pytest.mark.parametrize(
    ("day", "kept"),
    [(START, False), (dt.date(2027, 2, 28), False), (dt.date(2027, 3, 1), True)],
    ids=["first-day", "last-day", "day-after"],
)
def test_a_paused_recipient_is_dropped_until_the_day_after_the_last_day(run, newsletter, pause, monkeypatch, day, kept):
    pause("paused@example.no")
    _on(monkeypatch, day)
    result, rows, summary = run("email\npaused@example.no\nother@example.no\n")
    assert result.exit_code == 0, result.output
    emails = [r["email"] for r in rows]
    assert emails == (["paused@example.no", "other@example.no"] if kept else ["other@example.no"])
    assert summary["dropped"]["paused"] == (0 if kept else 1)
    assert ("dropped, paused: 1" in result.output) is not kept


def test_a_pause_never_hides_a_refusal_and_never_lifts_one(run, newsletter, pause, decide, monkeypatch):
    decide("out@example.no", "topic:periodic")
    pause("out@example.no")
    decide("all@example.no", "everything")
    pause("all@example.no", 6)
    _on(monkeypatch, START)
    _result, rows, summary = run("email\nout@example.no\nall@example.no\n")
    assert rows == []
    assert {k: v for k, v in summary["dropped"].items() if v} == {"opted-out-topic": 1, "opted-out-everything": 1}
    _on(monkeypatch, dt.date(2027, 8, 1))  # both pauses over: the opt-outs stand
    _result, rows, summary = run("email\nout@example.no\nall@example.no\n")
    assert rows == [] and summary["dropped"]["paused"] == 0


def test_a_partner_offer_needs_its_consent_and_waits_out_the_pause(run, partner_campaign, pause, decide, monkeypatch):
    decide("yes@example.no", "topic:partner-offers", "opt-in")
    pause("yes@example.no")
    pause("never-said-yes@example.no")
    _on(monkeypatch, START)
    _result, rows, summary = run("email\nyes@example.no\nnever-said-yes@example.no\n", "fjord-spring")
    assert rows == []
    assert {k: v for k, v in summary["dropped"].items() if v} == {"paused": 1, "no-consent": 1}
    _on(monkeypatch, dt.date(2027, 3, 1))
    _result, rows, _summary = run("email\nyes@example.no\nnever-said-yes@example.no\n", "fjord-spring")
    assert [r["email"] for r in rows] == ["yes@example.no"]


def test_a_pause_of_email_holds_back_no_phone_call(run, make_campaign, pause, decide, app, monkeypatch):
    make_campaign("calls", topic="phone")
    decide("caller@example.no", "topic:phone", "opt-in")
    decide_number(app, "+47 982 60 580", "topic:phone")
    pause("caller@example.no")
    _on(monkeypatch, START)
    _result, rows, summary = run("phone,email\n98260580,caller@example.no\n", "calls")
    assert [r["email"] for r in rows] == ["caller@example.no"] and summary["dropped"]["paused"] == 0


def test_ending_a_pause_early_lets_the_next_run_through(run, newsletter, pause, app, monkeypatch):
    pause("back@example.no", 3)
    _on(monkeypatch, START)
    with app.app_context():
        session = get_session()
        pid = pseudonymous_id(get_settings().id_key, "back@example.no").hex()
        ended = pausing.end(session, pid, consent.DecisionContext(Source.PREFERENCE_PAGE, "test"))
        session.commit()
        again = pausing.end(session, pid, consent.DecisionContext(Source.PREFERENCE_PAGE, "test"))
        session.commit()
    assert ended and not again  # ending a pause that no longer holds records nothing
    _result, rows, _summary = run("email\nback@example.no\n")
    assert [r["email"] for r in rows] == ["back@example.no"]


def test_recipient_show_gives_the_pause_and_its_reason(optout, pause, monkeypatch):
    import json

    pause("shown@example.no", 6)
    _on(monkeypatch, dt.date(2027, 7, 31))  # the last day: 31 January + 6 months
    shown = json.loads(optout("recipient", "show", "shown@example.no").output)
    assert shown["paused_until"] == "2027-07-31"
    assert shown["blocked_by"] == {"periodic": "paused", "partner-offers": "no-consent", "phone": "no-consent"}
    assert shown["choices"] == {"pause:email": "pause"}
    assert [(e["scope"], e["action"], e["ends_on"]) for e in shown["history"]] == [
        ("pause:email", "pause", "2027-07-31")
    ]
    _on(monkeypatch, dt.date(2027, 8, 1))
    shown = json.loads(optout("recipient", "show", "shown@example.no").output)
    assert shown["paused_until"] is None and shown["receives"]["periodic"] is True
