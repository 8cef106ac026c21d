"""Erasing one identity erases the person: every linked identity's data goes, each keeps its own
do-not-contact tombstone (so the number stays suppressed), the links go, and the chain verifies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from optout.phones import phone_id
from tests.helpers.settings import ID_KEY

EMAIL, PHONE, OTHER = "kari@example.no", "+47 982 60 580", "kari.jobb@example.no"


@pytest.fixture
def phone_pid():
    return phone_id(ID_KEY.encode(), PHONE).hex()


@pytest.fixture
def person(optout, decide, make_campaign):
    """An address and a number, linked, with choices on both; a second address linked once, since parted."""
    make_campaign("newsletter", topic="periodic")
    decide(EMAIL, "topic:phone", "opt-in")
    assert optout("recipient", "link", EMAIL, PHONE).exit_code == 0
    assert optout("recipient", "link", OTHER, PHONE).exit_code == 0
    assert optout("recipient", "unlink", OTHER, PHONE).exit_code == 0
    assert optout("requests", "add", PHONE).exit_code == 0
    decide(OTHER, "topic:periodic")


def _rows(app, sql: str) -> list[tuple]:
    with app.extensions["optout.db"].engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


@pytest.mark.parametrize("asked", [EMAIL, PHONE])
def test_erasing_either_identity_erases_both_and_suppresses_both(
    optout, app, person, asked, pid_of, phone_pid, choices, ledger, tmp_path
):
    result = optout("subject", "erase", asked, "--yes")
    assert result.exit_code == 0, result.output
    assert "2 identities, 1 link(s) removed" in result.output
    assert "4 event(s) redacted" in result.output  # the opt-in, the link, and the parted link's two events
    email_pid = pid_of(EMAIL)
    assert {k: v for k, v in choices().items() if k[0] != pid_of(OTHER)} == {
        (email_pid, "everything"): "opt-out",
        (phone_pid, "everything"): "opt-out",
    }
    assert _rows(app, "SELECT * FROM identity_link") == []
    assert _rows(app, "SELECT * FROM access_request") == []
    kept = [(e["pid"], e["scope"], e["action"], e["source"]) for e in ledger()]
    assert sorted(kept) == sorted(
        [
            (pid_of(OTHER), "topic:periodic", "opt-out", "cli"),
            (email_pid, "everything", "opt-out", "erasure"),
            (phone_pid, "everything", "opt-out", "erasure"),
        ]
    )
    assert not any(phone_pid in str(e["scope"]) for e in ledger())  # not in the parted address's history either
    verified = optout("ledger", "verify")
    assert verified.exit_code == 0 and "4 redacted places" in verified.output
    for who in (EMAIL, PHONE):
        shown = json.loads(optout("recipient", "show", who).output)
        assert shown["linked"] == [] and shown["choices"] == {"everything": "opt-out"}
        assert not any(shown["receives"].values())
    source = tmp_path / "list.csv"
    source.write_text(f"email\n{EMAIL}\n{OTHER}\n")
    filtered = optout("filter", "--campaign", "newsletter", str(source))
    assert EMAIL not in filtered.stdout and OTHER not in filtered.stdout  # OTHER: its own opt-out


def test_the_review_counts_every_linked_identity(optout, person):
    result = optout("subject", "erase", PHONE, input="n\n")
    assert result.exit_code == 1
    assert "of 2 linked identities" in result.output and "1 access request(s)" in result.output


def _export(optout, tmp_path, who: str, *extra: str) -> str:
    path = tmp_path / "package.out"
    result = optout("subject", "export", who, "--output", str(path), *extra)
    assert result.exit_code == 0, result.output
    return path.read_text()


def test_the_package_asked_for_by_number_covers_the_linked_address(optout, tmp_path, person, pid_of, phone_pid):
    package = json.loads(_export(optout, tmp_path, "98 26 05 80"))
    assert package["subject"] == {"phone": "+4798260580", "pseudonymous_id": phone_pid}
    assert package["current_choices"] == []
    assert package["receives"]["phone"] is True  # the address's opt-in to calls counts for the person
    assert [(e["scope"], e["action"]) for e in package["history"]] == []  # a link event is the address's
    [linked] = package["linked_identities"]
    assert (linked["kind"], linked["pseudonymous_id"]) == ("email", pid_of(EMAIL))
    assert [(c["scope"], c["status"]) for c in linked["current_choices"]] == [("topic:phone", "opt-in")]
    assert [(e["scope"], e["action"]) for e in linked["history"]] == [
        ("topic:phone", "opt-in"),
        (f"link:{phone_pid}", "link"),
    ]
    assert len(package["access_requests"]) == 1
    assert pid_of(OTHER) not in json.dumps(package) and EMAIL not in json.dumps(package)


def test_the_html_package_shows_the_other_identity_in_both_languages(optout, tmp_path, person, pid_of):
    html = _export(optout, tmp_path, EMAIL, "--format", "html", "--reason", "asked again")
    assert "Dine andre identiteter" in html and "Your other identities" in html
    assert "Et telefonnummer, pseudonym ID" in html and "Linked to a phone number" in html
    assert PHONE not in html and "+4798260580" not in html
