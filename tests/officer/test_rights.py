"""The console's data-subject pages: access requests, their packages and deadline extensions, ledger
exports, erasure with review and confirmation; each action audited, addresses never in a URL or the
audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from sqlalchemy import text

from optout.dates import add_months, local_date
from optout.db import utcnow
from optout.formats import long_date
from tests.helpers.officers import console, post

# The outcome of these tests cannot depend on the dialect: they run on SQLite only.
ONE_DIALECT = pytest.mark.dialect_independent("page text, CSRF and input checks")

ADDRESS = "kari.nordmann@example.no"

MONTHS_NB = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]


@pytest.fixture
def history(decide):
    decide(ADDRESS, "topic:phone", "opt-in")
    decide(ADDRESS, "topic:periodic")
    decide("other@example.no", "everything")


def _actions(audit_log) -> list[tuple[str, str | None, dict]]:
    """The audit's (action, subject_pid, data) of everything but logging in and out."""
    return [(action, pid, data) for _officer, action, pid, data in audit_log() if action not in ("login", "logout")]


def test_register_a_request_and_see_its_due_day(signed_in, audit_log, pid_of):
    response = post(signed_in, "/requests", {"email": ADDRESS, "received": "2026-01-31"})
    assert response.status_code == 200, response.text
    assert "2026-02-28" in response.text
    page = signed_in.get(console("/requests"))
    assert pid_of(ADDRESS) in page.text and ADDRESS not in page.text
    assert "over fristen" in page.text  # due long ago, still open
    [(action, pid, data)] = _actions(audit_log)
    assert (action, pid) == ("access-request.registered", pid_of(ADDRESS)) and "@" not in str(data)


def test_a_repeat_is_refused_without_a_reason_and_registered_with_one(signed_in, pid_of):
    assert post(signed_in, "/requests", {"email": ADDRESS}).status_code == 200
    refused = post(signed_in, "/requests", {"email": ADDRESS})
    assert refused.status_code == 409
    assert "for under tolv måneder siden" in refused.text
    allowed = post(signed_in, "/requests", {"email": ADDRESS, "reason": "ny behandling siden sist"})
    assert allowed.status_code == 200
    assert "ny behandling siden sist" in signed_in.get(console("/requests")).text


def test_answering_downloads_the_package_and_closes_the_request(signed_in, history, audit_log):
    post(signed_in, "/requests", {"email": ADDRESS})
    response = post(signed_in, "/requests/package", {"email": ADDRESS, "format": "json"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    package = json.loads(response.data)
    assert package["subject"]["email"] == ADDRESS
    assert [e["scope"] for e in package["history"]] == ["topic:phone", "topic:periodic"]
    assert package["access_requests"][0]["answered_at"] is None  # answered with this very package
    html = post(signed_in, "/requests/package", {"email": ADDRESS, "format": "html", "reason": "lost the first"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert '<section lang="en">' in html.text and "Datatilsynet" in html.text
    assert [action for action, _pid, _data in _actions(audit_log)] == [
        "access-request.registered",
        "access-request.answered",
        "access-request.registered",  # a repeat, with its reason
        "access-request.answered",
    ]


@ONE_DIALECT
def test_bad_addresses_are_refused_in_the_visitors_language(signed_in, audit_log):
    response = post(signed_in, "/requests/package", {"email": "not an address", "format": "json"})
    assert response.status_code == 422
    assert "Dette er ikke en e-postadresse" in response.text
    assert _actions(audit_log) == []


def test_ledger_export_streams_the_chosen_events_and_is_audited(signed_in, history, audit_log, make_campaign):
    page = signed_in.get(console("/exports"))
    assert page.status_code == 200 and "Eksporter samtykkeloggen" in page.text
    response = post(signed_in, "/exports", {"format": "csv", "topic": "phone", "partner": "", "campaign": ""})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["scope"] for row in rows] == ["topic:phone"]
    everything = post(signed_in, "/exports", {"format": "jsonl", "topic": "", "partner": "", "campaign": ""})
    assert len(everything.text.splitlines()) == 3
    assert _actions(audit_log) == [
        ("export.ledger", None, {"format": "csv", "filter": {"topic": "phone"}}),
        ("export.ledger", None, {"format": "jsonl", "filter": {}}),
    ]


def test_ledger_export_refuses_an_unknown_topic(signed_in, audit_log):
    response = post(signed_in, "/exports", {"format": "csv", "topic": "nope", "partner": "", "campaign": ""})
    assert response.status_code == 422
    assert _actions(audit_log) == []


def test_erasure_shows_what_it_will_remove_and_needs_the_tick(signed_in, history, choices, pid_of, audit_log):
    review = post(signed_in, "/erase/review", {"email": ADDRESS})
    assert review.status_code == 200
    assert "Kontroller før du sletter" in review.text and pid_of(ADDRESS) in review.text
    unticked = post(signed_in, "/erase", {"email": ADDRESS})
    assert unticked.status_code == 422
    assert "Kryss av i boksen" in unticked.text
    assert (pid_of(ADDRESS), "topic:phone") in choices()
    done = post(signed_in, "/erase", {"email": ADDRESS, "confirm": "y"})
    assert done.status_code == 200, done.text
    assert "Slettet." in done.text
    assert {k: v for k, v in choices().items() if k[0] == pid_of(ADDRESS)} == {
        (pid_of(ADDRESS), "everything"): "opt-out"
    }
    [(action, pid, data)] = _actions(audit_log)
    assert action == "erasure" and pid is None and pid_of(ADDRESS) not in str(data)


def test_erasure_removes_the_person_from_earlier_audit_entries(signed_in, history, audit_log, pid_of):
    post(signed_in, "/lookup", {"email": ADDRESS})
    post(signed_in, "/requests", {"email": ADDRESS})
    post(signed_in, "/lookup", {"email": "other@example.no"})
    assert [pid for _action, pid, _data in _actions(audit_log)] == [pid_of(ADDRESS)] * 2 + [pid_of("other@example.no")]
    post(signed_in, "/erase", {"email": ADDRESS, "confirm": "y"})
    assert [(action, pid) for action, pid, _data in _actions(audit_log)] == [
        ("lookup", None),
        ("access-request.registered", None),
        ("lookup", pid_of("other@example.no")),  # someone else's entries keep their person
        ("erasure", None),
    ]
    assert pid_of(ADDRESS) not in str(audit_log())


@ONE_DIALECT
@pytest.mark.parametrize("path", ["/requests", "/exports", "/erase"])
def test_the_pages_show_in_both_languages(signed_in, path):
    assert signed_in.get(console(path)).status_code == 200
    english = signed_in.get(console(path + "?lang=en"))
    assert english.status_code == 200 and 'lang="en"' in english.text


def test_the_record_of_processing_downloads_from_the_exports_page_and_is_audited(signed_in, history, audit_log):
    page = signed_in.get(console("/exports"))
    assert "Protokoll over behandlingsaktiviteter" in page.text
    html = post(signed_in, "/exports/record", {"format": "html", "year": "2026"})
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert html.headers["Content-Disposition"] == 'attachment; filename="record-of-processing.html"'
    assert "(g) Tekniske og organisatoriske sikkerhetstiltak" in html.text and ADDRESS not in html.text
    record = json.loads(post(signed_in, "/exports/record", {"format": "json", "year": ""}).data)
    assert record["figures"]["recipients"] == 2 and record["disclosures"] is None
    assert _actions(audit_log) == [
        ("export.record", None, {"format": "html", "year": 2026}),
        ("export.record", None, {"format": "json", "year": None}),
    ]


@ONE_DIALECT
def test_a_bad_year_for_the_record_is_refused_in_the_officers_language(signed_in, audit_log):
    response = post(signed_in, "/exports/record", {"format": "json", "year": "26"})
    assert response.status_code == 422
    assert "Oppgi et årstall, for eksempel 2026." in response.text
    assert 'aria-invalid="true"' in response.text
    assert post(signed_in, "/exports/record", {"format": "json"}, token=False).status_code == 400
    assert _actions(audit_log) == []


# Extending a request's deadline (GDPR Art. 12(3)) from the register.

EXTEND_FORM = re.compile(r'action="/officer/requests/(\d+)/extend"')


def _registered(client) -> int:
    """Register a request received today through the console; its number, from the form offered to extend it."""
    assert post(client, "/requests", {"email": ADDRESS}).status_code == 200
    [number] = EXTEND_FORM.findall(client.get(console("/requests")).text)
    return int(number)


def _stored(app, number: int) -> tuple[object, ...]:
    with app.extensions["optout.db"].engine.connect() as conn:
        row = conn.execute(
            text("SELECT due_on, extended_to, extension_reason, extended_by FROM access_request WHERE id = :id"),
            {"id": number},
        ).one()
    return tuple(str(value) if isinstance(value, dt.date) else value for value in row)


def _today() -> dt.date:
    return local_date(utcnow())


def test_extend_a_deadline_from_the_register(app, signed_in, audit_log, officer, pid_of):
    number = _registered(signed_in)
    page = signed_in.get(console("/requests"))
    assert "Forleng fristen" in page.text and "To måneder" in page.text
    response = post(signed_in, f"/requests/{number}/extend", {"months": "2", "reason": "Mange systemer å gå gjennom"})
    assert response.status_code == 200, response.text
    due = add_months(_today(), 1)
    extended_to = add_months(due, 2)
    assert re.search(
        rf'<p class="success" role="status">Fristen for forespørsel {number} er forlenget\. '
        rf"Svaret skal nå gis senest {re.escape(long_date(extended_to, 'nb'))}\.</p>",
        response.text,
    )
    assert _stored(app, number) == (due.isoformat(), extended_to.isoformat(), "Mange systemer å gå gjennom", officer)
    assert EXTEND_FORM.findall(response.text) == []  # extended once: no form any more
    assert f'<time datetime="{extended_to.isoformat()}">' in response.text
    assert "opprinnelig frist" in response.text and "Mange systemer å gå gjennom" in response.text
    assert audit_log()[-1] == (
        officer,
        "access-request.extended",
        pid_of(ADDRESS),
        {"request": number, "due": extended_to.isoformat()},
    )


@ONE_DIALECT
def test_an_extension_without_the_csrf_token_is_refused(app, signed_in, audit_log):
    number = _registered(signed_in)
    before = audit_log()
    response = post(signed_in, f"/requests/{number}/extend", {"months": "1", "reason": "many"}, token=False)
    assert response.status_code == 400
    assert "Skjemaet ble ikke godtatt" in response.text
    assert _stored(app, number)[1:] == (None, None, None)
    assert audit_log() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"months": "1", "reason": ""}, "Skriv begrunnelsen for forlengelsen."),
        ({"months": "1", "reason": "   "}, "Skriv begrunnelsen for forlengelsen."),
        ({"months": "3", "reason": "many records"}, "Ikke et gyldig valg"),
        ({"months": "1", "reason": "x" * 501}, "Dette er for langt."),
    ],
)
def test_an_extension_needs_one_or_two_months_and_a_reason(app, signed_in, audit_log, data, message):
    number = _registered(signed_in)
    before = audit_log()
    response = post(signed_in, f"/requests/{number}/extend", data)
    assert response.status_code == 422
    assert f"Fristen for forespørsel {number} ble ikke forlenget." in response.text
    assert message in response.text
    assert re.search(
        rf'<input aria-describedby="extend-error" aria-invalid="true" id="extend-{number}-reason"', response.text
    )
    assert '<div class="problem" role="alert" id="extend-error">' in response.text
    assert _stored(app, number)[1:] == (None, None, None)
    assert audit_log() == before


def test_a_deadline_is_extended_only_once(app, signed_in, audit_log):
    number = _registered(signed_in)
    assert post(signed_in, f"/requests/{number}/extend", {"months": "1", "reason": "first"}).status_code == 200
    before, stored = audit_log(), _stored(app, number)
    again = post(signed_in, f"/requests/{number}/extend", {"months": "2", "reason": "second"})
    assert again.status_code == 409
    first_extension = long_date(dt.date.fromisoformat(str(stored[1])[:10]), "nb")
    assert f"Fristen for forespørsel {number} er allerede forlenget, til {first_extension}." in again.text
    assert (_stored(app, number), audit_log()) == (stored, before)


def test_an_answered_request_is_not_extended(app, signed_in, audit_log):
    number = _registered(signed_in)
    post(signed_in, "/requests/package", {"email": ADDRESS, "format": "json"})
    before = audit_log()
    refused = post(signed_in, f"/requests/{number}/extend", {"months": "1", "reason": "many"})
    assert refused.status_code == 409
    assert f"Forespørsel {number} er allerede besvart" in refused.text
    assert (_stored(app, number)[1], audit_log()) == (None, before)


def test_a_request_past_its_original_due_day_is_not_extended_in_the_officers_language(
    app, signed_in, past_request, audit_log
):
    number = past_request(ADDRESS, dt.date(2026, 1, 10))
    page = signed_in.get(console("/requests?lang=en"))
    assert EXTEND_FORM.findall(page.text) == []  # too late: not offered
    before = audit_log()
    refused = post(signed_in, f"/requests/{number}/extend", {"months": "2", "reason": "many records"})
    assert refused.status_code == 409
    assert f"The deadline of request {number} was not extended." in refused.text
    assert f"Request {number} was due on 10 February 2026." in refused.text and "too late to extend it" in refused.text
    assert (_stored(app, number)[1], audit_log()) == (None, before)


def test_an_unknown_request_is_not_found(signed_in, audit_log):
    before = audit_log()
    assert post(signed_in, "/requests/999/extend", {"months": "1", "reason": "many"}).status_code == 404
    assert audit_log() == before


def test_the_register_flags_overdue_by_the_extended_day(signed_in, past_request):
    received = add_months(_today(), -1) - dt.timedelta(days=5)  # originally due five days ago
    saved = past_request(ADDRESS, received, extended=(received + dt.timedelta(days=1), 2))
    late = past_request("ola@example.no", dt.date(2020, 1, 1), extended=(dt.date(2020, 1, 15), 1))
    page = signed_in.get(console("/requests")).text
    rows = {int(n): row for n, row in re.findall(r'<tr>\s*<td class="num">(\d+)</td>(.*?)</tr>', page, re.DOTALL)}
    assert "over fristen" not in rows[saved] and "over fristen" in rows[late]
    assert f'<time datetime="{add_months(add_months(received, 1), 2).isoformat()}">' in rows[saved]
    assert '<time datetime="2020-03-01">' in rows[late] and "many records to gather" in rows[late]
    assert EXTEND_FORM.findall(page) == []  # extended already: neither is offered again
