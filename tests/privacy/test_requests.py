"""The access-request register: one-month deadlines, refusal of repeats, extensions (GDPR Art. 12(3)),
open and overdue lists."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import text

from optout.dates import LOCAL, add_months, local_date
from optout.db import utcnow
from optout.formats import long_date
from optout.privacy import access_requests
from optout.web.session import get_session
from tests.helpers.db import audit_rows


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
    assert "already asked on 10 January 2026" in repeat.output
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
    decide("kari@example.no", "topic:periodic")
    assert optout("requests", "add", "kari@example.no").exit_code == 0
    assert optout("subject", "export", "kari@example.no", "--output", str(tmp_path / "p.json")).exit_code == 0
    assert optout("export", "ledger", "--topic", "periodic", "--output", str(tmp_path / "l.csv")).exit_code == 0
    assert optout("export", "ledger", "--topic", "nope").exit_code == 1  # refused: not an export
    assert optout("subject", "erase", "kari@example.no", "--yes").exit_code == 0
    rows = audit_rows(app)
    assert [(officer, action) for officer, action, _pid, _data in rows] == [
        ("cli", "access-request.registered"),
        ("cli", "access-request.answered"),
        ("cli", "export.ledger"),
        ("cli", "erasure"),
    ]
    assert rows[2][3] == {"format": "csv", "filter": {"topic": "periodic"}}
    assert [pid for _officer, _action, pid, _data in rows] == [None] * 4  # erased: no longer whom
    assert "@" not in str(rows)


# Extending the deadline (GDPR Art. 12(3)): by one or two months, once, told before the original due day.


def _today() -> dt.date:
    return local_date(utcnow())


def _listed(optout) -> list[dict[str, object]]:
    return [json.loads(line) for line in optout("requests", "list", "--json").output.splitlines()]


@pytest.mark.parametrize(
    ("received", "due", "months", "extended_to"),
    [
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28), 2, dt.date(2027, 4, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29), 2, dt.date(2028, 4, 29)),
        (dt.date(2027, 3, 15), dt.date(2027, 4, 15), 1, dt.date(2027, 5, 15)),
    ],
)
def test_an_extension_adds_months_to_the_original_due_day(db_session, received, due, months, extended_to):
    told = dt.datetime.combine(received + dt.timedelta(days=3), dt.time(9), tzinfo=LOCAL)
    request = access_requests.register(db_session, "ab" * 16, handled_by="cli", received_at=told - dt.timedelta(days=3))
    assert request.due_on == due
    assert access_requests.extend(request, months=months, reason="  many records  ", by="cli", at=told) == extended_to
    db_session.commit()
    db_session.expunge_all()  # read back what the database holds, not the objects in memory
    stored = access_requests.get(db_session, request.id)
    assert stored is not None and stored is not request
    assert (stored.due_on, stored.extended_to, stored.answer_due) == (due, extended_to, extended_to)
    assert (stored.extension_reason, stored.extended_at, stored.extended_by) == ("many records", told, "cli")


def test_an_extension_may_be_recorded_on_the_original_due_day_in_norway_but_not_after(db_session):
    received = dt.datetime(2027, 1, 31, 12, tzinfo=LOCAL)
    on_time, late = (
        access_requests.register(db_session, pid, handled_by="cli", received_at=received) for pid in ("a", "b")
    )
    # 23:30 on 28 February in Oslo is in time; 00:30 on 1 March is not, though it is still 28 February in UTC.
    access_requests.extend(on_time, months=1, reason="r", by="cli", at=dt.datetime(2027, 2, 28, 23, 30, tzinfo=LOCAL))
    with pytest.raises(access_requests.ExtensionRefused) as refused:
        access_requests.extend(late, months=1, reason="r", by="cli", at=dt.datetime(2027, 3, 1, 0, 30, tzinfo=LOCAL))
    assert refused.value.code is access_requests.Refusal.TOO_LATE
    assert (on_time.extended_to, late.extended_to) == (dt.date(2027, 3, 28), None)


def test_overdue_is_judged_against_the_extended_day(db_session):
    def noon(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), tzinfo=LOCAL)

    first = access_requests.register(db_session, "ab" * 16, handled_by="cli", received_at=noon(dt.date(2026, 3, 15)))
    access_requests.extend(first, months=2, reason="many records to gather", by="cli", at=noon(dt.date(2026, 4, 1)))
    second = access_requests.register(db_session, "cd" * 16, handled_by="cli", received_at=noon(dt.date(2026, 3, 20)))
    db_session.commit()
    extended, plain = first.id, second.id

    def overdue_on(day: dt.date) -> list[int]:
        return [r.id for r in access_requests.listing(db_session, overdue_only=True, today=day)]

    assert overdue_on(dt.date(2026, 4, 15)) == []  # both due that day
    assert overdue_on(dt.date(2026, 4, 21)) == [plain]  # past the original day, not the extended one
    assert overdue_on(dt.date(2026, 6, 15)) == [plain]
    assert overdue_on(dt.date(2026, 6, 16)) == [plain, extended]
    # The earliest due first, by the day that counts: the extended request comes last.
    assert [r.id for r in access_requests.listing(db_session, today=dt.date(2026, 4, 1))] == [plain, extended]


def test_extend_from_the_cli_moves_the_due_day_and_is_audited(optout, app, pid_of):
    assert optout("requests", "add", "kari@example.no").exit_code == 0
    [row] = _listed(optout)
    due = add_months(_today(), 1)
    assert (row["due_on"], row["extended_to"], row["extension_reason"]) == (due.isoformat(), None, None)
    result = optout("requests", "extend", str(row["id"]), "--months", "2", "--reason", " many records to gather ")
    assert result.exit_code == 0, result.output
    extended_to = add_months(due, 2)
    assert f"now due {extended_to.isoformat()} (was {due.isoformat()})" in result.output
    [row] = _listed(optout)
    assert row["due_on"] == due.isoformat()  # the original day is kept
    assert (row["extended_to"], row["extension_reason"]) == (extended_to.isoformat(), "many records to gather")
    [line] = optout("requests", "list").output.splitlines()
    assert f"due {extended_to.isoformat()} (extended from {due.isoformat()})" in line
    assert audit_rows(app)[1:] == [
        (
            "cli",
            "access-request.extended",
            row["pseudonymous_id"],
            {"request": row["id"], "due": extended_to.isoformat()},
        )
    ]
    assert "@" not in str(audit_rows(app))


def _audited(app) -> list[str]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return list(conn.execute(text("SELECT action FROM audit_entry ORDER BY id")).scalars())


def _refused(optout, app, *args: str) -> str:
    """Run a refused `requests extend`: exit status 1, nothing extended, nothing audited."""
    before, audited = _listed(optout), _audited(app)
    result = optout("requests", "extend", *args)
    assert result.exit_code == 1, result.output
    assert _listed(optout) == before
    assert _audited(app) == audited
    return result.output


def test_extend_refuses_an_unknown_request(optout, app):
    assert "there is no access request 99" in _refused(optout, app, "99", "--months", "1", "--reason", "x")


@pytest.mark.parametrize("months", ["0", "3", "-1"])
def test_extend_refuses_anything_but_one_or_two_months(optout, app, months):
    optout("requests", "add", "kari@example.no")
    [row] = _listed(optout)
    output = _refused(optout, app, str(row["id"]), "--months", months, "--reason", "many records")
    assert "--months: Choose one or two months." in output


def test_extend_refuses_a_blank_reason_and_needs_one(optout, app):
    optout("requests", "add", "kari@example.no")
    [row] = _listed(optout)
    assert "--reason: Give the reason for the extension." in _refused(
        optout, app, str(row["id"]), "--months", "1", "--reason", "  "
    )
    missing = optout("requests", "extend", str(row["id"]), "--months", "1")
    assert missing.exit_code == 2 and "--reason" in missing.output


def test_extend_refuses_a_second_extension(optout, app):
    optout("requests", "add", "kari@example.no")
    [row] = _listed(optout)
    assert optout("requests", "extend", str(row["id"]), "--months", "1", "--reason", "many records").exit_code == 0
    extended_to = long_date(add_months(add_months(_today(), 1), 1), "en")
    output = _refused(optout, app, str(row["id"]), "--months", "1", "--reason", "even more")
    assert f"already extended, to {extended_to}" in output


def test_extend_refuses_after_the_original_due_day(optout, app):
    optout("requests", "add", "kari@example.no", "--received", "2026-01-10")
    [row] = _listed(optout)
    output = _refused(optout, app, str(row["id"]), "--months", "2", "--reason", "many records")
    assert "was due on 10 February 2026" in output and "too late" in output


def test_extend_refuses_an_answered_request(optout, app, tmp_path):
    optout("requests", "add", "kari@example.no")
    [row] = _listed(optout)
    assert optout("subject", "export", "kari@example.no", "--output", str(tmp_path / "p.json")).exit_code == 0
    output = _refused(optout, app, str(row["id"]), "--months", "1", "--reason", "many records")
    assert f"Request {row['id']} is already answered" in output


def test_the_cli_flags_overdue_by_the_extended_day(optout, past_request):
    today = _today()
    received = add_months(today, -1) - dt.timedelta(days=5)  # originally due five days ago
    saved = past_request("kari@example.no", received, extended=(received + dt.timedelta(days=1), 2))
    late = past_request("ola@example.no", dt.date(2020, 1, 1), extended=(dt.date(2020, 1, 15), 1))
    lines = {int(line.split("\t")[0]): line for line in optout("requests", "list").output.splitlines()}
    assert "OVERDUE" not in lines[saved]
    assert f"due {add_months(add_months(received, 1), 2).isoformat()} (extended from " in lines[saved]
    assert lines[late].endswith("due 2020-03-01 (extended from 2020-02-01)  OVERDUE")
    overdue = optout("requests", "list", "--overdue").output.splitlines()
    assert [int(line.split("\t")[0]) for line in overdue] == [late]
    assert {r["id"]: r["overdue"] for r in _listed(optout)} == {late: True, saved: False}


def test_officers_extending_one_request_at_once_extend_it_once(app, optout, past_request):
    """Real threads, each with its own session: the row lock lets one extension through."""
    number = past_request("kari@example.no", _today())
    barrier = threading.Barrier(6)
    outcomes: dict[int, str] = {}

    def extend(index: int) -> None:
        with app.app_context():
            session = get_session()
            barrier.wait()
            request = access_requests.get(session, number, for_update=True)
            assert request is not None
            try:
                access_requests.extend(request, months=1 + index % 2, reason=f"reason {index}", by=f"officer {index}")
            except access_requests.ExtensionRefused as refused:
                outcomes[index] = refused.code.value
                session.rollback()
                return
            session.commit()
            outcomes[index] = "extended"

    threads = [threading.Thread(target=extend, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    [winner] = [index for index, outcome in outcomes.items() if outcome == "extended"]
    assert sorted(outcome for index, outcome in outcomes.items() if index != winner) == ["already-extended"] * 5
    [row] = _listed(optout)
    assert row["extension_reason"] == f"reason {winner}"
    assert row["extended_to"] == add_months(add_months(_today(), 1), 1 + winner % 2).isoformat()
