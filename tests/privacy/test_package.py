"""The access package: everything held about a person and every Art. 15(1) statement, in both languages."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from optout.privacy.statements import STATEMENTS

# One phrase per statement and language that must appear (a), (b), ... (h), plus who is responsible.
REQUIRED = {
    "en": [
        "responsible for the processing",
        "purposes",
        "categories of personal data",
        "Marketing partners never receive",
        "How long we keep your data",
        "object to direct marketing",
        "Datatilsynet",
        "Where the data comes from",
        "no profiling",
    ],
    "nb": [
        "behandlingsansvarlig",
        "formål",
        "kategorier av personopplysninger",
        "Markedsføringspartnere får aldri",
        "Hvor lenge vi lagrer opplysningene",
        "protestere mot direkte markedsføring",
        "Datatilsynet",
        "Hvor opplysningene kommer fra",
        "ingen profiler",
    ],
}


@pytest.fixture
def person(make_campaign, decide, links, client, optout):
    optout("partner", "add", "acme", "--name", "Acme AS")
    offers = make_campaign("acme-offer", topic="partner-offers", partner="acme")
    decide("kari@example.no", "topic:phone", "opt-in")
    client.post(links("kari@example.no", offers).unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    decide("someone.else@example.no", "everything")
    return "kari@example.no"


def _export(optout, tmp_path, *args):
    path = tmp_path / "package.out"
    result = optout("subject", "export", *args, "--output", str(path))
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_json_package_holds_choices_history_campaigns_and_requests(optout, tmp_path, person, pid_of):
    package = json.loads(_export(optout, tmp_path, "KARI@example.no"))
    assert package["subject"] == {"email": "kari@example.no", "pseudonymous_id": pid_of("kari@example.no")}
    assert {(c["scope"], c["status"]) for c in package["current_choices"]} == {
        ("topic:phone", "opt-in"),
        ("topic:partner-offers", "opt-out"),
    }
    assert [(e["scope"], e["action"], e["source"]) for e in package["history"]] == [
        ("topic:phone", "opt-in", "cli"),
        ("topic:partner-offers", "opt-out", "one-click"),
    ]
    assert package["history"][1]["campaign"] == "acme-offer"
    assert package["campaigns"] == [{"campaign": "acme-offer", "topic": "partner-offers", "partner": "Acme AS"}]
    assert len(package["access_requests"]) == 1
    assert package["receives"]["phone"] is True
    assert pid_of("someone.else@example.no") not in json.dumps(package)


def test_every_required_statement_is_there_in_both_languages(optout, tmp_path, person):
    package = json.loads(_export(optout, tmp_path, "kari@example.no"))
    for language, phrases in REQUIRED.items():
        given = package["statements"][language]
        assert [s["key"] for s in given] == [key for key, _title, _text in STATEMENTS]
        text = " ".join(s["title"] + " " + s["text"] for s in given)
        for phrase in phrases:
            assert phrase in text, (language, phrase)
        assert "%(" not in text
    assert package["statements"]["nb"] != package["statements"]["en"]


def test_html_package_is_readable_in_both_languages_and_prints(optout, tmp_path, person):
    html = _export(optout, tmp_path, "kari@example.no", "--format", "html")
    assert '<section lang="nb">' in html and '<section lang="en">' in html
    assert "@media print" in html
    assert "<script" not in html
    for phrases in REQUIRED.values():
        for phrase in phrases:
            assert phrase in html
    assert "kari@example.no" in html and "acme-offer" in html


def test_a_second_export_within_a_year_needs_a_reason(optout, tmp_path, person):
    _export(optout, tmp_path, "kari@example.no")
    again = optout("subject", "export", "kari@example.no", "--output", str(tmp_path / "again.json"))
    assert again.exit_code == 1
    assert "--reason" in again.output
    assert not (tmp_path / "again.json").exists()
    package = json.loads(_export(optout, tmp_path, "kari@example.no", "--reason", "asked for the phone history"))
    assert len(package["access_requests"]) == 2


def test_a_person_we_know_nothing_about_gets_an_empty_package(optout, tmp_path):
    package = json.loads(_export(optout, tmp_path, "nobody@example.no"))
    assert package["current_choices"] == [] and package["history"] == []
    assert len(package["statements"]["nb"]) == len(STATEMENTS)


def test_the_package_shows_an_extended_deadline_and_why(optout, tmp_path, past_request):
    past_request("kari@example.no", dt.date(2027, 1, 31), extended=(dt.date(2027, 2, 10), 2))
    package = json.loads(_export(optout, tmp_path, "kari@example.no"))
    assert package["request"]["due_on"] == "2027-04-28"  # due 28 February, extended by two months
    [request] = package["access_requests"]
    assert request["due_on"] == "2027-04-28" and request["extension_reason"] == "many records to gather"
    html = _export(optout, tmp_path, "kari@example.no", "--format", "html", "--reason", "asked again")
    assert "Hvorfor fristen ble forlenget" in html and "many records to gather" in html


# Codes the letter must never show a person (they stay in the JSON export, for machines).
RAW_CODES = re.compile(
    r"\b(?:topic|partner|channel):|\bopt-(?:in|out)\b|confirmation-page|preference-page|one-click|"
    r"\bcli\b|partner-offers|\bperiodic\b"
)
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:T|\b)|\d{2}:\d{2}:\d{2}|\.\d{6}")


def _sections(html: str) -> dict[str, str]:
    return dict(re.findall(r'<section lang="(nb|en)">(.*?)</section>', html, re.S))


@pytest.fixture
def lifted(person, decide):
    """Kari also lifted an earlier unsubscribe-all, and unblocked email."""
    decide(person, "everything", "opt-out")
    decide(person, "everything", "opt-in")
    decide(person, "channel:email", "opt-in")
    return person


def test_the_letter_says_what_the_person_gets_in_sentences_from_the_send_rule(optout, tmp_path, lifted):
    package = json.loads(_export(optout, tmp_path, lifted))
    assert package["receives"] == {"periodic": True, "partner-offers": False, "phone": True}
    sections = _sections(_export(optout, tmp_path, lifted, "--format", "html", "--reason", "again"))
    assert "Du får: Nyhetsbrev fra Mesier og Oppringinger med innspilt melding." in sections["nb"]
    assert "Du får ikke: Tilbud fra samarbeids\u00adpartnere." in sections["nb"]
    assert "You get: Mesier newsletter and Pre-recorded phone calls." in sections["en"]
    assert "You do not get: Offers from our partners." in sections["en"]
    # The sentences come first, the history is an appendix after the statements.
    for text in sections.values():
        assert text.index("<h2>") < text.index("Du får:" if "Du får:" in text else "You get:") < text.index("<dl>")
        assert text.index("<dl>") < text.rindex("<h3>")


def test_the_letter_shows_labels_and_local_times_never_codes_or_iso_times(optout, tmp_path, lifted):
    sections = _sections(_export(optout, tmp_path, lifted, "--format", "html"))
    assert set(sections) == {"nb", "en"}
    for language, text in sections.items():
        visible = re.sub(r"<[^>]+>", " ", text)
        assert not RAW_CODES.search(visible), (language, RAW_CODES.search(visible))
        assert not ISO_TIME.search(visible), (language, ISO_TIME.search(visible))
    nb, en = sections["nb"], sections["en"]
    assert "(norsk tid)" in nb and " kl. " in nb and "(Norwegian time)" in en
    assert "Stans opphevet" in nb and "Ikke blokkert" in nb and "Kanal: E-post" in nb
    assert "Unsubscribe-all lifted" in en and "Not blocked" in en
    assert "Kategori: Tilbud fra samarbeids\u00adpartnere" in nb and "Category: Offers from our partners" in en
    assert "Avmelding med ett klikk i e-postprogrammet" in nb and "Recorded for you by our staff" in en
    assert "Vedlegg" in nb and "Appendix" in en and "UTC" in nb and "UTC" in en


def test_the_letter_holds_every_ledger_event_in_both_languages(optout, tmp_path, lifted, ledger, pid_of):
    mine = [row for row in ledger() if row["pid"] == pid_of(lifted)]
    assert len(mine) == 5
    sections = _sections(_export(optout, tmp_path, lifted, "--format", "html"))
    for text in sections.values():
        history = text.split("<h3>")[1].split("</table>")[0]  # the appendix's first table
        assert history.count("<tr><td>") == len(mine)
