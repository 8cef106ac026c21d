"""Concurrent requests for one recipient never lose or double a decision, and the current
choices always equal the ledger's last word: real threads, each with its own connection, on
PostgreSQL (row locks) and on SQLite (one writer at a time)."""

from __future__ import annotations

import random
import threading
from collections import defaultdict

import pytest

from tests.helpers.web import csrf_token


@pytest.fixture
def campaign(make_campaign):
    return make_campaign("newsletter", topic="periodic")


def _run(workers, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(workers)

    def wrapped(index: int) -> None:
        try:
            barrier.wait()
            target(index)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_simultaneous_one_clicks_record_one_opt_out(app, links, campaign, ledger, choices, optout):
    url = links("kari@example.no", campaign).unsubscribe_url

    def click(_index: int) -> None:
        response = app.test_client().post(url, data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200

    assert _run(12, click) == []
    assert len(choices()) == 1
    assert len(ledger()) == 1
    assert optout("ledger", "verify").exit_code == 0


def _replay(events) -> dict[tuple[str, str], str]:
    state: dict[tuple[str, str], str] = {}
    for event in events:
        key = (event["pid"], event["scope"])
        if event["action"] == "reset":
            state.pop(key, None)
        else:
            state[key] = event["action"]
    return state


def test_racing_opt_ins_and_opt_outs_keep_the_ledger_and_choices_equal(app, links, campaign, ledger, choices, optout):
    url = links("ola@example.no", campaign).preferences_url
    scopes = ["topic:periodic", "topic:partner-offers", "topic:phone", "channel:email", "channel:phone"]

    def toggle(index: int) -> None:
        rng = random.Random(index)
        client = app.test_client()
        for _round in range(6):
            page = client.get(url)
            want = [s for s in scopes if rng.random() < 0.5]
            response = client.post(
                url, data={"csrf_token": csrf_token(page.text), "shown": scopes, "want": want}, headers={"Referer": url}
            )
            assert response.status_code == 303

    assert _run(8, toggle) == []
    events = ledger()
    assert events, "the race should have recorded changes"
    assert _replay(events) == choices()
    # no event repeats the state it found: each one is a real change of its scope
    last: dict[str, str | None] = defaultdict(lambda: None)
    for event in events:
        after = None if event["action"] == "reset" else event["action"]
        assert after != last[event["scope"]], event
        last[event["scope"]] = after
    # the writers took turns on the chain: one unbroken sequence, no fork
    assert [event["seq"] for event in events] == list(range(1, len(events) + 1))
    verified = optout("ledger", "verify")
    assert verified.exit_code == 0, verified.output
    assert f"{len(events)} events" in verified.output
