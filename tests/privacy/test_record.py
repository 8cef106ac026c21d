"""The record of processing (GDPR Art. 30(1)) and the yearly disclosure statement: every section in
both languages, figures that follow the data, the year's partner runs, and nothing about a person."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from optout.privacy.processing_record import SECTIONS
from tests.helpers.db import audit_rows

PEOPLE = ["kari@example.no", "ola@example.no", "gone@example.no"]


@pytest.fixture
def activity(optout, make_campaign, decide, tmp_path):
    """Choices, an erasure and a partner campaign filtered once, this year."""
    make_campaign("fjord-spring", partner="fjordreiser")
    decide("kari@example.no", "topic:partner-offers", "opt-in")
    decide("ola@example.no", "everything")
    decide("gone@example.no", "topic:periodic")
    assert optout("subject", "erase", "gone@example.no", "--yes").exit_code == 0
    source = tmp_path / "list.csv"
    source.write_text("email\n" + "\n".join(PEOPLE) + "\n")
    result = optout("filter", "--campaign", "fjord-spring", "--output", str(tmp_path / "out.csv"), str(source))
    assert result.exit_code == 0, result.output


def _record(optout, tmp_path, *args: str) -> str:
    path = tmp_path / "record.out"
    result = optout("record", *args, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_the_record_has_every_section_in_both_languages_and_the_figures(optout, tmp_path, activity):
    record = json.loads(_record(optout, tmp_path, "--format", "json"))
    assert record["format"] == "optout-record-of-processing/1"
    for language in ("nb", "en"):
        sections = record["sections"][language]
        assert [s["key"] for s in sections] == [key for key, _title, _text in SECTIONS]
        assert all(s["title"] and s["text"] for s in sections)
        assert "Mesier AS" in sections[0]["text"] and "post@mesier.com" in sections[0]["text"]
    assert record["sections"]["nb"][0]["title"] == "(a) Behandlingsansvarlig"
    assert record["sections"]["en"][6]["title"] == "(g) Technical and organisational security measures"
    assert {t["key"]: t["basis"] for t in record["topics"]}["partner-offers"] == "consent"
    assert record["partners"] == ["Fjordreiser AS"]
    # kari, ola and the erased person's do-not-contact entry; four events, one of them the erasure.
    assert record["figures"] == {"recipients": 3, "events": 4, "erased": 1, "requests": 0}
    assert record["disclosures"] is None


def test_the_disclosure_statement_counts_that_years_partner_runs_only(optout, tmp_path, activity):
    this_year = dt.datetime.now(dt.UTC).year
    record = json.loads(_record(optout, tmp_path, "--format", "json", "--year", str(this_year)))
    assert record["disclosures"] == {
        "year": this_year,
        "personal_information_disclosed": 0,
        "partner_campaigns": 1,
        "partner_runs": 1,
    }
    earlier = json.loads(_record(optout, tmp_path, "--format", "json", "--year", str(this_year - 1)))
    assert earlier["disclosures"]["partner_runs"] == 0


def test_the_html_record_is_one_printable_page_per_language_and_names_nobody(optout, tmp_path, activity, pid_of):
    year = str(dt.datetime.now(dt.UTC).year)
    html = _record(optout, tmp_path, "--year", year)
    assert '<section lang="nb">' in html and '<section lang="en">' in html
    assert "Protokoll over behandlingsaktiviteter" in html and "Record of processing" in html
    assert f"I {year} ble ingen personopplysninger utlevert" in html
    assert "<script" not in html and "http" not in html.replace("https://www.", "")  # nothing loaded from outside
    for person in PEOPLE:
        for trace in (person, person.split("@")[0] + "@", pid_of(person)):
            assert trace not in html


def test_the_record_is_audited_and_a_bad_year_is_refused(optout, tmp_path, app):
    _record(optout, tmp_path, "--format", "json", "--year", "2026")
    assert audit_rows(app) == [("cli", "export.record", None, {"format": "json", "year": 2026})]
    result = optout("record", "--year", "26")
    assert result.exit_code == 2 and "2000<=x<=9999" in result.output


def test_the_record_names_categories_in_each_language_with_the_reviews_terms(optout, tmp_path, activity):
    record = json.loads(_record(optout, tmp_path, "--format", "json"))
    names = {t["key"]: t["names"]["nb"] for t in record["topics"]}
    assert names["partner-offers"] == "Tilbud fra samarbeids\u00adpartnere"
    html = _record(optout, tmp_path, "--format", "html")
    nb, en = (html.split(f'<section lang="{lang}">')[1].split("</section>")[0] for lang in ("nb", "en"))
    assert "Kategoriene og behandlingsgrunnlaget deres" in nb and "Categories and their legal basis" in en
    assert "<td>Tilbud fra samarbeids\u00adpartnere</td>" in nb and "<td>Offers from our partners</td>" in en
    assert "<td>partner-offers</td>" not in html and "<td>periodic</td>" not in html
    assert "revisjonsloggen" in nb and "revisjonsspor" not in nb and "innsynsbegjæring" not in nb
    assert "Content Security Policy (CSP)" in nb and "pseudonym ID" in nb
    assert "email preference centre" in en and "(norsk tid)" in nb and "(Norwegian time)" in en
