"""The access-request register: one-month deadlines, refusal of repeats, open and overdue lists."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from optout.privacy.dates import add_months


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 15), dt.date(2026, 4, 15)),
        (dt.date(2026, 12, 31), dt.date(2027, 1, 31)),
    ],
)
def test_one_month_later_is_the_same_day_or_the_months_last(received, due):
    assert add_months(received, 1) == due


def test_a_request_is_registered_by_pseudonymous_id_with_its_due_day(optout, pid_of):
    result = optout("requests", "add", "Kari@Example.no", "--received", "2026-01-31T12:00:00")
    assert result.exit_code == 0, result.output
    assert "due 2026-02-28" in result.output
    listed = [json.loads(line) for line in optout("requests", "list", "--json").output.splitlines()]
    assert [(r["pseudonymous_id"], r["due_on"]) for r in listed] == [(pid_of("kari@example.no"), "2026-02-28")]
    assert "@" not in json.dumps(listed)


def test_a_repeat_within_twelve_months_is_refused_without_a_reason(optout):
    assert optout("requests", "add", "kari@example.no", "--received", "2026-01-10").exit_code == 0
    repeat = optout("requests", "add", "kari@example.no", "--received", "2026-12-01")
    assert repeat.exit_code == 1
    assert "already asked on 2026-01-10" in repeat.output
    assert "--reason" in repeat.output
    allowed = optout("requests", "add", "kari@example.no", "--received", "2026-12-01", "--reason", "new data since")
    assert allowed.exit_code == 0, allowed.output
    listed = [json.loads(line) for line in optout("requests", "list", "--json").output.splitlines()]
    assert [r["repeat_reason"] for r in listed] == [None, "new data since"]


def test_a_request_twelve_months_later_needs_no_reason(optout):
    assert optout("requests", "add", "kari@example.no", "--received", "2025-01-10").exit_code == 0
    assert optout("requests", "add", "kari@example.no", "--received", "2026-01-10").exit_code == 0


def test_overdue_lists_only_requests_past_their_day(optout):
    optout("requests", "add", "old@example.no", "--received", "2020-01-01")
    optout("requests", "add", "new@example.no")
    everything = optout("requests", "list").output.splitlines()
    overdue = optout("requests", "list", "--overdue").output.splitlines()
    assert len(everything) == 2
    assert len(overdue) == 1
    assert "OVERDUE" in overdue[0]
    assert "due 2020-02-01" in overdue[0]


def test_answering_closes_the_request(optout, tmp_path):
    optout("requests", "add", "kari@example.no")
    exported = optout("subject", "export", "kari@example.no", "--output", str(tmp_path / "p.json"))
    assert exported.exit_code == 0, exported.output
    assert optout("requests", "list").output == ""


def test_bad_addresses_and_dates_are_refused(optout):
    assert optout("requests", "add", "not-an-address").exit_code == 2
    bad = optout("requests", "add", "kari@example.no", "--received", "last tuesday")
    assert bad.exit_code == 2
    assert "--received" in bad.output


def test_what_the_cli_does_is_in_the_audit_trail_without_addresses(optout, app, tmp_path, decide):
    from sqlalchemy import text

    decide("kari@example.no", "topic:periodic")
    assert optout("requests", "add", "kari@example.no").exit_code == 0
    assert optout("subject", "export", "kari@example.no", "--output", str(tmp_path / "p.json")).exit_code == 0
    assert optout("export", "ledger", "--topic", "periodic", "--output", str(tmp_path / "l.csv")).exit_code == 0
    assert optout("export", "ledger", "--topic", "nope").exit_code == 1  # refused: not an export
    assert optout("subject", "erase", "kari@example.no", "--yes").exit_code == 0
    with app.extensions["optout.db"].engine.connect() as conn:
        rows = conn.execute(text("SELECT officer, action, detail FROM audit_entry ORDER BY id")).all()
    assert [(officer, action) for officer, action, _detail in rows] == [
        ("cli", "access-request"),
        ("cli", "access-request"),
        ("cli", "export"),
        ("cli", "erasure"),
    ]
    assert rows[2].detail == "ledger (csv): topic periodic"
    assert not any("@" in detail for _officer, _action, detail in rows)
