"""The console's words (UX review 2026-12, B12 and B15): evidence labels that cannot be read as
consent, names instead of keys, success in green, refused forms with «Feil:» and an error summary
linking to their fields, and an export bound that includes the day it names."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from optout.dates import local_date
from optout.db import utcnow
from tests.helpers.officers import console, post
from tests.officer.test_rights import MONTHS_NB

ADDRESS = "kari@example.no"


def _in(client, lang: str) -> None:
    """Switch the console to *lang* for the next requests (the choice is kept in the session)."""
    assert client.get(console(f"/?lang={lang}")).status_code == 200


@pytest.fixture
def lifted(decide, make_campaign, links, client):
    """Kari unsubscribed from everything and lifted it, unblocked phone calls, and opted out of the
    newsletter from the link in a Norwegian email."""
    decide(ADDRESS, "everything", "opt-out")
    decide(ADDRESS, "everything", "opt-in")
    decide(ADDRESS, "channel:phone", "opt-in")
    newsletter = make_campaign("newsletter-dec")
    client.post(links(ADDRESS, newsletter, "nb").unsubscribe_url, data={"List-Unsubscribe": "One-Click"})
    return ADDRESS


def test_a_lifted_refusal_is_not_shown_as_an_opt_in(signed_in, lifted):
    norwegian = html.unescape(post(signed_in, "/lookup", {"email": lifted}).text)
    current = norwegian.split('id="choices-caption"')[1].split("</table>")[0]
    assert "<td>Stans opphevet</td>" in current and "<td>Ikke blokkert</td>" in current
    assert "Meldt på" not in current
    assert "Kategori: Nyhetsbrev fra Mesier" in norwegian and "Avmelding med ett klikk i e-postprogrammet" in norwegian
    _in(signed_in, "en")
    english = html.unescape(post(signed_in, "/lookup", {"email": lifted}).text)
    assert "<td>Unsubscribe-all lifted</td>" in english and "<td>Not blocked</td>" in english
    assert "Category: Mesier newsletter" in english
    # The page language is named in its own language, so it is marked as such.
    assert '<td lang="nb">Norsk (bokmål)</td>' in english


def test_a_success_is_green_and_its_day_written_out(signed_in):
    page = post(signed_in, "/requests", {"email": ADDRESS, "received": "2026-01-31"})
    assert page.status_code == 200
    assert re.search(
        r'<p class="success" role="status">Forespørselen er registrert\. Fristen for svar er 28\. februar 2026\.</p>',
        page.text,
    ), page.text
    assert 'class="notice"' not in page.text
    assert "ikke besvart" in page.text and "Pseudonym ID" in page.text
    _in(signed_in, "en")
    again = post(signed_in, "/requests", {"email": "ola@example.no", "received": "2026-03-15"})
    assert "The answer is due on 15 April 2026." in again.text


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/lookup", {"email": ""}, "email"),
        ("/requests/package", {"email": "not an address", "format": "html"}, "package-email"),
        ("/requests", {"email": ""}, "request-email"),
        ("/erase/review", {"email": ""}, "email"),
        ("/erase", {"email": ADDRESS}, "confirm"),
        ("/exports/record", {"year": "12", "format": "html"}, "record-year"),
    ],
)
def test_a_refused_form_has_an_error_title_and_a_summary_linking_to_the_field(signed_in, path, data, field):
    page = post(signed_in, path, data)
    assert page.status_code == 422, page.text
    text = html.unescape(page.text)
    assert re.search(r"<title>Feil: [^<]+ \u2013 Personvernkonsoll", text), re.search(r"<title>.*</title>", text)
    summary = text.split('<div class="error-summary" role="alert"')[1].split("</div>")[0]
    assert "Noe må rettes" in summary and f'<a href="#{field}">' in summary
    assert f'id="{field}"' in text  # the link lands on the field
    assert text.index('class="error-summary"') < text.index("<h1>")


def test_the_summary_and_title_are_in_english_too_and_absent_when_nothing_is_wrong(signed_in):
    assert "Feil:" not in signed_in.get(console("/lookup")).text
    assert "error-summary" not in signed_in.get(console("/requests")).text
    _in(signed_in, "en")
    text = html.unescape(post(signed_in, "/lookup", {"email": ""}).text)
    assert "<title>Error: Look up a person" in text and "There is a problem" in text


def test_failed_login_gets_the_error_title(client, officer):
    from tests.helpers.officers import log_in

    refused = log_in(client, password="wrong")
    assert "<title>Feil: " in refused.text


def test_the_export_names_categories_and_includes_its_until_day(signed_in, decide, pid_of, sql):
    page = html.unescape(signed_in.get(console("/exports")).text)
    assert '<option value="periodic">Nyhetsbrev fra Mesier</option>' in page
    assert "Til og med" in page and "Kategori" in page and "Eksport" in page
    decide(ADDRESS, "topic:periodic")
    decide("ola@example.no", "topic:periodic")
    sql("UPDATE consent_event SET created_at = :at WHERE seq = 1", at="2026-11-30 23:59:59.999999")
    sql("UPDATE consent_event SET created_at = :at WHERE seq = 2", at="2026-12-01 00:00:00.000000")
    kari, ola = pid_of(ADDRESS), pid_of("ola@example.no")

    def exported(**bounds: str) -> str:
        form = {"format": "csv", "topic": "", "partner": "", "campaign": "", **bounds}
        response = post(signed_in, "/exports", form)
        assert response.status_code == 200, response.text
        return response.text

    until_30 = exported(until="2026-11-30")
    assert kari in until_30 and ola not in until_30  # the last second of the day is in, the next day out
    assert ola in exported(until="2026-12-01")
    assert kari not in exported(until="2026-11-29")
    since_1 = exported(since="2026-12-01", until="2026-12-01")
    assert ola in since_1 and kari not in since_1


def test_the_audit_trail_names_the_category_and_the_inclusive_bound(signed_in, audit_log):
    post(
        signed_in,
        "/exports",
        {"format": "csv", "topic": "periodic", "partner": "", "campaign": "", "until": "2026-11-30"},
    )
    assert audit_log()[-1][3]["filter"]["until"].startswith("2026-12-01")
    text = html.unescape(signed_in.get(console("/audit")).text)
    assert "csv: før 1. desember 2026, kategori Nyhetsbrev fra Mesier" in text
    _in(signed_in, "en")
    text = html.unescape(signed_in.get(console("/audit")).text)
    assert "csv: before 1 December 2026, category Mesier newsletter" in text
    assert "Password accepted" in text


def test_a_refused_repeat_writes_its_day_out_in_the_viewers_language(signed_in):
    first = local_date(utcnow()) - dt.timedelta(days=40)
    assert post(signed_in, "/requests", {"email": ADDRESS, "received": first.isoformat()}).status_code == 200
    again = post(signed_in, "/requests", {"email": ADDRESS})
    assert again.status_code == 409
    written = f"{first.day}. {MONTHS_NB[first.month - 1]} {first.year}"
    assert f"Denne personen ba om innsyn {written}, for under tolv måneder siden." in html.unescape(again.text)
    assert '<a href="#request-email">' in again.text and "<title>Feil: " in again.text
