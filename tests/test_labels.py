"""The shared labels (optout/labels): every member of every enum they name has its words in bokmål
and English, so a new member without a label fails here; and the words that replaced codes."""

from __future__ import annotations

import datetime as dt
import enum

import pytest

from optout import labels
from optout.audit.service import LEGACY_TEXT, AuditAction
from optout.labels import audit, times
from optout.languages import SUPPORTED, catalog
from optout.ledger.verify import Fault
from optout.lists.filter import Reason
from optout.models import Action, Channel, Link, Source, Status, UnsubscribeReason
from optout.reports.service import OPT_OUT_KINDS

TABLES: list[tuple[type[enum.Enum], dict]] = [
    (Action, labels.ACTIONS),
    (Status, labels.STATUSES),
    (Source, labels.SOURCES),
    (Channel, labels.CHANNELS),
    (Link, labels.LINKS),
    (Reason, labels.REASONS),
    (Fault, labels.FAULTS),
    (AuditAction, labels.AUDIT_ACTIONS),
    (AuditAction, audit.DETAILS),
    (UnsubscribeReason, labels.UNSUBSCRIBE_REASONS),
]


def _translated(language: str, message: str) -> bool:
    return bool(catalog(language)._catalog.get(message))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("members", "table"), TABLES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_member_of_every_enum_has_a_label_in_both_languages(members, table):
    assert set(table) == set(members)
    for member in members:
        for language in SUPPORTED:
            assert _translated(language, table[member]), (member, language)


def test_every_kind_of_opt_out_in_a_report_has_a_label():
    assert {*OPT_OUT_KINDS, "total"} == set(labels.OPT_OUT_KIND_LABELS)
    for text in labels.OPT_OUT_KIND_LABELS.values():
        assert all(_translated(language, text) for language in SUPPORTED)


def test_a_label_is_found_by_the_plain_string_too_and_an_unknown_code_shows_as_it_is():
    assert labels.word(labels.SOURCES, "confirmation-page", "nb") == "Avmeldingssiden"
    assert labels.word(labels.SOURCES, Source.CONFIRMATION_PAGE, "en") == "Unsubscribe page"
    assert labels.word(labels.SOURCES, "carrier-pigeon", "nb") == "carrier-pigeon"


def test_an_opt_in_on_everything_or_a_channel_reads_as_a_lifted_refusal_not_as_consent():
    assert labels.status("everything", "opt-in", "nb") == "Stans opphevet"
    assert labels.status("channel:phone", "opt-in", "nb") == "Ikke blokkert"
    assert labels.status("everything", "opt-in", "en") == "Unsubscribe-all lifted"
    assert labels.action("channel:email", "opt-in", "en") == "Not blocked"
    assert labels.status("topic:phone", "opt-in", "nb") == "Meldt på"
    assert labels.status("everything", "opt-out", "nb") == "Meldt av"
    assert labels.action("partner:acme", "reset", "nb") == "Valget er nullstilt"


def test_scopes_are_named_in_the_language_asked_for():
    class Topic:
        key = "phone"

        def name(self, lang: str) -> str:
            return {"nb": "Oppringinger", "en": "Phone calls"}[lang]

    names = labels.Names.of([Topic()], {"acme": "Acme AS"}, "nb")
    assert names.scope("topic:phone") == "Kategori: Oppringinger"
    assert names.in_language("en").scope("topic:phone") == "Category: Phone calls"
    assert names.scope("partner:acme") == "Partner: Acme AS"
    assert names.scope("channel:email") == "Kanal: E-post"
    assert names.scope("topic:gone") == "Kategori: gone"


def test_times_are_shown_in_norwegian_time_to_the_minute():
    moment = dt.datetime(2026, 12, 1, 14, 15, 37, 930441, tzinfo=dt.UTC)
    assert times.moment(moment, "nb") == "1. desember 2026 kl. 15.15 (norsk tid)"
    assert times.moment("2026-12-01T14:15:37.930441Z", "en") == "1 December 2026, 15:15 (Norwegian time)"
    assert times.moment("2026-07-01T22:30:00.000000Z", "nb") == "2. juli 2026 kl. 00.30 (norsk tid)"  # summer time
    assert (
        times.day("2027-04-28", "nb") == "28. april 2027" and times.day(dt.date(2027, 4, 28), "en") == "28 April 2027"
    )
    assert times.moment(None, "nb") == "" and times.day(None, "en") == ""


SAMPLES = {
    AuditAction.LOGIN_FAILED: {"outcome": "wrong-password", "client": "127.0.0.1"},
    AuditAction.LOCKED_OUT: {"outcome": "locked-now", "client": "127.0.0.1"},
    AuditAction.REQUEST_REGISTERED: {"request": 7},
    AuditAction.REQUEST_ANSWERED: {"request": 7, "format": "html"},
    AuditAction.REQUEST_EXTENDED: {"request": 7, "due": "2027-04-28"},
    AuditAction.ERASURE: {"tombstone_seq": 12},
    AuditAction.LEDGER_EXPORTED: {"format": "csv", "filter": {"topic": "phone", "until": "2026-12-02T00:00:00+00:00"}},
    AuditAction.RECORD_EXPORTED: {"format": "json", "year": 2026},
    AuditAction.REPORT_EXPORTED: {"campaign": "fjord-spring", "format": "csv"},
    AuditAction.OFFICER_ADDED: {"officer": "personvern@example.no"},
    AuditAction.API_FILTER: {"campaign": "fjord-spring", "rows_read": 3, "rows_kept": 2, "status": 200},
    AuditAction.API_LINKS: {"campaign": "fjord-spring", "links": 5, "status": 200},
    AuditAction.LINKS_MINTED: {"campaign": "fjord-spring", "links": 5},
}


@pytest.mark.parametrize("action", list(AuditAction))
def test_every_audit_action_has_a_detail_in_both_languages(action):
    names = labels.Names({}, {}, "nb")
    nb = audit.detail(action, SAMPLES.get(action, {}), "ab12", names)
    en = audit.detail(action, SAMPLES.get(action, {}), "ab12", names.in_language("en"))
    assert nb and en and "%(" not in nb + en
    assert audit.action(action, "nb") != action.value and audit.action(action, "en") != action.value


def test_audit_details_name_things_in_the_viewers_language():
    nb, en = labels.Names({}, {}, "nb"), labels.Names({}, {}, "en")
    data = SAMPLES[AuditAction.LEDGER_EXPORTED]
    assert audit.detail("export.ledger", data, None, nb) == "csv: kategori phone, før 2. desember 2026"
    assert audit.detail("export.ledger", data, None, en) == "csv: category phone, before 2 December 2026"
    assert audit.detail("login-failed", SAMPLES[AuditAction.LOGIN_FAILED], None, nb) == "feil passord, fra 127.0.0.1"
    assert audit.detail("export.record", {"format": "html", "year": None}, None, en) == (
        "html, without a disclosure statement"
    )
    assert audit.detail("export", {LEGACY_TEXT: "ledger (csv): everything"}, None, nb) == "ledger (csv): everything"
