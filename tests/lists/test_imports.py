"""Imports: consents with evidence, suppression lists; no import ever turns an opt-out into an
opt-in, and importing the same file twice records nothing new."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def import_file(optout, tmp_path):
    def run(kind: str, text: str, *extra: str):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        result = optout(kind, "import", str(path), *extra)
        return result, (json.loads(result.stdout) if result.exit_code == 0 else None)

    return run


CONSENTS = (
    "email,topic,given_at,evidence\n"
    "kari@example.no,partner-offers,2024-05-01T10:00:00+02:00,signup form v3 2024-05-01\n"
    "ola@example.no,phone,2024-06-01,phone call recording 8812\n"
    "refused@example.no,partner-offers,2024-05-01,signup form v3\n"
)


def test_consent_import_records_opt_ins_with_their_evidence(import_file, decide, ledger, pid_of):
    decide("refused@example.no", "topic:partner-offers", "opt-out")
    result, summary = import_file("consent", CONSENTS)
    assert result.exit_code == 0, result.output
    assert summary["rows_read"] == 3 and summary["recorded"] == 2 and summary["skipped-opt-out-stands"] == 1
    imported = [e for e in ledger() if e["source"] == "import"]
    assert [(e["pid"], e["scope"], e["action"]) for e in imported] == [
        (pid_of("kari@example.no"), "topic:partner-offers", "opt-in"),
        (pid_of("ola@example.no"), "topic:phone", "opt-in"),
    ]
    assert imported[0]["evidence"] == "signup form v3 2024-05-01"
    assert str(imported[0]["occurred_at"]).startswith("2024-05-01 08:00:00")  # stored in UTC
    assert str(imported[1]["occurred_at"]).startswith("2024-06-01 00:00:00")


def test_importing_the_same_consents_twice_records_nothing_new(import_file, ledger):
    import_file("consent", CONSENTS)
    before = len(ledger())
    _result, summary = import_file("consent", CONSENTS)
    assert len(ledger()) == before
    assert summary["skipped-already-opted-in"] == 3 - summary.get("skipped-opt-out-stands", 0)


def test_an_opt_out_made_after_the_consent_stands(import_file, decide, choices, pid_of):
    import_file("consent", CONSENTS)
    decide("kari@example.no", "topic:partner-offers", "opt-out")
    _result, summary = import_file("consent", CONSENTS)
    assert summary["skipped-opt-out-stands"] == 1
    assert choices()[(pid_of("kari@example.no"), "topic:partner-offers")] == "opt-out"


def test_an_older_opt_out_is_not_overturned_by_an_import_either(import_file, decide, choices, pid_of):
    decide("kari@example.no", "topic:partner-offers", "opt-out")  # now, i.e. after the 2024 consent
    import_file("consent", CONSENTS.replace("2024-05-01T10:00:00+02:00", "2026-11-01T10:00:00+00:00"))
    assert choices()[(pid_of("kari@example.no"), "topic:partner-offers")] == "opt-out"


def test_imported_consent_makes_the_partner_filter_keep_the_recipient(import_file, optout, make_campaign):
    make_campaign("fjord", partner="fjordreiser")
    import_file("consent", CONSENTS)
    result = optout("filter", "--campaign", "fjord", "-", input="email\nkari@example.no\nola@example.no\n")
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["kari@example.no"]


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("kari@example.no,nonsense,2024-01-01,x", "unknown topic"),
        ("kari@example.no,phone,yesterday,x", "not an ISO 8601"),
        ("kari@example.no,phone,2999-01-01,x", "in the future"),
        ("kari@example.no,phone,2024-01-01,", "no evidence"),
        ("kari@example.no,phone,2024-01-01", "fields where the header has 4"),
    ],
)
def test_bad_consent_rows_are_reported_by_line_and_record_nothing(import_file, ledger, row, problem):
    result, summary = import_file("consent", f"email,topic,given_at,evidence\n{row}\n")
    assert result.exit_code == 0
    assert summary["malformed-row"] == 1 and summary["malformed_rows"][0]["line"] == 2
    assert problem in summary["malformed_rows"][0]["problem"]
    assert ledger() == []


def test_consent_import_needs_its_columns(import_file):
    result, _summary = import_file("consent", "email,topic\nkari@example.no,phone\n")
    assert result.exit_code == 1 and "no given_at column" in result.output


def test_suppression_import_adds_opt_outs_and_never_opt_ins(import_file, decide, choices, pid_of, ledger):
    decide("kari@example.no", "everything", "opt-in")
    text = "email,name\nkari@example.no,Kari\n OLA@example.no ,Ola\nnot-an-address,X\n"
    result, summary = import_file("suppress", text)
    assert result.exit_code == 0, result.output
    assert summary["recorded"] == 2 and summary["invalid-address"] == 1
    assert choices()[(pid_of("kari@example.no"), "everything")] == "opt-out"
    assert choices()[(pid_of("ola@example.no"), "everything")] == "opt-out"
    again_before = len(ledger())
    _result, again = import_file("suppress", text)
    assert again["skipped-already-opted-out"] == 2 and len(ledger()) == again_before


def test_suppression_import_with_a_narrower_scope(import_file, optout, make_campaign, choices, pid_of):
    make_campaign("fjord", partner="fjordreiser")
    result, _summary = import_file("suppress", "email\nkari@example.no\n", "--scope", "partner:fjordreiser")
    assert result.exit_code == 0
    assert choices() == {(pid_of("kari@example.no"), "partner:fjordreiser"): "opt-out"}
    bad = optout("suppress", "import", "-", "--scope", "partner:ghost", input="email\nx@example.no\n")
    assert bad.exit_code == 2 and "unknown scope" in bad.output


def test_a_consent_row_with_a_phone_links_it_and_a_refusal_of_the_number_stands(import_file, optout, ledger, pid_of):
    """The import links the row's number to its address first; the number's own earlier stop of
    everything then stands against the consent, as the address's would. Bad numbers link nothing."""
    optout("recipient", "link", "other@example.no", "+47 982 60 581")  # gives the second number a history
    assert optout("subject", "erase", "+47 982 60 581", "--yes").exit_code == 0  # its tombstone: everything out
    text = (
        "email,phone,topic,given_at,evidence\n"
        "kari@example.no,+47 982 60 580,phone,2024-06-01,call recording 8812\n"
        "ola@example.no,982 60 581,phone,2024-06-01,call recording 8813\n"
        "per@example.no,12,phone,2024-06-01,call recording 8814\n"
        "liv@example.no,,phone,2024-06-01,call recording 8815\n"
    )
    result, summary = import_file("consent", text)
    assert result.exit_code == 0, result.output
    assert summary["linked"] == 2 and summary["invalid-number"] == 1
    assert summary["invalid_numbers"] == [{"line": 4, "problem": "not a number that can exist"}]
    assert summary["recorded"] == 3 and summary["skipped-opt-out-stands"] == 1
    kari_phone = json.loads(optout("recipient", "show", "98260580").output)
    assert kari_phone["receives"]["phone"] is True  # the address's imported consent counts for the number
    assert [(one["kind"], one["pseudonymous_id"]) for one in kari_phone["linked"]] == [
        ("email", pid_of("kari@example.no"))
    ]
    _again, repeat = import_file("consent", text)
    assert repeat.get("linked", 0) == 0 and repeat.get("recorded", 0) == 0
    assert sum(e["action"] == "link" for e in ledger()) == 2 and optout("ledger", "verify").exit_code == 0
