"""The audit trail is written by the use cases themselves: the console and the CLI leave the same
structured entries for the same action, erasure forgets whom they concerned, and the console shows
them in the viewer's language."""

from __future__ import annotations

import html
import json

from tests.helpers.officers import EMAIL, console, post

ADDRESS = "kari.nordmann@example.no"
OTHER = "ola@example.no"


def _structured(rows, *, actor: str) -> list[tuple[str, str | None, dict]]:
    """The (action, subject_pid, data) the actor left, ids of requests and tombstones made generic."""
    kept = []
    for who, action, pid, data in rows:
        if action in ("login", "logout"):
            continue
        assert who == actor
        generic = {k: "N" if k in ("request", "tombstone_seq") else v for k, v in data.items()}
        kept.append((action, pid, generic))
    return kept


def test_the_console_and_the_cli_record_the_same_entries(signed_in, optout, audit_log, sql, decide, tmp_path):
    decide(ADDRESS, "topic:phone", "opt-in")
    assert post(signed_in, "/requests", {"email": ADDRESS}).status_code == 200
    number = audit_log()[-1][3]["request"]
    extended = post(signed_in, f"/requests/{number}/extend", {"months": "1", "reason": "many systems"})
    assert extended.status_code == 200
    assert post(signed_in, "/requests/package", {"email": ADDRESS, "format": "json"}).status_code == 200
    ledger = {"format": "csv", "topic": "phone", "partner": "", "campaign": ""}
    assert post(signed_in, "/exports", ledger).status_code == 200
    assert post(signed_in, "/exports/record", {"format": "json", "year": "2026"}).status_code == 200
    assert post(signed_in, "/erase", {"email": ADDRESS, "confirm": "y"}).status_code == 200
    by_console = _structured(audit_log(), actor=EMAIL)

    sql("DELETE FROM audit_entry")
    decide(OTHER, "topic:phone", "opt-in")
    assert optout("requests", "add", OTHER).exit_code == 0
    request_id = audit_log()[-1][3]["request"]
    assert optout("requests", "extend", str(request_id), "--months", "1", "--reason", "many systems").exit_code == 0
    assert optout("subject", "export", OTHER, "--output", str(tmp_path / "p.json")).exit_code == 0
    assert optout("export", "ledger", "--topic", "phone", "--output", str(tmp_path / "l.csv")).exit_code == 0
    assert optout("record", "--format", "json", "--year", "2026", "--output", str(tmp_path / "r.json")).exit_code == 0
    assert optout("subject", "erase", OTHER, "--yes").exit_code == 0
    by_cli = _structured(audit_log(), actor="cli")

    assert by_console == by_cli
    assert [action for action, _pid, _data in by_cli] == [
        "access-request.registered",
        "access-request.extended",
        "access-request.answered",
        "export.ledger",
        "export.record",
        "erasure",
    ]
    assert {pid for _action, pid, _data in by_cli} == {None}  # both people erased: nobody is named any more
    assert "@" not in json.dumps([data for _action, _pid, data in by_cli])


def test_erasure_clears_only_the_erased_persons_entries(signed_in, optout, audit_log, pid_of, decide):
    decide(ADDRESS, "topic:phone", "opt-in")
    assert optout("requests", "add", ADDRESS).exit_code == 0
    assert optout("requests", "add", OTHER).exit_code == 0
    post(signed_in, "/lookup", {"email": ADDRESS})
    post(signed_in, "/lookup", {"email": OTHER})
    assert optout("subject", "erase", ADDRESS, "--yes").exit_code == 0
    people = [(action, pid) for _who, action, pid, _data in audit_log() if action != "login"]
    assert people == [
        ("access-request.registered", None),
        ("access-request.registered", pid_of(OTHER)),
        ("lookup", None),
        ("lookup", pid_of(OTHER)),
        ("erasure", None),
    ]


def test_the_audit_page_renders_entries_in_bokmal_and_english(signed_in, optout, audit_log, pid_of, decide, sql):
    decide(ADDRESS, "topic:phone", "opt-in")
    post(signed_in, "/requests", {"email": ADDRESS, "received": "2026-01-31"})
    number = audit_log()[-1][3]["request"]
    post(signed_in, "/exports", {"format": "csv", "topic": "phone", "partner": "", "campaign": ""})
    post(signed_in, "/lookup", {"email": OTHER})
    assert optout("subject", "erase", OTHER, "--yes").exit_code == 0
    sql(
        "INSERT INTO audit_entry (at, officer, action, data) VALUES (:at, 'cli', 'export', :data)",
        at="2026-11-01 10:00:00",
        data=json.dumps({"text": "ledger (csv): everything"}),
    )

    english = html.unescape(signed_in.get(console("/audit?lang=en")).text)
    for words in (
        "Access request registered",
        f"Request {number}, person {pid_of(ADDRESS)}",
        "Ledger exported",
        "csv: category Pre-recorded phone calls",
        "Looked up a person",
        "a person since erased",
        "Do-not-contact entry kept: ledger event",
        '<td lang="en">ledger (csv): everything</td>',  # from before 0009, as it was written
    ):
        assert words in english, words
    norwegian = html.unescape(signed_in.get(console("/audit?lang=nb")).text)
    for words in (
        "Innsynsforespørsel registrert",
        f"Forespørsel {number}, person {pid_of(ADDRESS)}",
        "Samtykkeloggen eksportert",
        "csv: kategori Oppringinger med innspilt melding",
        "en person som siden er slettet",
        "«Ikke kontakt»-oppføring beholdt: hendelse",
    ):
        assert words in norwegian, words
    assert ADDRESS not in english and OTHER not in norwegian
