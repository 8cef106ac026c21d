"""``optout export ledger``: every matching event, streamed, verifiable on its own."""

from __future__ import annotations

import csv
import io
import json

import pytest

from optout.ledger.export import COLUMNS


@pytest.fixture
def history(make_campaign, decide, optout):
    optout("partner", "add", "acme", "--name", "Acme AS")
    make_campaign("acme-winter", topic="partner-offers", partner="acme")
    decide("a@example.no", "topic:periodic")
    decide("b@example.no", "partner:acme")
    decide("c@example.no", "topic:phone", "opt-in")
    decide("a@example.no", "everything")


def _export(optout, *args):
    result = optout("export", "ledger", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_csv_export_has_a_stable_header_pseudonymous_ids_and_utc_times(optout, history, pid_of):
    rows = list(csv.DictReader(io.StringIO(_export(optout))))
    assert list(rows[0]) == list(COLUMNS)
    assert [row["seq"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[0]["pid"] == pid_of("a@example.no")
    assert all(row["created_at"].endswith("Z") and "T" in row["created_at"] for row in rows)
    assert "@" not in _export(optout)


def test_filters_pick_events(optout, history):
    by_topic = [json.loads(line) for line in _export(optout, "--topic", "phone", "--format", "jsonl").splitlines()]
    assert [row["scope"] for row in by_topic] == ["topic:phone"]
    by_partner = [json.loads(line) for line in _export(optout, "--partner", "acme", "--format", "jsonl").splitlines()]
    assert [row["scope"] for row in by_partner] == ["partner:acme"]
    assert _export(optout, "--until", "2000-01-01") == "\n".join([",".join(COLUMNS), ""])
    assert len(_export(optout, "--since", "2000-01-01", "--format", "jsonl").splitlines()) == 4


def test_unknown_filter_names_and_bad_dates_are_refused(optout, history):
    unknown = optout("export", "ledger", "--topic", "nope")
    assert unknown.exit_code == 1
    assert "unknown topic 'nope'" in unknown.output
    bad_date = optout("export", "ledger", "--since", "yesterday")
    assert bad_date.exit_code == 2
    assert "--since" in bad_date.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_verifies_on_its_own_and_a_tampered_one_does_not(optout, history, tmp_path, fmt):
    path = tmp_path / f"ledger.{fmt}"
    assert optout("export", "ledger", "--format", fmt, "--output", str(path)).exit_code == 0
    verified = optout("ledger", "verify", "--file", str(path))
    assert verified.exit_code == 0, verified.output
    assert "intact: 4 events" in verified.output
    path.write_text(path.read_text().replace("opt-in", "opt-out", 1))
    tampered = optout("ledger", "verify", "--file", str(path))
    assert tampered.exit_code == 1
    assert "event seq 3" in tampered.output


def test_a_filtered_export_verifies_each_event_and_reports_its_gaps(optout, history, tmp_path):
    path = tmp_path / "periodic.csv"
    assert optout("export", "ledger", "--topic", "periodic", "--output", str(path)).exit_code == 0
    everything = tmp_path / "all.csv"
    assert optout("export", "ledger", "--output", str(everything)).exit_code == 0
    verified = optout("ledger", "verify", "--file", str(everything))
    assert verified.exit_code == 0
    filtered = optout("ledger", "verify", "--file", str(path))
    assert filtered.exit_code == 0, filtered.output
    assert "intact: 1 events" in filtered.output


def test_a_file_that_is_not_an_export_is_refused(optout, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("email\na@example.no\n")
    result = optout("ledger", "verify", "--file", str(path))
    assert result.exit_code == 1
    assert "not a ledger export" in result.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_a_pause_and_its_end_chain_export_and_verify(optout, history, app, tmp_path, fmt):
    import datetime as dt

    from optout.consent import pause, service
    from optout.identity import pseudonymous_id
    from optout.models import Source
    from optout.web.extensions import get_settings
    from optout.web.session import get_session

    with app.app_context():
        session = get_session()
        pid = pseudonymous_id(get_settings().id_key, "c@example.no").hex()
        context = service.DecisionContext(Source.PREFERENCE_PAGE, "test")
        pause.pause(session, pid, 3, context, today=dt.date(2026, 11, 30))
        pause.end(session, pid, context, today=dt.date(2026, 12, 1))
        session.commit()
    assert optout("ledger", "verify").exit_code == 0
    path = tmp_path / f"ledger.{fmt}"
    assert optout("export", "ledger", "--format", fmt, "--output", str(path)).exit_code == 0
    text = path.read_text()
    assert "2027-02-28" in text and "pause:email" in text
    verified = optout("ledger", "verify", "--file", str(path))
    assert verified.exit_code == 0, verified.output
    assert "intact: 6 events" in verified.output
    path.write_text(text.replace("2027-02-28", "2027-02-27"))
    assert optout("ledger", "verify", "--file", str(path)).exit_code == 1
