"""Erasure: nothing about the person stays but a tombstone, the chain still verifies, the filter
still drops them, imports cannot bring them back, and they themselves can."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import String, Text, inspect, text

from tests.helpers.web import csrf_token

ADDRESS = "kari.nordmann@example.no"


@pytest.fixture
def newsletter(make_campaign):
    return make_campaign("newsletter", topic="periodic")


@pytest.fixture
def erased(optout, decide, newsletter, links, client, pid_of):
    decide(ADDRESS, "topic:phone", "opt-in")
    client.post(links(ADDRESS, newsletter).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    decide("other@example.no", "topic:periodic")
    decide(ADDRESS, "channel:phone", "opt-out")
    assert optout("requests", "add", ADDRESS).exit_code == 0
    result = optout("subject", "erase", ADDRESS, "--yes")
    assert result.exit_code == 0, result.output
    assert "3 event(s) redacted" in result.output
    return pid_of(ADDRESS)


def _text_values(app) -> list[tuple[str, str, str]]:
    """Every value of every text column of every table: (table, column, value)."""
    engine = app.extensions["optout.db"].engine
    found = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            for column in inspector.get_columns(table):
                if isinstance(column["type"], String | Text):
                    name = column["name"]
                    rows = conn.execute(text(f'SELECT "{name}" FROM "{table}"'))  # noqa: S608 - names from the schema
                    found += [(table, name, str(value)) for (value,) in rows if value is not None]
    return found


def test_the_address_is_nowhere_and_the_pid_only_in_the_tombstone(app, erased, ledger, choices):
    values = _text_values(app)
    assert values, "the search must have looked at something"
    assert not [v for v in values if "kari" in v[2].lower()]
    holding_pid = {(table, column) for table, column, value in values if erased in value}
    assert holding_pid == {("choice", "pid"), ("consent_event", "pid")}
    assert [(e["scope"], e["action"], e["source"]) for e in ledger() if e["pid"] == erased] == [
        ("everything", "opt-out", "erasure")
    ]
    assert {k: v for k, v in choices().items() if k[0] == erased} == {(erased, "everything"): "opt-out"}


def test_the_chain_still_verifies_after_erasure(optout, erased):
    result = optout("ledger", "verify")
    assert result.exit_code == 0, result.output
    assert "3 redacted places" in result.output


def test_a_redaction_without_erasure_is_detected(optout, erased, app):
    with app.extensions["optout.db"].engine.begin() as conn:
        conn.execute(text("UPDATE redacted_event SET erased_by = 1"))
    result = optout("ledger", "verify")
    assert result.exit_code == 1
    assert "redacted without a later erasure" in result.output


def test_the_filter_still_drops_the_erased_address(optout, erased, tmp_path):
    source = tmp_path / "list.csv"
    source.write_text(f"email\n{ADDRESS.upper()}\nother.person@example.no\n")
    out = tmp_path / "out.csv"
    result = optout("filter", "--campaign", "newsletter", "--output", str(out), str(source))
    assert result.exit_code == 0, result.output
    assert ADDRESS not in out.read_text().lower()
    assert "opted-out-everything: 1" in result.output


def test_reimported_consents_record_nothing(optout, erased, tmp_path, ledger):
    before = len(ledger())
    path = tmp_path / "consents.csv"
    path.write_text(f"email,topic,given_at,evidence\n{ADDRESS},phone,2024-01-01,old signup form\n")
    result = optout("consent", "import", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped-opt-out-stands"] == 1
    assert len(ledger()) == before


def test_the_person_can_come_back_on_the_preference_page(erased, client, links, newsletter, choices, optout, tmp_path):
    url = links(ADDRESS, newsletter).preferences_url
    page = client.get(url)
    assert page.status_code == 200
    resumed = client.post(
        url + "/everything", data={"csrf_token": csrf_token(page.text), "do": "resume"}, headers={"Referer": url}
    )
    assert resumed.status_code == 303
    assert choices()[(erased, "everything")] == "opt-in"
    source = tmp_path / "list.csv"
    source.write_text(f"email\n{ADDRESS}\n")
    out = tmp_path / "out.csv"
    assert optout("filter", "--campaign", "newsletter", "--output", str(out), str(source)).exit_code == 0
    assert ADDRESS in out.read_text()
    assert optout("ledger", "verify").exit_code == 0


def test_erasure_asks_first(optout, decide, choices):
    decide(ADDRESS, "topic:periodic")
    refused = optout("subject", "erase", ADDRESS, input="n\n")
    assert refused.exit_code == 1
    assert "1 ledger event(s)" in refused.output
    assert len(choices()) == 1
    confirmed = optout("subject", "erase", ADDRESS, input="y\n")
    assert confirmed.exit_code == 0, confirmed.output


def test_erasing_twice_keeps_one_tombstone_and_an_intact_chain(optout, erased, ledger):
    assert optout("subject", "erase", ADDRESS, "--yes").exit_code == 0
    assert [e["source"] for e in ledger() if e["pid"] == erased] == ["erasure"]
    assert optout("ledger", "verify").exit_code == 0
