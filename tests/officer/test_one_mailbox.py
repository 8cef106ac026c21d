"""The console finds, and erases, one person under every spelling of their mailbox; an officer
logs in under any spelling of theirs (audit 2026-12, finding 1)."""

from __future__ import annotations

import unicodedata

from optout.accounts import officers as auth
from optout.web.session import get_session
from tests.helpers.officers import PASSWORD, console, log_in, post

SPELLED = "øyvind@blåbær.no"
OTHERWISE = "ØYVIND@XN--BLBR-ROAH.NO"


def test_lookup_under_another_spelling_shows_the_same_history(signed_in, decide, pid_of):
    decide(SPELLED, "topic:periodic")
    html = post(signed_in, "/lookup", {"email": OTHERWISE}).text
    assert pid_of(SPELLED) in html and "Meldt av" in html
    assert "Ingenting er registrert" not in html


def test_erasure_under_another_spelling_erases_the_person(signed_in, decide, choices, pid_of):
    decide(SPELLED, "topic:phone", "opt-in")
    done = post(signed_in, "/erase", {"email": unicodedata.normalize("NFD", OTHERWISE), "confirm": "y"})
    assert done.status_code == 200, done.text
    assert {k: v for k, v in choices().items() if k[0] == pid_of(SPELLED)} == {
        (pid_of(SPELLED), "everything"): "opt-out"
    }


def test_lookup_refuses_a_mailto_address(signed_in, audit_log):
    html = post(signed_in, "/lookup", {"email": f"mailto:{SPELLED}"}).text
    assert "Dette er ikke en e-postadresse" in html
    assert [action for _who, action, _pid, _data in audit_log()] == ["login"]


def test_an_officer_with_an_internationalized_address_logs_in_under_either_spelling(app, client):
    with app.app_context():
        session = get_session()
        auth.add_officer(session, "Personvern@Blåbær.no", PASSWORD)
        session.commit()
    assert log_in(client, "personvern@xn--blbr-roah.no").status_code == 303
    assert client.get(console("/")).status_code == 200
