"""Undo restores exactly the rows a change replaced (status, policy version, the event that gave
it), never a fresh consent; it checks and reads under the ledger lock, so it never overwrites a
newer decision; and it undoes only what a page offered."""

from __future__ import annotations

import json
import re
import threading

import pytest

from tests.helpers.web import csrf_token

EMAIL = "dave@example.no"
ONE_CLICK = {"List-Unsubscribe": "One-Click"}
CHANGE = re.compile(r'name="change" value="([0-9a-f]{32})"')


@pytest.fixture
def offer(make_campaign):
    return make_campaign("offer", partner="acme")


def _stale_consent(optout, tmp_path) -> None:
    """An opt-in to partner offers given in 2024, then a material policy change in 2026."""
    path = tmp_path / "consents.csv"
    path.write_text(f"email,topic,given_at,evidence\n{EMAIL},partner-offers,2024-01-01,signup form\n")
    assert optout("consent", "import", str(path)).exit_code == 0
    added = optout("policy", "add", "2026-material", "--date", "2026-01-01", "--url", "https://x.no/p", "--material")
    assert added.exit_code == 0, added.output


def _dropped(optout, tmp_path) -> dict[str, int]:
    source, report = tmp_path / "list.csv", tmp_path / "report.json"
    source.write_text(f"email\n{EMAIL}\n")
    output = str(tmp_path / "o.csv")
    result = optout("filter", "--campaign", "offer", "--report", str(report), "--output", output, str(source))
    assert result.exit_code == 0, result.output
    return {k: v for k, v in json.loads(report.read_text())["dropped"].items() if v}


@pytest.mark.parametrize("via", ["unsubscribe", "preferences"])
def test_undo_after_a_material_change_keeps_a_stale_consent_stale(
    client, links, offer, optout, tmp_path, ledger, app, via
):
    _stale_consent(optout, tmp_path)
    assert _dropped(optout, tmp_path) == {"consent-predates-policy": 1}
    made = links(EMAIL, offer)
    answer = client.post(made.unsubscribe_url, data=ONE_CLICK)
    change = CHANGE.search(answer.text)[1]
    assert _dropped(optout, tmp_path) == {"opted-out-topic": 1}
    if via == "unsubscribe":
        undone = client.post(made.unsubscribe_url + "/undo", data={"change": change})
        assert undone.status_code == 200
    else:
        page = client.get(made.preferences_url + f"?change={change}")
        undone = client.post(
            made.preferences_url + "/undo",
            data={"csrf_token": csrf_token(page.text), "change": change},
            headers={"Referer": made.preferences_url},
        )
        assert undone.status_code == 303
    assert _dropped(optout, tmp_path) == {"consent-predates-policy": 1}
    imported, _one_click, restore = ledger()
    assert (restore["action"], restore["source"], restore["policy_version"]) == ("opt-in", "undo", "2020-02-28")
    assert restore["restores"] == imported["seq"]
    shown = json.loads(optout("recipient", "show", EMAIL).stdout)
    assert shown["blocked_by"]["partner-offers"] == "consent-predates-policy"
    assert optout("ledger", "verify").exit_code == 0


def test_a_restored_consent_is_still_never_fresh_after_a_second_round(client, links, offer, optout, tmp_path):
    """Undo the undo's successor: the restore chain still leads to the 2024 consent."""
    _stale_consent(optout, tmp_path)
    made = links(EMAIL, offer)
    for _round in range(2):
        answer = client.post(made.unsubscribe_url, data=ONE_CLICK)
        client.post(made.unsubscribe_url + "/undo", data={"change": CHANGE.search(answer.text)[1]})
        assert _dropped(optout, tmp_path) == {"consent-predates-policy": 1}


def test_undo_never_overwrites_a_decision_that_raced_it(app, links, make_campaign, ledger, optout):
    """Undo an opt-out while the person opts in again on another tab: whichever commits first,
    the newer decision survives, and an undo that lost answers 409."""
    campaign = make_campaign("newsletter", topic="periodic")
    outcomes = {"undone": 0, "refused": 0}
    for round_ in range(12):
        made = links(f"racer{round_}@example.no", campaign)
        answer = app.test_client().post(made.unsubscribe_url, data=ONE_CLICK)
        change = CHANGE.search(answer.text)[1]
        statuses: dict[str, int] = {}
        barrier = threading.Barrier(2)

        def undo(made=made, change=change, statuses=statuses, barrier=barrier) -> None:
            client = app.test_client()
            barrier.wait()
            statuses["undo"] = client.post(made.unsubscribe_url + "/undo", data={"change": change}).status_code

        def opt_in_again(made=made, statuses=statuses, barrier=barrier) -> None:
            client = app.test_client()
            page = client.get(made.preferences_url)
            data = {"csrf_token": csrf_token(page.text), "shown": ["topic:periodic"], "want": ["topic:periodic"]}
            barrier.wait()
            saved = client.post(made.preferences_url, data=data, headers={"Referer": made.preferences_url})
            statuses["save"] = saved.status_code

        threads = [threading.Thread(target=undo), threading.Thread(target=opt_in_again)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert statuses["save"] == 303
        assert statuses["undo"] in (200, 409)
        outcomes["undone" if statuses["undo"] == 200 else "refused"] += 1
    events = ledger()
    by_person: dict[str, list[dict[str, object]]] = {}
    for event in events:
        by_person.setdefault(str(event["pid"]), []).append(event)
    for history in by_person.values():
        sources = [e["source"] for e in history]
        # An undo that ran came right after the change it undid, never after the newer save.
        if "undo" in sources:
            assert sources.index("undo") == 1, sources
        assert history[-1]["action"] in ("opt-in", "reset"), sources  # the person's latest wish: get it
    assert sum(outcomes.values()) == 12
    assert optout("ledger", "verify").exit_code == 0
