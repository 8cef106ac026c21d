"""The console finds a person by address or number and covers every linked identity: the look-up
shows the linked ids (never an address or number we were not given), the package includes them,
and erasure by number erases and suppresses both."""

from __future__ import annotations

import json

import pytest

from optout.phones import phone_id
from tests.helpers.officers import post
from tests.helpers.settings import ID_KEY

EMAIL, PHONE = "kari@example.no", "+47 982 60 580"


@pytest.fixture
def linked(optout, decide):
    decide(EMAIL, "topic:periodic")
    assert optout("recipient", "link", EMAIL, PHONE).exit_code == 0
    return phone_id(ID_KEY.encode(), PHONE).hex()


def test_lookup_by_number_shows_the_persons_choices_and_the_linked_address(signed_in, linked, pid_of, audit_log):
    html = post(signed_in, "/lookup", {"email": "98 26 05 80"}).text
    assert linked in html and pid_of(EMAIL) in html
    assert "Koblede identiteter" in html and "E-postadresse" in html
    assert "Nyhetsbrev fra Mesier: <strong>nei</strong>" in html  # the address's opt-out counts for the person
    assert EMAIL not in html
    assert audit_log()[-1][1:3] == ("lookup", linked)


def test_lookup_refuses_a_number_that_cannot_exist(signed_in, linked, audit_log):
    html = post(signed_in, "/lookup", {"email": "12345"}).text
    assert "Dette er ikke en e-postadresse eller et telefonnummer som kan finnes" in html
    assert [action for _who, action, _pid, _data in audit_log()] == ["login", "identities-linked"]  # no look-up


def test_the_package_by_number_covers_the_linked_address(signed_in, linked, pid_of):
    response = post(signed_in, "/requests/package", {"email": "+4798260580", "format": "json"})
    assert response.status_code == 200, response.text
    package = json.loads(response.data)
    assert package["subject"] == {"phone": "+4798260580", "pseudonymous_id": linked}
    assert [one["pseudonymous_id"] for one in package["linked_identities"]] == [pid_of(EMAIL)]


def test_erasure_by_number_erases_and_suppresses_both(signed_in, linked, pid_of, choices, optout):
    review = post(signed_in, "/erase/review", {"email": "98260580"})
    assert review.status_code == 200
    assert "Identiteter hos denne personen" in review.text and "+4798260580" in review.text
    done = post(signed_in, "/erase", {"email": "+4798260580", "confirm": "y"})
    assert done.status_code == 200 and "Slettet" in done.text
    assert choices() == {(pid_of(EMAIL), "everything"): "opt-out", (linked, "everything"): "opt-out"}
    assert optout("ledger", "verify").exit_code == 0
